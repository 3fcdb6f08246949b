/// Announced address → reachable address (`redis.addressMap`), for NAT, port forwarding and test proxies.
///
/// Sentinels and masters announce the addresses they see themselves at; behind NAT (or a Kubernetes
/// port-forward) those are not the ones a client can reach. Every address learned from a sentinel (master,
/// replicas, other sentinels, `+switch-master`) goes through ``translate(_:)``.
public struct RedisAddressMap: Sendable, Hashable {
    /// The translations.
    public var entries: [RedisAddress: RedisAddress]

    /// Creates a map.
    public init(_ entries: [RedisAddress: RedisAddress] = [:]) {
        self.entries = entries
    }

    /// Parses `{"announced:port": "reachable:port"}`.
    ///
    /// - Throws: ``RedisAddressError`` naming the entry that is not `host:port`.
    public init(parsing text: [String: String]) throws(RedisAddressError) {
        var entries: [RedisAddress: RedisAddress] = [:]
        for (announced, reachable) in text {
            entries[try RedisAddress(parsing: announced)] = try RedisAddress(parsing: reachable)
        }
        self.entries = entries
    }

    /// The reachable address for `address` (itself when it has no entry).
    public func translate(_ address: RedisAddress) -> RedisAddress {
        entries[address] ?? address
    }
}
