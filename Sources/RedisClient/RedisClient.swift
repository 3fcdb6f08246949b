public import Logging
public import NIOCore
public import NIOPosix
public import RESP

/// A reconnecting client for one Redis server: commands go over one shared, pipelined connection, which is
/// opened on first use and opened again, with exponential backoff and jitter, after it is lost.
///
/// Transient failures (refused, timed out, closed, `LOADING`) are retried for up to `reconnectTimeout` per
/// call; configuration errors (wrong password, missing password, TLS failures) are thrown at once, never
/// retried in silence. Where the server comes from is up to ``addressProvider``: a fixed address, or (later)
/// Sentinel discovery; it is asked again before every reconnect, so a host name is resolved anew each time.
public actor RedisClient: RedisCommandExecutor {
    /// Supplies the address to connect to; called before every connection attempt.
    public typealias AddressProvider = @Sendable () async throws -> RedisAddress

    private let addressProvider: AddressProvider
    private let configuration: RedisConnectionConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let backoff: RedisBackoff
    private let reconnectTimeout: Duration
    /// Shared by every connection of this client, so scripts survive reconnects when the server kept them.
    public nonisolated let scriptCache = RedisScriptCache()

    private var current: RedisConnection?
    private var connecting: Task<RedisConnection, any Error>?
    private var isClosed = false

    /// Creates a client for a fixed address (a host name is resolved on every connect).
    public init(
        address: RedisAddress,
        configuration: RedisConnectionConfiguration = .init(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "traefik-coordinator.redis"),
        backoff: RedisBackoff = .init(),
        reconnectTimeout: Duration = .seconds(10)
    ) {
        self.init(
            addressProvider: { address }, configuration: configuration, eventLoopGroup: eventLoopGroup,
            logger: logger, backoff: backoff, reconnectTimeout: reconnectTimeout)
    }

    /// Creates a client whose address is decided before each connection attempt.
    public init(
        addressProvider: @escaping AddressProvider,
        configuration: RedisConnectionConfiguration = .init(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "traefik-coordinator.redis"),
        backoff: RedisBackoff = .init(),
        reconnectTimeout: Duration = .seconds(10)
    ) {
        self.addressProvider = addressProvider
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.backoff = backoff
        self.reconnectTimeout = reconnectTimeout
    }

    /// The live connection, opening one (with retries) if there is none.
    public func connection() async throws -> RedisConnection {
        if isClosed { throw RedisError.clientClosed }
        if let current, current.isActive { return current }
        current = nil
        if let connecting { return try await connecting.value }
        let task = Task { try await self.connectWithRetries() }
        connecting = task
        defer { connecting = nil }
        let connection = try await task.value
        current = connection
        return connection
    }

    private func connectWithRetries() async throws -> RedisConnection {
        let clock = ContinuousClock()
        let deadline = clock.now + reconnectTimeout
        var attempt = 0
        while true {
            do {
                let address = try await addressProvider()
                return try await RedisConnection.connect(
                    to: address, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger,
                    scriptCache: scriptCache)
            } catch let error as RedisError where error.isTransient {
                let delay = backoff.delay(attempt: attempt)
                guard clock.now + delay < deadline else { throw error }
                logger.warning(
                    "Redis connection attempt failed; retrying",
                    metadata: ["error": "\(error)", "retry.in": "\(delay)", "attempt": "\(attempt + 1)"])
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }

    public nonisolated func send<Response>(_ command: RedisCommand<Response>, timeout: Duration? = nil) async throws -> Response {
        try await connection().send(command, timeout: timeout)
    }

    public nonisolated func pipeline(_ commands: [RESPCommand], timeout: Duration? = nil) async throws -> [RESPToken] {
        try await connection().pipeline(commands, timeout: timeout)
    }

    /// Closes the connection; later calls fail.
    public func close() async {
        isClosed = true
        connecting?.cancel()
        await current?.close()
        current = nil
    }
}
