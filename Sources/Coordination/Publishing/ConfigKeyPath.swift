import TraefikConfig

/// A configuration key split into what it configures: `<rootKey>/<section>/<kind>/<name>/…`, e.g. `http`,
/// `routers`, `web` for `traefik/http/routers/web/rule`.
struct ConfigKeyPath {
    /// `http`, `tcp`, `udp` or `tls`.
    let section: Substring
    /// `routers`, `services`, `middlewares`, …
    let kind: Substring
    /// The element's name.
    let name: Substring

    /// `nil` for a key outside `<rootKey>/` or without an element name.
    init?(_ key: String, rootKey: String) {
        guard KVPair.isKey(key, under: rootKey) else { return nil }
        let parts = KVPair.segments(of: key, under: rootKey, maxSplits: 3)
        guard parts.count >= 3 else { return nil }
        (section, kind, name) = (parts[0], parts[1], parts[2])
    }

    /// True for a key of an HTTP, TCP or UDP router.
    var isRouter: Bool { kind == "routers" }
}
