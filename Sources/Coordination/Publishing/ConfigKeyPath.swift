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
        // Unicode scalars, as Traefik splits bytes: a `/` followed by a combining mark is one Character.
        let scalars = key.unicodeScalars
        let root = rootKey.unicodeScalars
        guard scalars.starts(with: root), scalars.dropFirst(root.count).first == "/" else { return nil }
        let parts = scalars.dropFirst(root.count + 1).split(separator: "/", maxSplits: 3)
        guard parts.count >= 3 else { return nil }
        (section, kind, name) = (Substring(parts[0]), Substring(parts[1]), Substring(parts[2]))
    }

    /// True for a key of an HTTP, TCP or UDP router.
    var isRouter: Bool { kind == "routers" }
}
