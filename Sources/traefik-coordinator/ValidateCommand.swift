import ArgumentParser
import Coordination
import TraefikConfig

/// `traefik-coordinator validate`: checks a dynamic configuration as strictly as Traefik.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a dynamic configuration (and, with --config, the coordinator's settings); exit 0 when valid, 1 when not.",
        discussion: """
            Every problem is listed as `FILE: PATH: MESSAGE (CLASS)`, where CLASS says what Traefik would do: \
            `fatal` (Traefik rejects the whole provider configuration), `element error` (that router, service \
            or middleware fails), or `not representable in Redis` (the value cannot be written as Redis keys \
            without changing its meaning).
            """
    )

    @Option(name: .long, help: "A dynamic-configuration file, or a directory of *.yml, *.yaml, *.toml, *.json files.")
    var dynamic: String?

    /// With `--config`, the settings are checked too, and their `traefik.dynamic` is validated unless
    /// `--dynamic` is given.
    @OptionGroup var settings: ConfigOption

    @OptionGroup var version: TraefikVersionOption

    func run() throws {
        var path = dynamic
        var loadedSettings: CoordinatorSettings?
        if let config = settings.config {
            let loaded = try settings.load(invalidExitCode: 1)
            print("settings valid: \(config) (root key \(loaded.rootKey), \(loaded.redis.endpoints.count) endpoint(s))")
            path = path ?? loaded.dynamic
            loadedSettings = loaded
        }
        guard let path else {
            throw ValidationError("give --dynamic PATH, or --config PATH whose traefik.dynamic names the configuration")
        }
        let target = try version.target(settings: loadedSettings)
        let result = DynamicConfigurationLoader.load(path: path, target: target)
        guard result.isValid else {
            Self.printIssues(result.issues)
            throw ExitCode(1)
        }
        let configuration = result.configuration
        let files = result.files.count == 1 ? "1 file" : "\(result.files.count) files"
        print("valid: \(files), \(configuration.elementCount) routers/services/middlewares, hash \(ConfigurationHash.hash(configuration)), for Traefik \(target.version) and later")
    }

    static func printIssues(_ issues: [ConfigIssue]) {
        var standardError = StandardError()
        for issue in issues {
            print(issue, to: &standardError)
        }
        let count = issues.count == 1 ? "1 problem" : "\(issues.count) problems"
        print("invalid: \(count)", to: &standardError)
    }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}

import Foundation
