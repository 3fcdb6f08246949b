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

    /// `ConfigKeyPath(key, rootKey: rootKey)?.isRouter ?? false`, without splitting the key into substrings: a
    /// publish of 10,000 routers asks it for 60,000 keys, and splitting them was 8 % of `publish --once`.
    ///
    /// It reads UTF-8 bytes: a `/` byte is always the scalar `/`, and a byte prefix that is a whole string is a
    /// scalar prefix. Like `segments(of:under:)`, empty segments are skipped.
    static func isRouterKey(_ key: String, rootKey: String) -> Bool {
        let bytes = key.utf8
        guard bytes.starts(with: rootKey.utf8) else { return false }
        var index = bytes.index(bytes.startIndex, offsetBy: rootKey.utf8.count)
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "/") else { return false }
        var segment = 0  // the section, then the kind, then the name
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "/") {
                index = bytes.index(after: index)
                continue
            }
            var end = index
            while end < bytes.endIndex, bytes[end] != UInt8(ascii: "/") { end = bytes.index(after: end) }
            switch segment {
            case 1: guard bytes[index..<end].elementsEqual("routers".utf8) else { return false }
            case 2: return true
            default: break
            }
            segment += 1
            index = end
        }
        return false
    }
}
