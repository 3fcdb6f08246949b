public import Logging
public import NIOCore
public import NIOPosix
public import RESP
import Synchronization

/// One open connection to one Redis server, safe to share between tasks.
///
/// Commands from concurrent tasks are pipelined on the one socket in the order they are submitted. Each
/// command has a timeout; cancelling the calling task or hitting the timeout fails that command only, never
/// the connection (its late reply is read and dropped). Open one with
/// ``connect(to:configuration:eventLoopGroup:logger:onPubSubMessage:)``.
public final class RedisConnection: RedisCommandExecutor {
    /// The server this connection talks to.
    public let address: RedisAddress
    /// 3 after a successful `HELLO 3`, 2 when the server refused RESP3.
    public let protocolVersion: Int
    /// The server's version, from `HELLO` or `INFO server` (empty if neither answered).
    public let serverVersion: String
    /// The `role` field of the `HELLO` reply (`master`, `replica`); `nil` on RESP2 or from a sentinel. A
    /// fallback where `ROLE` is not permitted.
    public let helloRole: String?
    /// The `mode` field of the `HELLO` reply (`standalone`, `sentinel`, `cluster`); `nil` on RESP2.
    public let serverMode: String?
    /// Scripts loaded through this connection.
    public let scriptCache: RedisScriptCache

    let channel: any Channel
    private let closeReason: RedisCloseReason
    private let configuration: RedisConnectionConfiguration
    private let logger: Logger

    private init(
        channel: any Channel, closeReason: RedisCloseReason, address: RedisAddress, configuration: RedisConnectionConfiguration,
        protocolVersion: Int, hello: ServerHello, logger: Logger, scriptCache: RedisScriptCache
    ) {
        self.channel = channel
        self.closeReason = closeReason
        self.address = address
        self.configuration = configuration
        self.protocolVersion = protocolVersion
        self.serverVersion = hello.version
        self.helloRole = hello.role
        self.serverMode = hello.mode
        self.logger = logger
        self.scriptCache = scriptCache
    }

    /// Opens a connection: TCP (bounded by the connect timeout), the transport's handlers, then the handshake
    /// (`HELLO 3` with `AUTH` and `SETNAME`, falling back to RESP2 `AUTH` + `CLIENT SETNAME`), then `SELECT`.
    ///
    /// - Parameter onPubSubMessage: receives `message`/`pmessage` pushes; only subscriber connections need it.
    /// - Throws: ``RedisError``: `.connectTimeout`/`.connectFailed` for TCP, `.authenticationFailed` for wrong
    ///   credentials, `.authenticationRequired` when the server wants a password we do not have.
    public static func connect(
        to address: RedisAddress,
        configuration: RedisConnectionConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "traefik-coordinator.redis"),
        scriptCache: RedisScriptCache = RedisScriptCache(),
        onPubSubMessage: (@Sendable (RESPToken) -> Void)? = nil
    ) async throws(RedisError) -> RedisConnection {
        let closeReason = RedisCloseReason()
        let channel = try await openChannel(
            to: address, configuration: configuration, group: eventLoopGroup, logger: logger, closeReason: closeReason,
            onPubSubMessage: onPubSubMessage)
        do {
            let (version, hello) = try await handshake(
                channel: channel, closeReason: closeReason, address: address, configuration: configuration)
            let connection = RedisConnection(
                channel: channel, closeReason: closeReason, address: address, configuration: configuration, protocolVersion: version,
                hello: hello, logger: logger, scriptCache: scriptCache)
            logger.debug(
                "connected to Redis",
                metadata: ["redis.address": "\(address)", "redis.protocol": "\(version)", "redis.version": "\(hello.version)"])
            return connection
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private static func openChannel(
        to address: RedisAddress, configuration: RedisConnectionConfiguration, group: any EventLoopGroup,
        logger: Logger, closeReason: RedisCloseReason, onPubSubMessage: (@Sendable (RESPToken) -> Void)?
    ) async throws(RedisError) -> any Channel {
        let transport = configuration.transport
        try await transport.prepare(for: address, logger: logger)
        // Completed by the transport once it is ready for RESP (after the TLS handshake), or failed.
        let ready = group.any().makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                do {
                    try transport.configure(channel, address: address).cascade(to: ready)
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ByteToMessageHandler(RESPTokenDecoder(limits: configuration.limits)))
                    try pipeline.addHandler(RedisChannelHandler(address: address, closeReason: closeReason, onPubSubMessage: onPubSubMessage))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: address.host, port: address.port).get()
        } catch {
            ready.fail(error)
            throw connectError(error, address: address, configuration: configuration)
        }
        do {
            try await ready.futureResult.get()
            return channel
        } catch {
            channel.close(promise: nil)
            if case TLSError.handshakeTimeout = error,
                let said = await PlaintextProbe.redisReply(from: address, group: group, timeout: .seconds(1))
            {
                // A plaintext Redis port reads a ClientHello as the start of an inline command and waits for a
                // line end that never comes: only a plaintext PING tells that port from an overloaded TLS one.
                throw .tls(address, .notTLS(serverSaid: said))
            }
            if let error = error as? TLSError { throw .tls(address, error) }
            throw .connectionClosed(address, reason: "\(transport.name) transport failed: \(error)")
        }
    }

    /// The error for a failed TCP connect.
    private static func connectError(
        _ error: any Error, address: RedisAddress, configuration: RedisConnectionConfiguration
    ) -> RedisError {
        switch error {
        case ChannelError.connectTimeout:
            return .connectTimeout(address, timeout: configuration.connectTimeout)
        case let error as NIOConnectionError:
            if error.connectionErrors.contains(where: { if case ChannelError.connectTimeout = $0.error { true } else { false } }) {
                return .connectTimeout(address, timeout: configuration.connectTimeout)
            }
            let reasons = error.connectionErrors.map { "\($0.target): \($0.error)" }
            let reason = reasons.isEmpty ? (error.dnsAError ?? error.dnsAAAAError).map { "name not resolved (\($0))" } : nil
            return .connectFailed(address, reason: reason ?? reasons.joined(separator: "; "))
        case let error as RedisError:
            return error
        case let error as TLSError:
            return .tls(address, error)
        default:
            return .connectFailed(address, reason: "\(error)")
        }
    }

    /// Runs the handshake; returns the protocol version in use and what HELLO said about the server.
    private static func handshake(
        channel: any Channel, closeReason: RedisCloseReason, address: RedisAddress, configuration: RedisConnectionConfiguration
    ) async throws(RedisError) -> (Int, ServerHello) {
        func run(_ command: RESPCommand) async throws(RedisError) -> RESPToken {
            do {
                let replies = try await submit(
                    channel: channel, closeReason: closeReason, address: address, commands: [command], name: command.name,
                    timeout: configuration.commandTimeout, subscriptionAcks: false)
                return replies[0]
            } catch {
                // A TLS port drops a plaintext client at its first command, and a TLS 1.3 server drops a client
                // whose certificate it refuses just after the handshake: say what to check, never fall back.
                guard case .connectionClosed(let address, _) = error else { throw error }
                throw .closedAtFirstCommand(address, hint: configuration.transport.firstCommandRejectedHint)
            }
        }
        func authenticationError(_ token: RESPToken) -> RedisError? {
            guard let message = token.errorMessage else { return nil }
            let error = RedisServerError(message: message, command: "AUTH", address: address)
            switch error.kind {
            case .wrongPassword:
                return .authenticationFailed(address, username: configuration.username, serverMessage: message)
            case .authenticationRequired:
                return .authenticationRequired(address)
            default:
                return .server(error)
            }
        }

        var protocolVersion = 2
        var hello = ServerHello()
        var helloAuthenticated = false
        if configuration.preferRESP3 {
            var arguments: [RESPArgument] = ["3"]
            if let password = configuration.password {
                arguments += ["AUTH", .string(configuration.username ?? "default"), .string(password.value)]
            }
            if let name = configuration.clientName { arguments += ["SETNAME", .string(name)] }
            let reply = try await run(RESPCommand("HELLO", arguments: arguments))
            if let message = reply.errorMessage {
                let error = RedisServerError(message: message, command: "HELLO", address: address)
                switch error.kind {
                case .wrongPassword:
                    throw authenticationError(reply)!
                case .authenticationRequired where configuration.password == nil:
                    throw authenticationError(reply)!
                default:
                    // NOPROTO, unknown command (Redis < 6), NOPERM on HELLO, and NOAUTH for a HELLO that carried
                    // our credentials (Valkey answers a renamed-away HELLO so before it says "unknown command"):
                    // fall back to AUTH and RESP2.
                    break
                }
            } else {
                protocolVersion = 3
                helloAuthenticated = true
                for (key, value) in reply.pairs ?? [] {
                    switch key.string {
                    case "version": hello.version = value.string ?? ""
                    case "role": hello.role = value.string
                    case "mode": hello.mode = value.string
                    default: break
                    }
                }
            }
        }
        if !helloAuthenticated {
            if let password = configuration.password {
                var arguments: [RESPArgument] = []
                if let username = configuration.username { arguments.append(.string(username)) }
                arguments.append(.string(password.value))
                let reply = try await run(RESPCommand("AUTH", arguments: arguments))
                if let error = authenticationError(reply) { throw error }
            }
            if let name = configuration.clientName {
                _ = try await run(RESPCommand("CLIENT", "SETNAME", .string(name)))  // best effort: ACLs may forbid it
            }
        }
        if configuration.database != 0 {
            let reply = try await run(RESPCommand("SELECT", .integer(Int64(configuration.database))))
            if let message = reply.errorMessage {
                if message.hasPrefix("NOAUTH") { throw .authenticationRequired(address) }
                throw .server(RedisServerError(message: message, command: "SELECT", address: address))
            }
        }
        return (protocolVersion, hello)
    }

    // MARK: - Sending

    public func send<Response>(_ command: RedisCommand<Response>, timeout: Duration? = nil) async throws -> Response {
        let replies = try await Self.submit(
            channel: channel, closeReason: closeReason, address: address, commands: [command.command], name: command.name,
            timeout: timeout ?? configuration.commandTimeout, subscriptionAcks: false)
        return try command.decodeReply(replies[0], address: address)
    }

    public func pipeline(_ commands: [RESPCommand], timeout: Duration? = nil) async throws -> [RESPToken] {
        guard !commands.isEmpty else { return [] }
        return try await Self.submit(
            channel: channel, closeReason: closeReason, address: address, commands: commands, name: "pipeline of \(commands.count) commands",
            timeout: timeout ?? configuration.commandTimeout, subscriptionAcks: false)
    }

    /// Sends `MULTI`, the commands and `EXEC` in one flush.
    ///
    /// - Returns: the replies of the queued commands, or `nil` when a key watched with ``watch(_:)`` changed
    ///   and the server discarded the transaction.
    /// - Throws: ``RedisError/server(_:)`` with `EXECABORT` when a command was refused while queueing.
    public func transaction(_ commands: [RESPCommand], timeout: Duration? = nil) async throws -> [RESPToken]? {
        let replies = try await Self.submit(
            channel: channel, closeReason: closeReason, address: address, commands: [RESPCommand("MULTI")] + commands + [RESPCommand("EXEC")],
            name: "MULTI/EXEC", timeout: timeout ?? configuration.commandTimeout, subscriptionAcks: false)
        let exec = replies[replies.count - 1]
        if let message = exec.errorMessage {
            throw RedisError.server(RedisServerError(message: message, command: "EXEC", address: address))
        }
        if exec.isNull { return nil }
        guard let results = exec.array else {
            throw RedisError.unexpectedReply(command: "EXEC", address, reply: String(exec.description.prefix(200)))
        }
        return results
    }

    /// Sends `SUBSCRIBE`/`PSUBSCRIBE`-family commands and waits for one confirmation per name.
    ///
    /// - Throws: ``RedisError/server(_:)`` when the server refuses it (`NOPERM`: the ACL user may not use one
    ///   of the channels or patterns).
    public func sendSubscription(_ command: RESPCommand, names: Int) async throws {
        let replies = try await Self.submit(
            channel: channel, closeReason: closeReason, address: address, commands: [command], name: command.name,
            timeout: configuration.commandTimeout, subscriptionAcks: true, replyCount: names)
        if let message = replies.lazy.compactMap(\.errorMessage).first {
            throw RedisError.server(RedisServerError(message: message, command: command.name, address: address))
        }
    }

    /// Encodes, writes and waits, with a timeout and task cancellation that fail only this request.
    private static func submit(
        channel: any Channel, closeReason: RedisCloseReason, address: RedisAddress, commands: [RESPCommand], name: String, timeout: Duration,
        subscriptionAcks: Bool, replyCount: Int? = nil
    ) async throws(RedisError) -> [RESPToken] {
        guard !Task.isCancelled else { throw .cancelled(command: name) }
        var bytes = channel.allocator.buffer(capacity: commands.reduce(0) { $0 + $1.estimatedSize })
        for command in commands { command.encode(into: &bytes) }
        let promise = channel.eventLoop.makePromise(of: [RESPToken].self)
        let request = RedisRequest(
            bytes: bytes, replyCount: replyCount ?? commands.count, expectsSubscriptionAcks: subscriptionAcks,
            promise: promise)
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(RedisError.commandTimeout(command: name, address, timeout: timeout))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                // On a channel already closed, the write fails without reaching our handler: fail the request
                // with the reason the connection closed, instead of waiting for its timeout.
                let written = channel.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenFailure { _ in promise.fail(closeReason.error(for: address)) }
                channel.writeAndFlush(request, promise: written)
                return try await promise.futureResult.get()
            } onCancel: {
                promise.fail(RedisError.cancelled(command: name))  // a later reply is dropped by the handler
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw .connectionClosed(address, reason: "\(error)")
        }
    }

    // MARK: - Lifecycle

    /// Runs `validator` (if any) on this new connection; closes it when the check fails.
    func validated(by validator: RedisClient.ConnectionValidator?) async throws -> RedisConnection {
        guard let validator else { return self }
        do {
            try await validator(self)
            return self
        } catch {
            await close()
            throw error
        }
    }

    /// True while the socket is open.
    public var isActive: Bool { channel.isActive }

    /// Waits until the connection closes, for whatever reason.
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }

    /// Closes the connection; pending commands fail with ``RedisError/connectionClosed(_:reason:)``.
    public func close() async {
        try? await channel.close()
    }
}

/// What `HELLO` told us about the server.
struct ServerHello {
    var version = ""
    var role: String?
    var mode: String?
}
