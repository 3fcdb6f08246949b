import NIOCore
public import RESP

/// Factories for the typed commands the coordinator uses.
///
/// Each returns a ``RedisCommand`` whose `Response` is the Swift type of its reply.
public enum RedisCommands {
    /// `PING`: `PONG`.
    public static func ping() -> RedisCommand<String> {
        RedisCommand(RESPCommand("PING")) { token in
            if let text = token.string { return text }
            if let first = token.array?.first?.string { return first }  // RESP2 in subscribed mode
            throw RedisReplyMismatch(token)
        }
    }

    /// `GET key`: the value, or `nil` when the key does not exist.
    public static func get(_ key: String) -> RedisCommand<String?> {
        RedisCommand(RESPCommand("GET", .string(key))) { token in
            if token.isNull { return nil }
            guard let text = token.string else { throw RedisReplyMismatch(token) }
            return text
        }
    }

    /// `MGET key...`: one value per key, `nil` where the key does not exist or is not a string.
    public static func mget(_ keys: [String]) -> RedisCommand<[String?]> {
        RedisCommand(RESPCommand("MGET", arguments: keys.map { .string($0) })) { token in
            guard case .array(let values) = token.value else { throw RedisReplyMismatch(token) }
            return values.map { $0.isNull ? nil : $0.string }
        }
    }

    /// When `SET` writes.
    public enum SetCondition: Sendable, Hashable {
        /// Always.
        case always
        /// Only when the key does not exist (`NX`).
        case ifNotExists
        /// Only when the key exists (`XX`).
        case ifExists
    }

    /// `SET key value [NX|XX] [PX ms]`: true if the value was written, false if the condition was not met.
    public static func set(
        _ key: String, _ value: String, condition: SetCondition = .always, expiration: Duration? = nil
    ) -> RedisCommand<Bool> {
        var arguments: [RESPArgument] = [.string(key), .string(value)]
        switch condition {
        case .always: break
        case .ifNotExists: arguments.append("NX")
        case .ifExists: arguments.append("XX")
        }
        if let expiration {
            arguments += ["PX", .integer(expiration.milliseconds)]
        }
        return RedisCommand(RESPCommand("SET", arguments: arguments)) { token in
            if token.isNull { return false }
            guard token.string == "OK" else { throw RedisReplyMismatch(token) }
            return true
        }
    }

    /// `SMEMBERS key`: the members of a set (empty when the key does not exist).
    public static func smembers(_ key: String) -> RedisCommand<[String]> {
        RedisCommand(RESPCommand("SMEMBERS", .string(key))) { token in
            guard let members = token.array else { throw RedisReplyMismatch(token) }
            return members.compactMap(\.string)
        }
    }

    /// `DEL key...`: how many keys were removed.
    public static func del(_ keys: [String]) -> RedisCommand<Int> {
        RedisCommand(RESPCommand("DEL", arguments: keys.map { .string($0) }), decode: integer)
    }

    /// `EXISTS key...`: how many of the keys exist.
    public static func exists(_ keys: [String]) -> RedisCommand<Int> {
        RedisCommand(RESPCommand("EXISTS", arguments: keys.map { .string($0) }), decode: integer)
    }

    /// `PEXPIRE key ms`: true if the timeout was set, false if the key does not exist.
    public static func pexpire(_ key: String, _ duration: Duration) -> RedisCommand<Bool> {
        RedisCommand(RESPCommand("PEXPIRE", .string(key), .integer(duration.milliseconds))) { try integer($0) == 1 }
    }

    /// `PTTL key`: milliseconds left, -1 without expiry, -2 when missing.
    public static func pttl(_ key: String) -> RedisCommand<Int> {
        RedisCommand(RESPCommand("PTTL", .string(key)), decode: integer)
    }

    /// `INCR key`: the new value.
    public static func incr(_ key: String) -> RedisCommand<Int64> {
        RedisCommand(RESPCommand("INCR", .string(key))) { token in
            guard let number = token.int else { throw RedisReplyMismatch(token) }
            return number
        }
    }

    /// `WAIT replicas timeout`: how many replicas acknowledged the connection's writes.
    public static func wait(replicas: Int, timeout: Duration) -> RedisCommand<Int> {
        RedisCommand(RESPCommand("WAIT", .integer(Int64(replicas)), .integer(timeout.milliseconds)), decode: integer)
    }

    /// `PUBLISH channel message`: how many subscribers received it.
    public static func publish(_ channel: String, _ message: String) -> RedisCommand<Int> {
        RedisCommand(RESPCommand("PUBLISH", .string(channel), .string(message)), decode: integer)
    }

    /// `ROLE`: master with its replicas, replica with its master, or sentinel.
    public static func role() -> RedisCommand<RedisRole> {
        RedisCommand(RESPCommand("ROLE")) { token in
            guard let role = RedisRole(token) else { throw RedisReplyMismatch(token) }
            return role
        }
    }

    /// `INFO [section]`: the report, parsed into sections.
    public static func info(_ section: String? = nil) -> RedisCommand<RedisInfo> {
        RedisCommand(RESPCommand("INFO", arguments: section.map { [.string($0)] } ?? [])) { token in
            guard let text = token.string else { throw RedisReplyMismatch(token) }
            return RedisInfo(text)
        }
    }

    /// `CONFIG GET pattern`: parameter names and values (RESP3 map or RESP2 flat array).
    public static func configGet(_ pattern: String) -> RedisCommand<[String: String]> {
        RedisCommand(RESPCommand("CONFIG", "GET", .string(pattern))) { token in
            guard let pairs = token.pairs else { throw RedisReplyMismatch(token) }
            var result: [String: String] = [:]
            for (key, value) in pairs {
                guard let name = key.string else { throw RedisReplyMismatch(token) }
                result[name] = value.string ?? ""
            }
            return result
        }
    }

    /// `CONFIG SET parameter value`.
    public static func configSet(_ parameter: String, _ value: String) -> RedisCommand<Void> {
        RedisCommand(RESPCommand("CONFIG", "SET", .string(parameter), .string(value)), decode: ok)
    }

    /// `SCAN cursor [MATCH pattern] [COUNT n]`: the next cursor and a batch of keys.
    public static func scan(cursor: String, match: String? = nil, count: Int? = nil) -> RedisCommand<(cursor: String, keys: [String])> {
        var arguments: [RESPArgument] = [.string(cursor)]
        if let match { arguments += ["MATCH", .string(match)] }
        if let count { arguments += ["COUNT", .integer(Int64(count))] }
        return RedisCommand(RESPCommand("SCAN", arguments: arguments)) { token in
            guard let parts = token.array, parts.count == 2, let next = parts[0].string, let keys = parts[1].array else {
                throw RedisReplyMismatch(token)
            }
            return (next, keys.compactMap(\.string))
        }
    }

    /// `WATCH key...`: watch keys for a following ``RedisConnection/transaction(_:timeout:)``.
    public static func watch(_ keys: [String]) -> RedisCommand<Void> {
        RedisCommand(RESPCommand("WATCH", arguments: keys.map { .string($0) }), decode: ok)
    }

    /// `UNWATCH`.
    public static func unwatch() -> RedisCommand<Void> {
        RedisCommand(RESPCommand("UNWATCH"), decode: ok)
    }

    /// `SCRIPT LOAD source`: the script's SHA1.
    public static func scriptLoad(_ source: String) -> RedisCommand<String> {
        RedisCommand(RESPCommand("SCRIPT", "LOAD", .string(source))) { token in
            guard let sha = token.string else { throw RedisReplyMismatch(token) }
            return sha
        }
    }

    /// `EVALSHA sha numkeys key... arg...`: the script's reply as it came.
    public static func evalsha(_ sha: String, keys: [String], arguments: [RESPArgument]) -> RedisCommand<RESPToken> {
        let all: [RESPArgument] = [.string(sha), .integer(Int64(keys.count))] + keys.map { .string($0) } + arguments
        return RedisCommand(RESPCommand("EVALSHA", arguments: all)) { $0 }
    }

    // MARK: - Reply readers

    static func integer(_ token: RESPToken) throws -> Int {
        guard case .integer(let number) = token.value else { throw RedisReplyMismatch(token) }
        return Int(number)
    }

    static func ok(_ token: RESPToken) throws {
        guard token.string == "OK" else { throw RedisReplyMismatch(token) }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down (the unit of `PX`, `PEXPIRE` and lease arguments).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
