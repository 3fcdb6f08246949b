/// The coordinator's own keys, all under a prefix that never starts with the root key (invariant 8).
public struct StateKeys: Sendable, Hashable {
    /// The prefix, e.g. `coordinator:traefik:`.
    public let prefix: String
    /// `<prefix>lease`: the leader's token, with a TTL of the lease duration.
    public var lease: String { prefix + "lease" }
    /// `<prefix>term`: incremented at each acquisition.
    public var term: String { prefix + "term" }
    /// `<prefix>manifest`: a set of the keys under the root key that we wrote (and may delete).
    public var manifest: String { prefix + "manifest" }
    /// `<prefix>published`: the hash of the configuration last published, and who published it when.
    public var published: String { prefix + "published" }
    /// `<prefix>released`: the channel on which a leader announces that it released the lease, so that
    /// followers try at once instead of at their next retry period.
    public var releasedChannel: String { prefix + "released" }
    /// `<prefix>probe:<id>`: keys written to check keyspace notifications.
    public func probe(_ id: String) -> String { prefix + "probe:" + id }

    /// Creates the keys for `prefix`.
    public init(prefix: String) {
        self.prefix = prefix
    }
}
