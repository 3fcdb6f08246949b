import RedisClient
import TraefikConfig

/// Leader election, fenced publishing, verification and notification health.
///
/// Talks to Redis only through `RedisClient` and to configuration only through `TraefikConfig`.
public enum Coordination {
    /// Prefix of the coordinator's own keys (lease, term, manifest). It must not start with the root key:
    /// Traefik scans `<rootKey>*` without a trailing slash (ARCHITECTURE.md, invariant 8).
    /// The default, `coordinator:<rootKey>:`, keeps coordinators of different root keys apart.
    public static func defaultStatePrefix(rootKey: String) -> String { "coordinator:\(rootKey):" }
}
