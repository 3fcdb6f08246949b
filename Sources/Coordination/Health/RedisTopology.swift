public import RedisClient

/// The data nodes to check: the master and its replicas, as Sentinel lists them (healthy ones), or as the
/// master's `ROLE` lists them without Sentinel.
public struct RedisTopology: Sendable, Hashable {
    public var master: RedisAddress
    public var replicas: [RedisAddress]

    /// Discovers the topology through `target`.
    public static func discover(_ target: RedisTarget) async throws -> RedisTopology {
        let connection = try await target.client.connection()
        let master = connection.address
        if let sentinel = target.sentinel {
            let replicas = try await sentinel.discovery.replicas().map(\.address)
            return RedisTopology(master: master, replicas: replicas)
        }
        guard case .master(_, let replicas) = try await connection.send(RedisCommands.role()) else {
            return RedisTopology(master: master, replicas: [])
        }
        return RedisTopology(master: master, replicas: replicas.map(\.address))
    }

    /// Master first, then the replicas, with their roles.
    public var nodes: [(address: RedisAddress, role: String)] {
        [(master, "master")] + replicas.map { ($0, "replica") }
    }
}
