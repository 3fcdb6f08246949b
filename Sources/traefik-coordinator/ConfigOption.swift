import ArgumentParser
import Coordination

/// `--config PATH`: the coordinator's YAML settings (environment variables override it).
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The coordinator's settings (YAML). TRAEFIK_COORDINATOR_* environment variables override them.")
    var config: String?

    /// The settings, or a clear error naming the setting and its origin (exit code `invalidExitCode`).
    func load(invalidExitCode: Int32 = 2) throws -> CoordinatorSettings {
        do {
            return try CoordinatorSettings.load(file: config)
        } catch {
            var standardError = StandardError()
            print("traefik-coordinator: invalid settings: \(error)", to: &standardError)
            throw ExitCode(invalidExitCode)
        }
    }
}
