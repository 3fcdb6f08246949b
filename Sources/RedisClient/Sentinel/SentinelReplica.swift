import RESP

/// A replica as a sentinel lists it (`SENTINEL replicas NAME`).
public struct SentinelReplica: Sendable, Hashable, CustomStringConvertible {
    /// Where it can be reached (after the address map).
    public var address: RedisAddress
    /// The sentinel's flags: `slave`, `s_down`, `o_down`, `disconnected`, ...
    public var flags: Set<String>
    /// `master-link-status`: `ok` or `err`.
    public var masterLinkStatus: String?

    /// Creates a replica entry.
    public init(address: RedisAddress, flags: Set<String>, masterLinkStatus: String? = nil) {
        self.address = address
        self.flags = flags
        self.masterLinkStatus = masterLinkStatus
    }

    /// Usable for reads: not subjectively or objectively down, not disconnected.
    public var isHealthy: Bool {
        flags.isDisjoint(with: ["s_down", "o_down", "disconnected"])
    }

    public var description: String {
        "\(address) [\(flags.sorted().joined(separator: ","))]"
    }

    /// Reads one entry of `SENTINEL replicas` (a map in RESP3, a flat field/value array in RESP2).
    init?(_ token: RESPToken, addressMap: RedisAddressMap) {
        var fields: [String: String] = [:]
        if let pairs = token.pairs {
            for (key, value) in pairs { if let key = key.string { fields[key] = value.string } }
        } else if let items = token.array {
            var iterator = items.makeIterator()
            while let key = iterator.next(), let value = iterator.next() {
                if let key = key.string { fields[key] = value.string }
            }
        }
        guard let ip = fields["ip"], let port = fields["port"].flatMap({ Int($0) }) else { return nil }
        self.address = addressMap.translate(RedisAddress(host: ip, port: port))
        self.flags = Set((fields["flags"] ?? "").split(separator: ",").map(String.init))
        self.masterLinkStatus = fields["master-link-status"]
    }
}
