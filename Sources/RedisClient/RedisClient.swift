public import Logging
public import NIOCore
public import NIOPosix
public import RESP

/// A reconnecting client for one Redis server: commands go over one shared, pipelined connection, which is
/// opened on first use and opened again, with exponential backoff and jitter, after it is lost.
///
/// Transient failures (refused, timed out, closed, `LOADING`) are retried for up to `reconnectTimeout` per
/// call; configuration errors (wrong password, missing password, TLS failures) are thrown at once, never
/// retried in silence. Where the server comes from is up to ``addressProvider``: a fixed address (a host name
/// is then resolved anew on every connect, as managed endpoints such as ElastiCache's need), or Sentinel
/// discovery. A new connection can be checked by a `validator` (Sentinel: `ROLE` must say master) before use.
///
/// A `-READONLY` reply means the server was demoted to a replica: the connection is dropped, so the next one
/// asks the address provider again, and a single command (``send(_:timeout:)``) is sent once more there.
public actor RedisClient: RedisCommandExecutor {
    /// Supplies the address to connect to; called before every connection attempt.
    public typealias AddressProvider = @Sendable () async throws -> RedisAddress
    /// Checks a new connection before it is used; a thrown transient ``RedisError`` makes the client retry.
    public typealias ConnectionValidator = @Sendable (RedisConnection) async throws -> Void

    private let addressProvider: AddressProvider
    private let validator: ConnectionValidator?
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
    /// Bumped by ``retryNow()``: a retry loop sleeping through its backoff wakes up and tries at once.
    private var wakeGeneration = 0

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

    /// Creates a client whose address is decided before each connection attempt, and whose new connections
    /// are checked by `validator` before use.
    public init(
        addressProvider: @escaping AddressProvider,
        validator: ConnectionValidator? = nil,
        configuration: RedisConnectionConfiguration = .init(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "traefik-coordinator.redis"),
        backoff: RedisBackoff = .init(),
        reconnectTimeout: Duration = .seconds(10)
    ) {
        self.addressProvider = addressProvider
        self.validator = validator
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

    /// The address of the live connection, if there is one.
    public var connectedAddress: RedisAddress? {
        current.flatMap { $0.isActive ? $0.address : nil }
    }

    /// Drops the live connection (when it is `connection`, or any when `nil`), so the next command connects
    /// again through the address provider. Commands in flight on it fail with `connectionClosed`.
    public func invalidate(_ connection: RedisConnection? = nil) async {
        guard let current, connection == nil || current === connection else { return }
        self.current = nil
        await current.close()
    }

    /// Ends the backoff wait of a reconnect in progress (the master changed: there is somewhere new to try).
    public func retryNow() {
        wakeGeneration &+= 1
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
                    scriptCache: scriptCache
                ).validated(by: validator)
            } catch let error as RedisError where error.isTransient {
                let delay = backoff.delay(attempt: attempt)
                guard clock.now + delay < deadline else { throw error }
                // Debug only: the caller reports the failure if the retries run out (the daemon once, then at
                // most once a minute), so a Redis restart does not fill the log.
                logger.debug(
                    "Redis connection attempt failed; retrying",
                    metadata: ["error": "\(error)", "retry.in": "\(delay)", "attempt": "\(attempt + 1)"])
                try await sleep(for: delay)
                attempt += 1
            }
        }
    }

    /// Sleeps for `delay`, or less when ``retryNow()`` is called meanwhile.
    private func sleep(for delay: Duration) async throws {
        let generation = wakeGeneration
        let deadline = ContinuousClock.now + delay
        while wakeGeneration == generation {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return }
            try await Task.sleep(for: min(remaining, .milliseconds(20)))
        }
    }

    public nonisolated func send<Response>(_ command: RedisCommand<Response>, timeout: Duration? = nil) async throws -> Response {
        let connection = try await connection()
        do {
            return try await connection.send(command, timeout: timeout)
        } catch let error as RedisError where error.serverError?.kind == .readOnly {
            // A demoted master refuses writes without applying them: sending again elsewhere loses nothing.
            logger.warning(
                "the server answered READONLY: it is a replica now; reconnecting to the master",
                metadata: ["redis.address": "\(connection.address)", "redis.command": "\(command.name)"])
            await invalidate(connection)
            return try await self.connection().send(command, timeout: timeout)
        }
    }

    /// Sends the commands in one flush. When a reply is `-READONLY`, the connection is dropped (the next call
    /// reconnects through the address provider) and the replies are returned as they are: commands of a
    /// pipeline may have been applied before the demotion, so only the caller can tell whether to resend.
    public nonisolated func pipeline(_ commands: [RESPCommand], timeout: Duration? = nil) async throws -> [RESPToken] {
        let connection = try await connection()
        let replies = try await connection.pipeline(commands, timeout: timeout)
        if replies.contains(where: { $0.errorMessage?.hasPrefix("READONLY") == true }) {
            logger.warning(
                "the server answered READONLY: it is a replica now; reconnecting to the master",
                metadata: ["redis.address": "\(connection.address)"])
            await invalidate(connection)
        }
        return replies
    }

    /// Closes the connection; later calls fail.
    public func close() async {
        isClosed = true
        connecting?.cancel()
        await current?.close()
        current = nil
    }
}
