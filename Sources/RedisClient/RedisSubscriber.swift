public import Logging
public import NIOCore
public import NIOPosix
import RESP

/// A message received on a subscribed channel or pattern.
public struct RedisPubSubMessage: Sendable, Hashable {
    /// The channel it was published on.
    public var channel: String
    /// The pattern that matched, for `PSUBSCRIBE` subscriptions.
    public var pattern: String?
    /// The message payload.
    public var payload: String

    /// Creates a message.
    public init(channel: String, pattern: String?, payload: String) {
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }
}

/// A connection's state changes, for whoever needs to react (re-check after a reconnect, report a refusal).
public enum RedisSubscriberEvent: Sendable, Equatable {
    /// Connected to `address` and (re)subscribed to every channel and pattern.
    case subscribed(RedisAddress)
    /// The connection was lost; a reconnect follows.
    case disconnected(reason: String)
    /// Connecting or subscribing failed: a `NOPERM` reply when the ACL user may not use a channel, a wrong
    /// password, or a transient failure. A retry follows (with ``RedisSubscriber/ConfigurationErrorPolicy/retry``).
    case failed(RedisError)

    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.subscribed(let a), .subscribed(let b)): a == b
        case (.disconnected(let a), .disconnected(let b)): a == b
        case (.failed(let a), .failed(let b)): a.description == b.description
        default: false
        }
    }
}

/// A dedicated pub/sub connection that keeps its subscriptions across reconnects.
///
/// Call ``run()`` in a task for as long as messages are wanted (it returns when that task is cancelled);
/// add subscriptions with ``subscribe(_:)`` and ``psubscribe(_:)`` at any time; read ``messages``. After the
/// connection is lost (server restart, `CLIENT KILL`, failover), it reconnects with backoff and subscribes
/// again to everything.
public actor RedisSubscriber {
    /// Every message, in arrival order. Keeps the newest 10,000 if nobody reads.
    public nonisolated let messages: AsyncStream<RedisPubSubMessage>
    /// Connection state changes. Keeps the newest 100 if nobody reads.
    public nonisolated let events: AsyncStream<RedisSubscriberEvent>

    private let messageSink: AsyncStream<RedisPubSubMessage>.Continuation
    private let eventSink: AsyncStream<RedisSubscriberEvent>.Continuation
    private let addressProvider: RedisClient.AddressProvider
    private let validator: RedisClient.ConnectionValidator?
    private let configuration: RedisConnectionConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let backoff: RedisBackoff

    private var channels: Set<String> = []
    private var patterns: Set<String> = []
    private var connection: RedisConnection?

    /// Creates a subscriber for the server `addressProvider` names (asked before every connect), whose new
    /// connections are checked by `validator` (Sentinel: the server must be the master).
    public init(
        addressProvider: @escaping RedisClient.AddressProvider,
        validator: RedisClient.ConnectionValidator? = nil,
        configuration: RedisConnectionConfiguration = .init(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "traefik-coordinator.redis.pubsub"),
        backoff: RedisBackoff = .init()
    ) {
        (messages, messageSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(100))
        self.addressProvider = addressProvider
        self.validator = validator
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.backoff = backoff
    }

    /// Creates a subscriber for a fixed address.
    public init(
        address: RedisAddress, configuration: RedisConnectionConfiguration = .init(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "traefik-coordinator.redis.pubsub"), backoff: RedisBackoff = .init()
    ) {
        self.init(
            addressProvider: { address }, configuration: configuration, eventLoopGroup: eventLoopGroup,
            logger: logger, backoff: backoff)
    }

    /// Subscribes to channels now (if connected) and after every reconnect.
    public func subscribe(_ names: [String]) async throws {
        try await send("SUBSCRIBE", names.filter { channels.insert($0).inserted })
    }

    /// Subscribes to patterns now (if connected) and after every reconnect.
    public func psubscribe(_ names: [String]) async throws {
        try await send("PSUBSCRIBE", names.filter { patterns.insert($0).inserted })
    }

    /// Removes channel subscriptions.
    public func unsubscribe(_ names: [String]) async throws {
        try await send("UNSUBSCRIBE", names.filter { channels.remove($0) != nil })
    }

    /// Removes pattern subscriptions.
    public func punsubscribe(_ names: [String]) async throws {
        try await send("PUNSUBSCRIBE", names.filter { patterns.remove($0) != nil })
    }

    /// The server of the live connection, if there is one.
    public var connectedAddress: RedisAddress? {
        connection.flatMap { $0.isActive ? $0.address : nil }
    }

    /// Drops the connection; ``run()`` connects again (asking the address provider) and resubscribes. Used when
    /// the master moved.
    public func reconnect() async {
        await connection?.close()
    }

    /// Sends a (un)subscribe command for `names` on the live connection, if any, and waits for one
    /// confirmation per name. Without a connection the sets alone decide what the next connect subscribes.
    private func send(_ verb: String, _ names: [String]) async throws {
        guard let connection, !names.isEmpty else { return }
        try await connection.sendSubscription(RESPCommand(verb, arguments: names.map { .string($0) }), names: names.count)
    }

    /// What ``run(onConfigurationError:)`` does when connecting or subscribing fails in a way a retry cannot
    /// cure by itself (wrong password, `NOPERM` for a channel).
    public enum ConfigurationErrorPolicy: Sendable {
        /// End the loop by throwing the error.
        case stop
        /// Report it as ``RedisSubscriberEvent/failed(_:)`` and try again, backing off up to `maximumDelay`
        /// (a daemon whose password or ACL is fixed while it runs recovers without a restart).
        case retry(maximumDelay: Duration)
    }

    /// Keeps the subscription connection up until the calling task is cancelled; then closes it and
    /// finishes ``messages`` and ``events``. Every failure is also an ``RedisSubscriberEvent/failed(_:)``.
    ///
    /// Configuration errors (wrong password, a refused channel) end the loop by throwing, or are retried
    /// with a growing delay, as `policy` says.
    public func run(onConfigurationError policy: ConfigurationErrorPolicy = .stop) async throws {
        defer {
            messageSink.finish()
            eventSink.finish()
        }
        var attempt = 0
        while !Task.isCancelled {
            do {
                let connection = try await connectAndSubscribe()
                attempt = 0
                await withTaskCancellationHandler {
                    await connection.waitUntilClosed()
                } onCancel: {
                    Task { await connection.close() }
                }
                self.connection = nil
                if Task.isCancelled { break }
                logger.info("pub/sub connection lost; resubscribing", metadata: ["redis.address": "\(connection.address)"])
                eventSink.yield(.disconnected(reason: "connection to \(connection.address) closed"))
            } catch let error as RedisError where error.isTransient {
                self.connection = nil
                eventSink.yield(.disconnected(reason: error.description))
                eventSink.yield(.failed(error))
                logger.debug("pub/sub connection failed; retrying", metadata: ["error": "\(error)"])
            } catch let error as RedisError {
                self.connection = nil
                eventSink.yield(.failed(error))
                guard case .retry(let maximumDelay) = policy else { throw error }
                let delay = RedisBackoff(initial: .seconds(1), maximum: max(maximumDelay, .seconds(1))).delay(attempt: attempt)
                attempt += 1
                try? await Task.sleep(for: delay)
                continue
            }
            let delay = backoff.delay(attempt: attempt)
            attempt += 1
            try? await Task.sleep(for: delay)
        }
    }

    private func connectAndSubscribe() async throws -> RedisConnection {
        let address = try await addressProvider()
        let sink = messageSink
        let connection = try await RedisConnection.connect(
            to: address, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger,
            onPubSubMessage: { token in
                if let message = RedisPubSubMessage(token) { sink.yield(message) }
            }
        ).validated(by: validator)
        // Visible before the first SUBSCRIBE is sent: a `subscribe` that runs while this one awaits (actor
        // reentrancy) then sends on this connection instead of only recording its channel for the next one.
        self.connection = connection
        do {
            try await send("SUBSCRIBE", channels.sorted())
            try await send("PSUBSCRIBE", patterns.sorted())
        } catch {
            self.connection = nil
            await connection.close()
            throw error
        }
        eventSink.yield(.subscribed(address))
        return connection
    }
}

extension RedisPubSubMessage {
    /// Reads a `message`/`pmessage`/`smessage` push (RESP3) or array (RESP2).
    init?(_ token: RESPToken) {
        guard let parts = token.array, let kind = parts.first?.string else { return nil }
        switch kind {
        case "message", "smessage":
            guard parts.count == 3, let channel = parts[1].string, let payload = parts[2].string else { return nil }
            self.init(channel: channel, pattern: nil, payload: payload)
        case "pmessage":
            guard parts.count == 4, let pattern = parts[1].string, let channel = parts[2].string,
                let payload = parts[3].string
            else { return nil }
            self.init(channel: channel, pattern: pattern, payload: payload)
        default:
            return nil
        }
    }
}
