public import RESP

/// A command together with how to read its reply: a small `Sendable` value.
///
/// Build one with the factories in ``RedisCommands`` (`RedisCommands.set("k", "v", condition: .ifNotExists)`),
/// or from a raw ``RESPCommand`` with ``raw(_:)``. Error replies never reach `decode`: the connection turns
/// them into ``RedisError/server(_:)`` first.
public struct RedisCommand<Response: Sendable>: Sendable {
    /// What is sent.
    public let command: RESPCommand
    /// Reads a non-error reply; throws ``RedisReplyMismatch`` for a reply of the wrong shape.
    public let decode: @Sendable (RESPToken) throws -> Response

    /// Creates a command.
    public init(_ command: RESPCommand, decode: @escaping @Sendable (RESPToken) throws -> Response) {
        self.command = command
        self.decode = decode
    }

    /// The command name, for logs and errors.
    public var name: String { command.name }
}

extension RedisCommand where Response == RESPToken {
    /// A command whose reply is returned as it came.
    public static func raw(_ command: RESPCommand) -> RedisCommand<RESPToken> {
        RedisCommand(command) { $0 }
    }
}

/// Thrown by a ``RedisCommand/decode`` closure for a reply of an unexpected shape; the connection turns it
/// into ``RedisError/unexpectedReply(command:_:reply:)`` with the command name and server address.
public struct RedisReplyMismatch: Error, Sendable {
    /// The reply, rendered for the error message (truncated).
    public var reply: String
    /// Creates a mismatch for `token`.
    public init(_ token: RESPToken) {
        reply = String(token.description.prefix(200))
    }
}

/// Something that runs commands: a single ``RedisConnection`` or a reconnecting ``RedisClient``.
public protocol RedisCommandExecutor: Sendable {
    /// Sends one command and returns its decoded reply.
    func send<Response>(_ command: RedisCommand<Response>, timeout: Duration?) async throws -> Response
    /// Sends commands in one flush and returns their raw replies in order (error replies included as tokens).
    func pipeline(_ commands: [RESPCommand], timeout: Duration?) async throws -> [RESPToken]
    /// Where script SHA1s learned with `SCRIPT LOAD` are remembered.
    var scriptCache: RedisScriptCache { get }
}

extension RedisCommandExecutor {
    /// Sends one command with the configured command timeout.
    public func send<Response>(_ command: RedisCommand<Response>) async throws -> Response {
        try await send(command, timeout: nil)
    }

    /// Sends commands in one flush with the configured command timeout.
    public func pipeline(_ commands: [RESPCommand]) async throws -> [RESPToken] {
        try await pipeline(commands, timeout: nil)
    }

    /// Sends typed commands in one flush; each result is its decoded reply or its error.
    public func pipeline<Response>(
        _ commands: [RedisCommand<Response>], timeout: Duration? = nil
    ) async throws -> [Result<Response, RedisError>] {
        let replies = try await pipeline(commands.map(\.command), timeout: timeout)
        return zip(commands, replies).map { command, reply in
            Result { () throws(RedisError) -> Response in try command.decodeReply(reply, address: nil) }
        }
    }
}

extension RedisCommand {
    /// Turns an error reply into ``RedisError/server(_:)`` and a decode mismatch into
    /// ``RedisError/unexpectedReply(command:_:reply:)``.
    func decodeReply(_ token: RESPToken, address: RedisAddress?) throws(RedisError) -> Response {
        if let message = token.errorMessage {
            throw .server(RedisServerError(message: message, command: name, address: address))
        }
        do {
            return try decode(token)
        } catch let mismatch as RedisReplyMismatch {
            throw .unexpectedReply(command: name, address, reply: mismatch.reply)
        } catch let error as RedisError {
            throw error
        } catch {
            throw .unexpectedReply(command: name, address, reply: "\(error)")
        }
    }
}
