/// Why Sentinel discovery failed, naming the master and the sentinels asked.
public enum SentinelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No sentinel could be asked: each failure is listed (`address: reason`).
    case noSentinelReachable(masterName: String, failures: [String])
    /// Every sentinel that answered said it does not monitor `masterName`: a configuration error.
    case unknownMasterName(masterName: String, sentinels: [RedisAddress])
    /// A sentinel refused our credentials or TLS: a configuration error of `redis.sentinel.*`.
    case sentinelRejectedUs(RedisAddress, reason: String)
    /// The address a sentinel gave is not a master (a stale answer during a failover).
    case notMaster(RedisAddress, role: String, reportedBy: RedisAddress?)
    /// A sentinel answered something that is not a `host port` pair.
    case invalidReply(RedisAddress, command: String, reply: String)

    /// True when asking again later may succeed (sentinels restarting, failover in progress).
    public var isTransient: Bool {
        switch self {
        case .noSentinelReachable, .notMaster: return true
        case .unknownMasterName, .sentinelRejectedUs, .invalidReply: return false
        }
    }

    public var description: String {
        switch self {
        case .noSentinelReachable(let name, let failures):
            return "no sentinel could be asked for master '\(name)': " + failures.joined(separator: "; ")
                + ". Check redis.endpoints (the sentinels' addresses) and that they are up"
        case .unknownMasterName(let name, let sentinels):
            let list = sentinels.map(\.description).joined(separator: ", ")
            return "no sentinel monitors a master named '\(name)' (asked \(list)): check redis.sentinel.masterName against `sentinel monitor` in the sentinels' configuration"
        case .sentinelRejectedUs(let address, let reason):
            return "sentinel \(address) refused the connection: \(reason). Check redis.sentinel.username, redis.sentinel.password / passwordFile and redis.sentinel.tls"
        case .notMaster(let address, let role, let reportedBy):
            return "\(address) is a \(role), not a master" + (reportedBy.map { " (sentinel \($0) gave a stale answer)" } ?? "")
        case .invalidReply(let address, let command, let reply):
            return "sentinel \(address) answered \(command) with \(reply)"
        }
    }
}
