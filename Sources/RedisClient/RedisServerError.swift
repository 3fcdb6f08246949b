/// An error reply from the server (`-ERR ...`, `-WRONGPASS ...`), with the command that caused it.
///
/// ``code`` is the reply's first word; ``kind`` classifies the codes the coordinator reacts to. The
/// server's message is kept as sent; it never contains our arguments (passwords are never echoed).
public struct RedisServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error classes callers distinguish.
    public enum Kind: Sendable, Hashable {
        /// `WRONGPASS`: wrong username/password, or a disabled user.
        case wrongPassword
        /// `NOAUTH`: authentication is required.
        case authenticationRequired
        /// `NOPERM`: the ACL user may not run this command or touch this key.
        case noPermission
        /// `READONLY`: a write was sent to a replica (the master moved).
        case readOnly
        /// `NOSCRIPT`: EVALSHA for a script the server does not have.
        case noScript
        /// `LOADING`: the server is loading its dataset.
        case loading
        /// `BUSY`: a script is running too long.
        case busy
        /// `MASTERDOWN`: a replica lost its master and refuses stale reads.
        case masterDown
        /// `NOPROTO`: the requested protocol version is not supported.
        case protocolNotSupported
        /// `EXECABORT`: a transaction was discarded because a queued command failed.
        case execAbort
        /// `WRONGTYPE`: the key holds another type.
        case wrongType
        /// `ERR unknown command` (also what a renamed-away `CONFIG` answers).
        case unknownCommand
        /// Anything else (`ERR ...`).
        case other
    }

    /// The reply's first word (`ERR`, `WRONGPASS`, `NOPERM`, ...).
    public let code: String
    /// The complete error text as the server sent it.
    public let message: String
    /// The command that failed, by name only (never its arguments).
    public let command: String
    /// The server that answered, when known.
    public let address: RedisAddress?

    /// Creates an error from a server's error text.
    public init(message: String, command: String, address: RedisAddress?) {
        self.message = message
        self.code = String(message.prefix(while: { $0 != " " }))
        self.command = command
        self.address = address
    }

    /// The class of this error.
    public var kind: Kind {
        switch code {
        case "WRONGPASS": return .wrongPassword
        case "NOAUTH": return .authenticationRequired
        case "NOPERM": return .noPermission
        case "READONLY": return .readOnly
        case "NOSCRIPT": return .noScript
        case "LOADING": return .loading
        case "BUSY": return .busy
        case "MASTERDOWN": return .masterDown
        case "NOPROTO": return .protocolNotSupported
        case "EXECABORT": return .execAbort
        case "WRONGTYPE": return .wrongType
        default:
            if message.hasPrefix("ERR unknown command") { return .unknownCommand }
            if message.hasPrefix("ERR invalid password") { return .wrongPassword }  // Redis < 6
            return .other
        }
    }

    public var description: String {
        let node = address.map { " on \($0)" } ?? ""
        return "Redis error for \(command)\(node): \(message)"
    }
}
