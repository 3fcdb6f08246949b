import Foundation

/// Locates the real programs the integration tests start (redis-server, redis-cli, ...).
///
/// Outside CI a missing program makes the tests that need it skip (with `.enabled(if:)`); when `CI` is set
/// they run and fail with a message saying how to install it, so CI can never pass without its servers.
public enum ExternalTool {
    /// True when the `CI` environment variable is set.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }

    /// The full path of `name`, or `nil`: its override (``override(for:)``), else the first on `PATH` (plus
    /// /usr/sbin and /usr/local/bin).
    public static func path(of name: String) -> String? {
        if let chosen = override(for: name) { return chosen }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/bin", "/usr/bin"]
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The Traefik version `scripts/install-dependencies` installs in `.tools/traefik-<version>/` for the tests.
    public static let defaultTraefikVersion = "3.7.15"

    /// Where a program comes from when it is not simply the one on `PATH`:
    /// - `traefik`: `$TRAEFIK_BINARY`, else `.tools/traefik-3.7.15/bin/traefik` in the repository (the venv
    ///   `scripts/install-dependencies` makes) when it exists;
    /// - `redis-server`: `$TC_REDIS_SERVER` (another server for the whole run, e.g. Valkey or Redis 6.2);
    /// - `redis-sentinel`: `$TC_REDIS_SENTINEL`, a sentinel binary or a server binary that
    ///   ``RedisServerProcess`` starts with `--sentinel`.
    public static func override(for name: String) -> String? {
        let environment = ProcessInfo.processInfo.environment
        func explicit(_ variable: String) -> String? { environment[variable].flatMap { $0.isEmpty ? nil : $0 } }
        switch name {
        case "traefik":
            if let chosen = explicit("TRAEFIK_BINARY") { return chosen }
            let local = Repository.path(".tools/traefik-\(defaultTraefikVersion)/bin/traefik")
            return FileManager.default.isExecutableFile(atPath: local) ? local : nil
        case "redis-server": return explicit("TC_REDIS_SERVER")
        case "redis-sentinel": return explicit("TC_REDIS_SENTINEL")
        default: return nil
        }
    }

    /// True when tests needing `name` should run: it is installed, or this is CI (where its absence fails).
    public static func shouldRun(_ name: String) -> Bool { isCI || path(of: name) != nil }

    /// The path of `name`, or an error naming the Debian package that provides it (or, with `remedy`, saying
    /// how else to get it).
    public static func require(_ name: String, package: String, remedy: String? = nil) throws -> String {
        guard let found = path(of: name) else {
            throw TestSupportError.missingTool(
                name,
                remedy: remedy
                    ?? "install it with `sudo apt-get install -y \(package)` (or run the README's test command, which does)")
        }
        return found
    }
}

/// Why a test could not set up its real components.
public enum TestSupportError: Error, CustomStringConvertible {
    case missingTool(String, remedy: String)
    case startFailed(String, log: String)
    case timedOut(String)
    case commandFailed(String, output: String)

    public var description: String {
        switch self {
        case .missingTool(let name, let remedy): "\(name) is not installed: \(remedy)"
        case .startFailed(let what, let log): "\(what) did not start. Its log:\n\(log)"
        case .timedOut(let what): "timed out: \(what)"
        case .commandFailed(let command, let output): "\(command) failed: \(output)"
        }
    }
}
