public import RESP
import Synchronization

/// A Lua script, run with `EVALSHA` so that its source crosses the network only when the server lacks it.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// Wraps a Lua source.
    public init(_ source: String) { self.source = source }
}

/// Script SHA1s learned from `SCRIPT LOAD`, shared by the connections of one client.
///
/// Guarded by a `Mutex`; entries are only hints: a server that forgot a script (restart, failover,
/// `SCRIPT FLUSH`) answers `NOSCRIPT` and the script is loaded again.
public final class RedisScriptCache: Sendable {
    private let shas = Mutex<[String: String]>([:])

    /// Creates an empty cache.
    public init() {}

    func sha(for script: RedisScript) -> String? { shas.withLock { $0[script.source] } }
    func remember(_ sha: String, for script: RedisScript) { shas.withLock { $0[script.source] = sha } }
}

extension RedisCommandExecutor {
    /// Runs `script` with `EVALSHA`; when the server answers `NOSCRIPT` (or the SHA is not known yet), loads
    /// it with `SCRIPT LOAD` and tries once more.
    ///
    /// - Returns: the script's reply as it came (an error reply from the script throws ``RedisError/server(_:)``).
    public func evaluate(
        _ script: RedisScript, keys: [String] = [], arguments: [RESPArgument] = [], timeout: Duration? = nil
    ) async throws -> RESPToken {
        if let sha = scriptCache.sha(for: script) {
            do {
                return try await send(RedisCommands.evalsha(sha, keys: keys, arguments: arguments), timeout: timeout)
            } catch let error as RedisError where error.serverError?.kind == .noScript {
                // The server forgot it: load again below.
            }
        }
        let sha = try await send(RedisCommands.scriptLoad(script.source), timeout: timeout)
        scriptCache.remember(sha, for: script)
        return try await send(RedisCommands.evalsha(sha, keys: keys, arguments: arguments), timeout: timeout)
    }
}
