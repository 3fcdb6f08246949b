/// Where the sentinels are and how to talk to them.
///
/// | Key | Default | Meaning |
/// |---|---|---|
/// | `masterName` | — | the name in the sentinels' `sentinel monitor NAME ...` |
/// | `sentinels` | — | the sentinels to ask, in order (more are learned from `SENTINEL sentinels`) |
/// | `connection` | 500 ms connect, 1 s commands, no credentials, plain TCP | credentials and TLS for sentinels (`redis.sentinel.*`), separate from the data nodes' |
/// | `addressMap` | empty | announced → reachable addresses, applied to everything a sentinel reports |
/// | `refreshInterval` | 5 s | how often the master is asked again even without a `+switch-master` event (events can be lost) |
/// | `roleRetryDelay` | 100 ms | pause before asking again after the ROLE check refused an answer |
public struct SentinelConfiguration: Sendable {
    /// The monitored master's name.
    public var masterName: String
    /// The sentinels, in the order to ask them.
    public var sentinels: [RedisAddress]
    /// Connection settings for sentinels (their own credentials and TLS). Keep the connect timeout short: a
    /// dead sentinel costs at most one of it.
    public var connection: RedisConnectionConfiguration
    /// Announced → reachable addresses.
    public var addressMap: RedisAddressMap
    /// Period of re-resolution without events.
    public var refreshInterval: Duration
    /// Pause after a stale answer before asking again.
    public var roleRetryDelay: Duration

    /// Creates a configuration.
    public init(
        masterName: String,
        sentinels: [RedisAddress],
        connection: RedisConnectionConfiguration = SentinelConfiguration.defaultConnection,
        addressMap: RedisAddressMap = .init(),
        refreshInterval: Duration = .seconds(5),
        roleRetryDelay: Duration = .milliseconds(100)
    ) {
        self.masterName = masterName
        self.sentinels = sentinels
        self.connection = connection
        self.addressMap = addressMap
        self.refreshInterval = refreshInterval
        self.roleRetryDelay = roleRetryDelay
    }

    /// 500 ms connect timeout, 1 s command timeout (a hung sentinel costs at most both), RESP3 preferred,
    /// plain TCP, no credentials.
    public static var defaultConnection: RedisConnectionConfiguration {
        RedisConnectionConfiguration(connectTimeout: .milliseconds(500), commandTimeout: .seconds(1))
    }
}

/// What changed, for the rest of the program (the leader re-checks notifications after a master change).
public enum SentinelEvent: Sendable, Hashable {
    /// A new master was verified with `ROLE` (`old` is `nil` for the first one).
    case masterChanged(old: RedisAddress?, new: RedisAddress)
    /// The healthy replicas differ from the last list.
    case replicasChanged([SentinelReplica])
    /// New sentinels were learned from `SENTINEL sentinels`.
    case sentinelsChanged([RedisAddress])
}
