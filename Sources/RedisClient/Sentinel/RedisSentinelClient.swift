public import Logging
public import NIOCore
public import NIOPosix
public import RESP
import Synchronization

/// A client for the master of a Sentinel-managed Redis, that follows failovers.
///
/// - Commands go to the master that ``SentinelDiscovery`` finds and verifies with `ROLE` on every new
///   connection; a stale answer is refused and asked again.
/// - ``run()`` (run it in a task for the client's life) subscribes to `+switch-master` on a sentinel
///   (resubscribing, on another sentinel if need be, after a loss) and also asks again every
///   `refreshInterval`, because events can be lost. When the master moved, the data connection and the
///   subscribers made by ``makeSubscriber()`` reconnect at once, skipping any backoff wait.
/// - `-READONLY` (a master demoted under us) drops the connection and asks the sentinels again
///   (``RedisClient``).
public final class RedisSentinelClient: RedisCommandExecutor {
    /// The discovery (also the source of ``SentinelEvent``s).
    public let discovery: SentinelDiscovery
    /// The reconnecting client for the master.
    public let client: RedisClient
    /// Master, replica and sentinel changes.
    public var events: AsyncStream<SentinelEvent> { discovery.events }
    public var scriptCache: RedisScriptCache { client.scriptCache }

    private let sentinel: SentinelConfiguration
    private let data: RedisConnectionConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let subscribers = Mutex<[RedisSubscriber]>([])
    /// Short waits between attempts: during a failover the next attempt is the one that finds the new master.
    private static let backoff = RedisBackoff(initial: .milliseconds(50), maximum: .seconds(1))

    /// Creates a client; `data` holds the data nodes' credentials and TLS, `sentinel.connection` the
    /// sentinels'.
    public init(
        sentinel: SentinelConfiguration,
        data: RedisConnectionConfiguration = .init(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "traefik-coordinator.redis"),
        reconnectTimeout: Duration = .seconds(10)
    ) {
        let discovery = SentinelDiscovery(configuration: sentinel, eventLoopGroup: eventLoopGroup, logger: logger)
        self.discovery = discovery
        self.sentinel = sentinel
        self.data = data
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.client = RedisClient(
            addressProvider: { try await discovery.masterAddress() },
            validator: { try await discovery.verifyMaster($0) },
            configuration: data, eventLoopGroup: eventLoopGroup, logger: logger, backoff: Self.backoff,
            reconnectTimeout: reconnectTimeout)
    }

    public func send<Response>(_ command: RedisCommand<Response>, timeout: Duration? = nil) async throws -> Response {
        try await client.send(command, timeout: timeout)
    }

    public func pipeline(_ commands: [RESPCommand], timeout: Duration? = nil) async throws -> [RESPToken] {
        try await client.pipeline(commands, timeout: timeout)
    }

    /// A pub/sub connection to the master that moves with it (run its ``RedisSubscriber/run()`` in a task).
    public func makeSubscriber() -> RedisSubscriber {
        let discovery = self.discovery
        let subscriber = RedisSubscriber(
            addressProvider: { try await discovery.masterAddress() },
            validator: { try await discovery.verifyMaster($0) },
            configuration: data, eventLoopGroup: eventLoopGroup, logger: logger, backoff: Self.backoff)
        subscribers.withLock { $0.append(subscriber) }
        return subscriber
    }

    /// Follows the master until the calling task is cancelled: `+switch-master` events and periodic checks.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchSwitchMaster() }
            group.addTask { await self.refreshPeriodically() }
        }
    }

    /// Closes the data connection and the discovery's sentinel connection.
    public func close() async {
        await client.close()
        await discovery.close()
    }

    // MARK: - Following the master

    private func watchSwitchMaster() async {
        let discovery = self.discovery
        let watcher = RedisSubscriber(
            addressProvider: { try await discovery.nextSentinelForSubscription() },
            configuration: sentinel.connection, eventLoopGroup: eventLoopGroup,
            logger: Logger(label: "traefik-coordinator.sentinel.events"), backoff: Self.backoff)
        try? await watcher.subscribe(["+switch-master"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await watcher.run()
                } catch {
                    self.logger.error(
                        "cannot subscribe to +switch-master on the sentinels; relying on periodic checks",
                        metadata: ["error": "\(error)"])
                }
            }
            for await message in watcher.messages {
                // "<master-name> <old-ip> <old-port> <new-ip> <new-port>"
                let parts = message.payload.split(separator: " ")
                guard parts.count == 5, parts[0] == sentinel.masterName, let port = Int(parts[4]) else { continue }
                let announced = RedisAddress(host: String(parts[3]), port: port)
                await masterMayHaveMoved(to: sentinel.addressMap.translate(announced), because: "+switch-master")
            }
            group.cancelAll()
        }
    }

    private func refreshPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: sentinel.refreshInterval)
            if Task.isCancelled { break }
            do {
                let address = try await discovery.masterAddress()
                if let connected = await client.connectedAddress, connected != address {
                    await masterMayHaveMoved(to: address, because: "periodic check")
                }
                try await discovery.refreshSentinels()
                _ = try await discovery.replicas()
            } catch {
                logger.warning("periodic Sentinel check failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Reconnects the data connection and the subscribers unless they are already on `address`. The new
    /// connection is verified with `ROLE`, so a stale report cannot move us to a replica.
    private func masterMayHaveMoved(to address: RedisAddress, because reason: String) async {
        if await client.connectedAddress == address { return }
        logger.info("the master moved; reconnecting", metadata: ["redis.master": "\(address)", "reason": "\(reason)"])
        await client.invalidate()
        await client.retryNow()
        for subscriber in subscribers.withLock({ $0 }) where await subscriber.connectedAddress != address {
            await subscriber.reconnect()
        }
        _ = try? await client.connection()
    }
}
