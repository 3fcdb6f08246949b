public import Logging
import Synchronization

/// A logger whose messages a test can read back (level, message, metadata rendered as text).
public final class CapturedLogs: Sendable {
    /// One logged message.
    public struct Entry: Sendable, CustomStringConvertible {
        public var level: Logger.Level
        public var message: String
        public var metadata: String
        public var description: String { "[\(level)] \(message) \(metadata)" }
    }

    private let storage = Mutex<[Entry]>([])

    public init() {}

    /// Everything logged so far.
    public var entries: [Entry] { storage.withLock { $0 } }

    /// A logger that records into this object (at `trace` level and up).
    public func logger(label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(sink: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ entry: Entry) {
        storage.withLock { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let text = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            sink.append(Entry(level: event.level, message: "\(event.message)", metadata: text))
        }
    }
}
