import Foundation

/// Locates the real programs the integration tests start (redis-server, redis-cli, ...).
///
/// Outside CI a missing program makes the tests that need it skip (with `.enabled(if:)`); when `CI` is set
/// they run and fail with a message saying how to install it, so CI can never pass without its servers.
public enum ExternalTool {
    /// True when the `CI` environment variable is set.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }

    /// The full path of `name` on `PATH` (plus /usr/sbin and /usr/local/bin), or `nil`.
    public static func path(of name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/bin", "/usr/bin"]
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// True when tests needing `name` should run: it is installed, or this is CI (where its absence fails).
    public static func shouldRun(_ name: String) -> Bool { isCI || path(of: name) != nil }

    /// The path of `name`, or an error naming the package that provides it.
    public static func require(_ name: String, package: String) throws -> String {
        guard let found = path(of: name) else {
            throw TestSupportError.missingTool(
                name, remedy: "install it with `sudo apt-get install -y \(package)` (or run the README's test command, which does)")
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
