import RESP

/// What `ROLE` says a server is.
public enum RedisRole: Sendable, Hashable {
    /// A master, with its replication offset and connected replicas.
    case master(replicationOffset: Int64, replicas: [Replica])
    /// A replica of `master`, with its link state (`connected`, `connect`, `sync`, ...).
    case replica(master: RedisAddress, linkState: String, replicationOffset: Int64)
    /// A sentinel, with the master names it monitors.
    case sentinel(masterNames: [String])

    /// A replica as its master lists it.
    public struct Replica: Sendable, Hashable {
        /// Where the replica says it listens.
        public var address: RedisAddress
        /// The replication offset it acknowledged.
        public var replicationOffset: Int64
    }

    /// `master`, `replica` or `sentinel`.
    public var name: String {
        switch self {
        case .master: return "master"
        case .replica: return "replica"
        case .sentinel: return "sentinel"
        }
    }

    /// True for a master.
    public var isMaster: Bool {
        if case .master = self { return true }
        return false
    }

    /// Parses a `ROLE` reply.
    init?(_ token: RESPToken) {
        guard let parts = token.array, let kind = parts.first?.string else { return nil }
        switch kind {
        case "master":
            guard parts.count >= 3, let offset = parts[1].int, let replicas = parts[2].array else { return nil }
            self = .master(
                replicationOffset: offset,
                replicas: replicas.compactMap { replica in
                    guard let fields = replica.array, fields.count >= 3, let host = fields[0].string,
                        let port = fields[1].int, let offset = fields[2].int
                    else { return nil }
                    return Replica(address: RedisAddress(host: host, port: Int(port)), replicationOffset: offset)
                })
        case "slave", "replica":
            guard parts.count >= 5, let host = parts[1].string, let port = parts[2].int, let state = parts[3].string,
                let offset = parts[4].int
            else { return nil }
            self = .replica(master: RedisAddress(host: host, port: Int(port)), linkState: state, replicationOffset: offset)
        case "sentinel":
            self = .sentinel(masterNames: parts.count > 1 ? (parts[1].array ?? []).compactMap(\.string) : [])
        default:
            return nil
        }
    }
}
