import ArgumentParser
import Coordination
import TraefikConfig

/// `--traefik-version X.Y[.Z]` of `validate` and `render`: the oldest Traefik that will read the keys.
struct TraefikVersionOption: ParsableArguments {
    @Option(
        name: .customLong("traefik-version"),
        help: "The oldest Traefik that reads the keys (e.g. 3.2 or 3.2.3): fields it lacks are refused. Default: traefik.version with --config, else the newest known (\(TraefikVersion.newestKnown)).")
    var text: String?

    /// The target: this option, else the settings' `traefik.version`, else the newest known. A version newer
    /// than the schema knows is validated as the newest, with a warning on standard error.
    func target(settings: CoordinatorSettings?) throws -> TraefikTarget {
        guard let text else { return settings?.traefikTarget ?? .newest }
        guard let version = TraefikVersion(parsing: text) else {
            throw ValidationError("--traefik-version: '\(text)' is not a Traefik version (write 3.2 or 3.2.3)")
        }
        if let (isError, message) = TraefikTarget.support(of: version) {
            if isError { throw ValidationError("--traefik-version: \(message)") }
            var standardError = StandardError()
            print("warning: \(message)", to: &standardError)
        }
        return TraefikTarget.clamped(version, source: "--traefik-version")
    }
}
