import ArgumentParser
import Coordination
import Foundation
import Logging

/// `--log-format` and `--log-level`, over the settings' `log.format` and `log.level`.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "text or json (default: log.format, else text).")
    var logFormat: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error, critical (default: log.level, else info).")
    var logLevel: String?

    /// Sets up swift-log for the process: to standard error, in the chosen format and level.
    func bootstrap(settings: CoordinatorSettings?, defaultLevel: String? = nil) throws {
        let format = logFormat ?? settings?.logFormat ?? "text"
        let levelName = logLevel ?? defaultLevel ?? settings?.logLevel ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("--log-level: expected trace, debug, info, notice, warning, error or critical")
        }
        guard format == "text" || format == "json" else { throw ValidationError("--log-format: expected text or json") }
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == "json" ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// One JSON object per line on standard error: `time`, `level`, `label`, `message`, and the metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Milliseconds included: lines from replicas interleave. A value type, made once (not one formatter per line).
    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    func log(event: LogEvent) {
        var object: [String: String] = [
            "time": Self.timeFormat.format(Date()), "level": "\(event.level)", "label": label,
            "message": "\(event.message)",
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            object[key] = "\(value)"
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        FileHandle.standardError.write(data + Data("\n".utf8))
    }
}
