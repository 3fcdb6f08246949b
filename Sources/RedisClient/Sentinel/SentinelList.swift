/// The sentinels in the order they are asked: the one that answered last first (the Sentinel-clients
/// specification), one that gave a stale master last, newly discovered ones appended.
struct SentinelList: Sendable, Hashable {
    private(set) var addresses: [RedisAddress]

    init(_ addresses: [RedisAddress]) {
        var seen = Set<RedisAddress>()
        self.addresses = addresses.filter { seen.insert($0).inserted }
    }

    /// Moves `address` to the front.
    mutating func promote(_ address: RedisAddress) {
        guard let index = addresses.firstIndex(of: address), index != 0 else { return }
        addresses.insert(addresses.remove(at: index), at: 0)
    }

    /// Moves `address` to the back.
    mutating func demote(_ address: RedisAddress) {
        guard let index = addresses.firstIndex(of: address), index != addresses.count - 1 else { return }
        addresses.append(addresses.remove(at: index))
    }

    /// Appends the sentinels not known yet; returns true when any was new.
    @discardableResult
    mutating func merge(_ discovered: [RedisAddress]) -> Bool {
        let new = discovered.filter { !addresses.contains($0) }
        addresses += Self(new).addresses
        return !new.isEmpty
    }
}
