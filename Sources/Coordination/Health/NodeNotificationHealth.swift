/// Whether one data node delivers the keyspace notifications Traefik needs, how we know, and what to do.
public struct NodeNotificationHealth: Sendable, Hashable, Codable {
    /// How the state was determined.
    public enum Method: String, Sendable, Hashable, Codable {
        /// `CONFIG GET notify-keyspace-events`.
        case config
        /// CONFIG is refused (renamed away, or `NOPERM`): a probe key was written and its events awaited.
        case probe
    }

    /// The verdict.
    public enum State: String, Sendable, Hashable, Codable {
        case healthy
        /// Some required classes are off: Traefik misses changes (or all of them).
        case missingClasses
        /// The probe's control message arrived but no keyspace event did.
        case notificationsOff
        /// Not even the probe's control message arrived: pub/sub does not work here, nothing can be concluded.
        case inconclusive
        /// The node could not be reached or refused us.
        case unreachable
    }

    /// `host:port`.
    public var node: String
    /// `master` or `replica`.
    public var role: String
    public var state: State
    public var method: Method?
    /// The configured value (with `config`), e.g. `KEA` or empty.
    public var configured: String?
    /// Required classes that are missing, e.g. `K$g`.
    public var missing: String
    /// What was seen, in words.
    public var detail: String
    /// What to do about it (nil when healthy).
    public var remedy: String?
    /// `notifications.autoFix` repaired it with `CONFIG SET` during this check.
    public var autoFixed: Bool

    /// True when Traefik would see every change through this node.
    public var isHealthy: Bool { state == .healthy }

    /// The remedy for a node missing classes.
    static func remedy(node: String, required: String) -> String {
        "run `CONFIG SET notify-keyspace-events KEA` on \(node) and put `notify-keyspace-events KEA` in its redis.conf "
            + "(CONFIG SET is neither persisted nor replicated; every replica needs it, since any can be promoted). "
            + "Managed Redis: set the parameter notify-keyspace-events to KEA (at least \(required)) in the ElastiCache "
            + "parameter group, the Memorystore Redis configuration, or Azure Cache's advanced settings. "
            + "Or set notifications.autoFix: true where CONFIG is allowed"
    }
}
