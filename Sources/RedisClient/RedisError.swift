public import RESP

/// Everything that can go wrong talking to Redis, each case naming the server and what to do.
///
/// Messages carry command names and addresses, never arguments, so a password cannot leak through an error.
public enum RedisError: Error, Sendable, CustomStringConvertible {
    /// The server answered with an error reply.
    case server(RedisServerError)
    /// The TCP connection was not established within the connect timeout.
    case connectTimeout(RedisAddress, timeout: Duration)
    /// The TCP connection could not be established (refused, unreachable, name not resolved).
    case connectFailed(RedisAddress, reason: String)
    /// The connection closed while a command was pending, or a command was sent on a closed connection.
    case connectionClosed(RedisAddress, reason: String?)
    /// No reply arrived within the command timeout. The connection stays usable; the late reply is dropped.
    case commandTimeout(command: String, RedisAddress, timeout: Duration)
    /// The calling task was cancelled while the command was pending.
    case cancelled(command: String)
    /// The server refused the credentials (`WRONGPASS`): a configuration error, not retried.
    case authenticationFailed(RedisAddress, username: String?, serverMessage: String)
    /// The server requires a password and none is configured.
    case authenticationRequired(RedisAddress)
    /// The server sent bytes that are not valid RESP, or broke a configured limit; the connection was closed.
    case protocolViolation(RedisAddress, RESPProtocolError)
    /// A reply of a type the command does not produce (from the node named, when known).
    case unexpectedReply(command: String, RedisAddress?, reply: String)
    /// The client was closed (shutting down); no new connection is opened.
    case clientClosed
    /// TLS failed (handshake, certificate, truncation); transient or not as ``TLSError/isTransient`` says.
    case tls(RedisAddress, TLSError)
    /// Sentinel discovery failed; transient or not as ``SentinelError/isTransient`` says.
    case sentinel(SentinelError)
    /// The server accepted the TCP connection and closed it at our first command, without a reply: a TLS port
    /// refusing plaintext, or a server refusing our client certificate — or a server going down just then.
    /// Transient by itself (retried); when it persists it is a configuration error (``persistsAsConfiguration``).
    /// `hint` says what to check.
    case closedAtFirstCommand(RedisAddress, hint: String)

    /// The server error, if this is one.
    public var serverError: RedisServerError? {
        if case .server(let error) = self { return error }
        return nil
    }

    /// True for failures that a new connection attempt may cure (the server is down, restarting, loading,
    /// or the network dropped). Credentials, permissions and protocol violations are not transient.
    public var isTransient: Bool {
        switch self {
        case .connectTimeout, .connectFailed, .connectionClosed, .commandTimeout, .closedAtFirstCommand:
            return true
        case .server(let error):
            return error.kind == .loading || error.kind == .masterDown || error.kind == .busy
        case .tls(_, let error):
            return error.isTransient
        case .sentinel(let error):
            return error.isTransient
        case .cancelled, .clientClosed, .authenticationFailed, .authenticationRequired, .protocolViolation, .unexpectedReply:
            return false
        }
    }

    /// True for a transient failure that, when every attempt for a while ends the same way, is a configuration
    /// error after all (a TLS port refusing plaintext): a one-shot command stops retrying it after a few seconds.
    public var persistsAsConfiguration: Bool {
        if case .closedAtFirstCommand = self { return true }
        return false
    }

    /// How an operator should read the failure: `transient` (retried with backoff; it may cure itself) or
    /// `configuration` (retrying cannot help: a setting, a certificate or an ACL must change).
    public var kind: Kind { isTransient ? .transient : .configuration }

    /// The two kinds of failure, as the coordinator reports them (log field `error.kind`, metric label `kind`).
    public enum Kind: String, Sendable, Hashable {
        /// May cure itself: retried with backoff.
        case transient
        /// Needs a change of settings, certificates or ACLs: reported, not retried in one-shot commands.
        case configuration
    }

    public var description: String {
        switch self {
        case .server(let error) where error.kind == .noPermission:
            return error.description + ". The ACL user lacks this permission: grant it with ACL SETUSER (`traefik-coordinator check` lists what the coordinator's user needs)"
        case .server(let error):
            return error.description
        case .closedAtFirstCommand(let address, let hint):
            return "Redis at \(address) closed the connection at our first command, without a reply: \(hint)"
        case .connectTimeout(let address, let timeout):
            return "could not connect to Redis at \(address) within \(timeout): check the address, the port and that the server is up"
        case .connectFailed(let address, let reason):
            return "could not connect to Redis at \(address): \(reason)"
        case .connectionClosed(let address, let reason):
            return "connection to Redis at \(address) closed" + (reason.map { ": \($0)" } ?? "")
        case .commandTimeout(let command, let address, let timeout):
            return "\(command) on \(address) got no reply within \(timeout)"
        case .cancelled(let command):
            return "\(command) was cancelled"
        case .authenticationFailed(let address, let username, let message):
            let user = username.map { "user '\($0)'" } ?? "the default user"
            return "authentication to Redis at \(address) as \(user) failed (\(message)): check redis.username and redis.password / redis.passwordFile"
        case .authenticationRequired(let address):
            return "Redis at \(address) requires authentication: set redis.password or redis.passwordFile (and redis.username for an ACL user)"
        case .protocolViolation(let address, let error):
            return "Redis at \(address) sent an invalid reply (\(error)); the connection was closed"
        case .unexpectedReply(let command, let address, let reply):
            return "unexpected reply to \(command)" + (address.map { " from \($0)" } ?? "") + ": \(reply)"
        case .clientClosed:
            return "the Redis client was closed; no new connection is opened"
        case .tls(let address, let error):
            return "TLS to Redis at \(address): \(error)"
        case .sentinel(let error):
            return error.description
        }
    }
}
