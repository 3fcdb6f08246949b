public import Logging
public import NIOCore
public import NIOPosix
import RESP

/// Finds the master through Sentinel, following the official Sentinel-clients specification.
///
/// - Sentinels are asked in order; one that answers moves to the front, one whose answer fails the `ROLE`
///   check moves to the back (a sentinel paused across a failover keeps reporting the old master).
/// - `SENTINEL get-master-addr-by-name` gives the master; ``verifyMaster(_:)`` checks it with `ROLE` (or the
///   `role` field of `HELLO` where `ROLE` is not permitted) before a connection is used.
/// - `SENTINEL sentinels` adds sentinels to the list (in memory); `SENTINEL replicas` lists the replicas,
///   without those flagged `s_down`, `o_down` or `disconnected`.
/// - Every address learned goes through the ``RedisAddressMap``.
///
/// No answer is cached: each ``masterAddress()`` asks a sentinel (over a kept-open connection to the sentinel
/// in front).
public actor SentinelDiscovery {
    /// The settings in use.
    public nonisolated let configuration: SentinelConfiguration
    /// Master changes (verified with `ROLE`), replica set changes, new sentinels.
    public nonisolated let events: AsyncStream<SentinelEvent>

    private let eventSink: AsyncStream<SentinelEvent>.Continuation
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private var list: SentinelList
    /// An open connection to the sentinel asked last.
    private var cached: RedisConnection?
    /// Which sentinel reported each master address, to demote it when the address fails the ROLE check.
    private var reportedBy: [RedisAddress: RedisAddress] = [:]
    private var replicasSeen: [SentinelReplica]?
    private var subscriptionCursor = 0
    private var warnedUnverifiable = false

    /// The last master verified with `ROLE`.
    public private(set) var verifiedMaster: RedisAddress?

    /// Creates the discovery; nothing is contacted until asked.
    public init(
        configuration: SentinelConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "traefik-coordinator.sentinel")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.list = SentinelList(configuration.sentinels)
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(100))
    }

    /// The sentinels, in the order they will be asked.
    public var sentinels: [RedisAddress] { list.addresses }

    // MARK: - Questions

    /// Asks the sentinels, in order, for the master's address (not yet verified: see ``verifyMaster(_:)``).
    ///
    /// - Throws: ``RedisError/sentinel(_:)`` with ``SentinelError/noSentinelReachable(masterName:failures:)``
    ///   (transient) or ``SentinelError/unknownMasterName(masterName:sentinels:)`` (configuration).
    public func masterAddress() async throws(RedisError) -> RedisAddress {
        let name = configuration.masterName
        let map = configuration.addressMap
        let (address, sentinel) = try await ask { connection -> RedisAddress? in
            let reply = try await connection.send(.raw(RESPCommand("SENTINEL", "get-master-addr-by-name", .string(name))))
            if reply.isNull { return nil }
            guard let parts = reply.array, parts.count == 2, let host = parts[0].string,
                let port = parts[1].string.flatMap({ Int($0) })
            else {
                throw RedisError.sentinel(
                    .invalidReply(connection.address, command: "SENTINEL get-master-addr-by-name", reply: String(reply.description.prefix(200))))
            }
            return map.translate(RedisAddress(host: host, port: port))
        }
        reportedBy[address] = sentinel
        return address
    }

    /// The replicas the sentinels consider usable (not `s_down`, `o_down` or `disconnected`), sorted by
    /// address. A change from the last call is also sent to ``events``.
    public func replicas() async throws(RedisError) -> [SentinelReplica] {
        let name = configuration.masterName
        let map = configuration.addressMap
        let (all, _) = try await ask { connection -> [SentinelReplica]? in
            let reply = try await connection.send(.raw(RESPCommand("SENTINEL", "replicas", .string(name))))
            if let message = reply.errorMessage {
                if message.contains("No such master") { return nil }
                throw RedisError.server(RedisServerError(message: message, command: "SENTINEL replicas", address: connection.address))
            }
            guard let items = reply.array else {
                throw RedisError.sentinel(.invalidReply(connection.address, command: "SENTINEL replicas", reply: String(reply.description.prefix(200))))
            }
            return items.compactMap { SentinelReplica($0, addressMap: map) }
        }
        let healthy = all.filter(\.isHealthy).sorted { $0.address.description < $1.address.description }
        if healthy != replicasSeen {
            if replicasSeen != nil { eventSink.yield(.replicasChanged(healthy)) }
            replicasSeen = healthy
        }
        return healthy
    }

    /// Adds the sentinels that `SENTINEL sentinels` lists to the ones asked (in memory only).
    ///
    /// - Returns: true when new sentinels were learned.
    @discardableResult
    public func refreshSentinels() async throws(RedisError) -> Bool {
        let name = configuration.masterName
        let map = configuration.addressMap
        let (found, _) = try await ask { connection -> [RedisAddress]? in
            let reply = try await connection.send(.raw(RESPCommand("SENTINEL", "sentinels", .string(name))))
            if reply.errorMessage != nil { return nil }
            return (reply.array ?? []).compactMap { SentinelReplica($0, addressMap: map)?.address }
        }
        guard list.merge(found) else { return false }
        logger.info("learned new sentinels", metadata: ["sentinels": "\(list.addresses.map(\.description))"])
        eventSink.yield(.sentinelsChanged(list.addresses))
        return true
    }

    /// The sentinel for the `+switch-master` subscription: each call moves one further along the list, so a
    /// dead sentinel is skipped on the subscriber's next attempt.
    public func nextSentinelForSubscription() throws(RedisError) -> RedisAddress {
        let addresses = list.addresses
        guard !addresses.isEmpty else {
            throw .sentinel(.noSentinelReachable(masterName: configuration.masterName, failures: ["no sentinel is configured"]))
        }
        defer { subscriptionCursor += 1 }
        return addresses[subscriptionCursor % addresses.count]
    }

    // MARK: - Verification

    /// Checks that `connection` goes to a master: `ROLE`, or the `role` field of `HELLO` when `ROLE` is not
    /// permitted. A replica (a stale answer) demotes the sentinel that reported it and throws a transient
    /// ``SentinelError/notMaster(_:role:reportedBy:)``, so the caller asks again after a short pause.
    public func verifyMaster(_ connection: RedisConnection) async throws(RedisError) {
        let address = connection.address
        var role: String
        do {
            role = try await connection.send(RedisCommands.role()).name
        } catch let error as RedisError
            where error.serverError?.kind == .noPermission || error.serverError?.kind == .unknownCommand
        {
            role = connection.helloRole ?? "unknown"
            if role == "slave" { role = "replica" }
        } catch let error as RedisError {
            throw error
        } catch {
            throw .unexpectedReply(command: "ROLE", address, reply: "\(error)")
        }
        if role == "unknown" {
            if !warnedUnverifiable {
                warnedUnverifiable = true
                logger.warning(
                    "cannot verify the master's role: ROLE is not permitted and the server did not speak RESP3; trusting the sentinels",
                    metadata: ["redis.address": "\(address)"])
            }
        } else if role != "master" {
            let reporter = reportedBy[address]
            if let reporter {
                list.demote(reporter)
                if cached?.address == reporter { await dropCachedConnection() }
            }
            logger.warning(
                "a sentinel reported a master that is not one; asking again",
                metadata: ["redis.address": "\(address)", "redis.role": "\(role)", "sentinel": "\(reporter.map(\.description) ?? "?")"])
            try? await Task.sleep(for: configuration.roleRetryDelay)
            throw .sentinel(.notMaster(address, role: role, reportedBy: reporter))
        }
        if address != verifiedMaster {
            let old = verifiedMaster
            verifiedMaster = address
            logger.notice(
                "master verified", metadata: ["redis.master": "\(address)", "redis.previous": "\(old.map(\.description) ?? "none")"])
            eventSink.yield(.masterChanged(old: old, new: address))
        }
    }

    /// Closes the connection to the sentinel and ends ``events``.
    public func close() async {
        await dropCachedConnection()
        eventSink.finish()
    }

    // MARK: - Asking

    /// Runs `question` on the sentinels in order until one answers (a non-`nil` result); that one moves to the
    /// front. `nil` means "I do not know this master".
    private func ask<Answer: Sendable>(
        _ question: @Sendable (RedisConnection) async throws -> Answer?
    ) async throws(RedisError) -> (Answer, RedisAddress) {
        var failures: [String] = []
        var unknownAt: [RedisAddress] = []
        var rejections: [(RedisAddress, String)] = []
        for sentinel in list.addresses {
            do {
                let connection = try await connection(to: sentinel)
                if let answer = try await question(connection) {
                    list.promote(sentinel)
                    return (answer, sentinel)
                }
                unknownAt.append(sentinel)
            } catch {
                await dropCachedConnection()
                let redisError = error as? RedisError
                switch redisError {
                case .authenticationFailed(_, _, let message)?:
                    rejections.append((sentinel, "authentication failed (\(message))"))
                case .authenticationRequired?:
                    rejections.append((sentinel, "it requires a password"))
                case .tls(_, let tlsError)? where !tlsError.isTransient:
                    rejections.append((sentinel, "TLS: \(tlsError)"))
                case .sentinel(let sentinelError)? where !sentinelError.isTransient:
                    throw .sentinel(sentinelError)
                default:
                    break
                }
                failures.append("\(sentinel): \(redisError?.description ?? "\(error)")")
            }
        }
        if !unknownAt.isEmpty {
            throw .sentinel(.unknownMasterName(masterName: configuration.masterName, sentinels: unknownAt))
        }
        if let (sentinel, reason) = rejections.first, rejections.count == failures.count {
            throw .sentinel(.sentinelRejectedUs(sentinel, reason: reason))
        }
        throw .sentinel(.noSentinelReachable(masterName: configuration.masterName, failures: failures))
    }

    private func connection(to sentinel: RedisAddress) async throws -> RedisConnection {
        if let cached, cached.address == sentinel, cached.isActive { return cached }
        await dropCachedConnection()
        let connection = try await RedisConnection.connect(
            to: sentinel, configuration: configuration.connection, eventLoopGroup: eventLoopGroup, logger: logger)
        cached = connection
        return connection
    }

    private func dropCachedConnection() async {
        let connection = cached
        cached = nil
        await connection?.close()
    }
}
