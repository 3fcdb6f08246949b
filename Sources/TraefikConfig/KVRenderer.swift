/// Renders a configuration to the key/value pairs Traefik's KV provider reads under a root key.
///
/// - Structures and maps become one key segment per field or name: `<root>/http/routers/api/rule`.
/// - Lists become one segment per index. Traefik orders list entries by sorting their keys as strings, so a
///   list of more than 10 entries gets zero-padded indexes (`00` … `11`), which sort in list order; shorter
///   lists use plain indexes (`0` … `9`), as everyone writes them.
/// - An option switched on by presence alone (a router's `tls` with no sub-options) is written `true`.
/// - Empty values are never written (Traefik skips them).
public enum KVRenderer {
    /// The pairs for `configuration` under `rootKey`, sorted by key.
    public static func render(_ configuration: DynamicConfiguration, rootKey: String = TraefikConfig.defaultRootKey) -> [KVPair] {
        var pairs: [KVPair] = []
        pairs.reserveCapacity(configuration.elementCount * 4)
        render(configuration.root, prefix: rootKey, into: &pairs)
        pairs.sort { $0.key < $1.key }
        return pairs
    }

    private static func render(_ node: ConfigNode, prefix: String, into pairs: inout [KVPair]) {
        switch node {
        case .value(let text):
            if !text.isEmpty { pairs.append(KVPair(key: prefix, value: text)) }
        case .enabled:
            pairs.append(KVPair(key: prefix, value: "true"))
        case .list(let items):
            let width = items.count > 10 ? String(items.count - 1).count : 1
            for (index, item) in items.enumerated() {
                render(item, prefix: prefix + "/" + paddedIndex(index, width: width), into: &pairs)
            }
        case .object(let children):
            for (key, child) in children {
                render(child, prefix: prefix + "/" + key, into: &pairs)
            }
        }
    }

    /// `index` in decimal, left-padded with zeros to `width` digits.
    static func paddedIndex(_ index: Int, width: Int) -> String {
        let digits = String(index)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
