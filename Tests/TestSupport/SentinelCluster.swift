import Foundation
public import RedisClient

/// A real Sentinel deployment on loopback: 1 master, 2 replicas and 3 sentinels (quorum 2,
/// `down-after-milliseconds` 1000, `failover-timeout` 5000), optionally with passwords and TLS that differ
/// between data nodes and sentinels.
///
/// Every process also listens in plaintext on ``RedisServerProcess/address`` for `redis-cli` assertions;
/// with TLS, replication, sentinel monitoring and everything the sentinels announce use the TLS ports.
public final class SentinelCluster: Sendable {
    /// Passwords and TLS for the data nodes and, separately, the sentinels.
    public struct Options: Sendable {
        public var dataPassword: String?
        public var sentinelPassword: String?
        /// TLS for the data nodes (replication included).
        public var dataTLS: RedisServerProcess.TLSSettings?
        /// TLS for the sentinels' own port; its `clientCA` must also trust the data nodes' CA (the sentinels
        /// verify the data nodes with it).
        public var sentinelTLS: RedisServerProcess.TLSSettings?
        /// More `redis.conf` lines for every data node (ACL users, `rename-command`, notification flags).
        public var dataConfiguration: [String]
        /// More lines for every sentinel's configuration.
        public var sentinelConfiguration: [String]

        public init(
            dataPassword: String? = nil, sentinelPassword: String? = nil,
            dataTLS: RedisServerProcess.TLSSettings? = nil, sentinelTLS: RedisServerProcess.TLSSettings? = nil,
            dataConfiguration: [String] = [], sentinelConfiguration: [String] = []
        ) {
            self.dataPassword = dataPassword
            self.sentinelPassword = sentinelPassword
            self.dataTLS = dataTLS
            self.sentinelTLS = sentinelTLS
            self.dataConfiguration = dataConfiguration
            self.sentinelConfiguration = sentinelConfiguration
        }
    }

    /// The name the sentinels monitor.
    public let masterName = "mymaster"
    /// The data nodes: the first is the initial master.
    public let dataNodes: [RedisServerProcess]
    public let sentinels: [RedisServerProcess]
    public let options: Options

    private init(dataNodes: [RedisServerProcess], sentinels: [RedisServerProcess], options: Options) {
        self.dataNodes = dataNodes
        self.sentinels = sentinels
        self.options = options
    }

    /// Starts the six processes and waits (up to 30 s) until every sentinel sees the master, both replicas
    /// and the two other sentinels, so a failover can be agreed.
    public static func start(_ options: Options = .init()) async throws -> SentinelCluster {
        var started: [RedisServerProcess] = []
        do {
            let dataAuth = (options.dataPassword.map { ["requirepass \($0)", "masterauth \($0)"] } ?? []) + options.dataConfiguration
            let tlsReplication = options.dataTLS == nil ? [] : ["tls-replication yes"]
            let master = try await RedisServerProcess.start(configuration: dataAuth + tlsReplication, tls: options.dataTLS)
            started.append(master)
            let masterPort = (options.dataTLS == nil ? master.address : master.tlsAddress!).port
            var replicas: [RedisServerProcess] = []
            for _ in 0..<2 {
                let replica = try await RedisServerProcess.start(
                    configuration: dataAuth + tlsReplication + ["replicaof 127.0.0.1 \(masterPort)"], tls: options.dataTLS)
                started.append(replica)
                replicas.append(replica)
            }
            var sentinels: [RedisServerProcess] = []
            for _ in 0..<3 {
                var lines = [
                    "sentinel monitor mymaster 127.0.0.1 \(masterPort) 2",
                    "sentinel down-after-milliseconds mymaster 1000",
                    "sentinel failover-timeout mymaster 5000",
                    "sentinel parallel-syncs mymaster 1",
                ]
                if let password = options.dataPassword { lines.append("sentinel auth-pass mymaster \(password)") }
                if let password = options.sentinelPassword {
                    lines += ["requirepass \(password)", "sentinel sentinel-pass \(password)"]
                }
                if options.sentinelTLS != nil || options.dataTLS != nil { lines.append("tls-replication yes") }
                lines += options.sentinelConfiguration
                let sentinel = try await RedisServerProcess.start(
                    configuration: lines, tls: options.sentinelTLS, executable: "redis-sentinel")
                started.append(sentinel)
                sentinels.append(sentinel)
            }
            let cluster = SentinelCluster(dataNodes: [master] + replicas, sentinels: sentinels, options: options)
            try await cluster.waitUntilSettled()
            return cluster
        } catch {
            for process in started { await process.stop() }
            throw error
        }
    }

    /// Stops every process and removes their directories.
    public func stop() async {
        for process in dataNodes + sentinels { await process.stop() }
    }

    /// The sentinels' addresses for clients: their TLS ports when they have TLS.
    public var sentinelAddresses: [RedisAddress] {
        sentinels.map { options.sentinelTLS == nil ? $0.address : $0.tlsAddress! }
    }

    /// The address clients and sentinels use for a data node (its TLS port with TLS).
    public func clientAddress(of node: RedisServerProcess) -> RedisAddress {
        options.dataTLS == nil ? node.address : node.tlsAddress!
    }

    /// The data node at a client address.
    public func node(at address: RedisAddress) -> RedisServerProcess? {
        dataNodes.first { clientAddress(of: $0) == address }
    }

    /// `redis-cli` on a data node (plaintext port, data password).
    @discardableResult
    public func cli(_ node: RedisServerProcess, _ arguments: String...) async throws -> String {
        try await node.cli(arguments: arguments, password: options.dataPassword)
    }

    /// `redis-cli` on a sentinel (plaintext port, sentinel password).
    @discardableResult
    public func sentinelCLI(_ index: Int = 0, _ arguments: String...) async throws -> String {
        try await sentinels[index].cli(arguments: arguments, password: options.sentinelPassword)
    }

    /// The master according to the first live sentinel (sentinels in `ignoring`, such as paused ones, are
    /// not asked).
    public func currentMaster(ignoring: Set<Int> = []) async throws -> RedisServerProcess {
        for index in sentinels.indices where sentinels[index].process.isRunning && !ignoring.contains(index) {
            let reply = try await sentinelCLI(index, "SENTINEL", "get-master-addr-by-name", masterName)
            let lines = reply.split(separator: "\n").map(String.init)
            if lines.count == 2, let port = Int(lines[1]),
                let node = node(at: RedisAddress(host: lines[0], port: port))
            {
                return node
            }
        }
        throw TestSupportError.timedOut("no live sentinel names a known master")
    }

    /// The master every live sentinel names, or nil while they disagree (in the middle of a failover, or when
    /// one of them has not caught up yet).
    public func agreedMaster(ignoring: Set<Int> = []) async throws -> RedisServerProcess? {
        var named: Set<String> = []
        var master: RedisServerProcess?
        for index in sentinels.indices where sentinels[index].process.isRunning && !ignoring.contains(index) {
            let reply = try await sentinelCLI(index, "SENTINEL", "get-master-addr-by-name", masterName)
            let lines = reply.split(separator: "\n").map(String.init)
            guard lines.count == 2, let port = Int(lines[1]), let node = node(at: RedisAddress(host: lines[0], port: port))
            else { return nil }
            named.insert("\(lines[0]):\(port)")
            master = node
        }
        return named.count == 1 ? master : nil
    }

    /// Waits until `condition` holds, checking every 100 ms, failing after `timeout` with `what`.
    public func wait(
        for what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool
    ) async throws {
        try await waitUntil(what, timeout: timeout, condition)
    }

    /// Waits until every live sentinel knows two replicas and two other sentinels, and the replicas are
    /// in sync with the current master.
    public func waitUntilSettled() async throws {
        try await wait(for: "sentinels to see 2 replicas and 2 other sentinels") {
            for index in sentinels.indices where sentinels[index].process.isRunning {
                let master = try await sentinelCLI(index, "SENTINEL", "master", masterName)
                let fields = master.split(separator: "\n").map(String.init)
                func field(_ name: String) -> String? {
                    fields.firstIndex(of: name).flatMap { $0 + 1 < fields.count ? fields[$0 + 1] : nil }
                }
                guard field("num-slaves") == "2", field("num-other-sentinels") == "2", field("flags") == "master" else {
                    return false
                }
            }
            let master = try await currentMaster()
            let replication = try await cli(master, "INFO", "replication")
            return replication.components(separatedBy: "state=online").count - 1 == 2
        }
    }
}
