/// One node of a checked dynamic configuration, in the canonical form the renderer writes and the KV parser
/// reads back: field names in Traefik's spelling, scalars as Traefik prints them (`true`, `42`, `1m30s`).
public indirect enum ConfigNode: Sendable, Hashable {
    /// A scalar, never empty (empty values are dropped, as Traefik's KV provider skips empty keys).
    case value(String)
    /// A list, in order.
    case list([ConfigNode])
    /// A structure (keys are canonical field names) or a map (keys are the user's names).
    case object([String: ConfigNode])
    /// An option switched on by its presence alone, with no sub-options (`tls: {}`; `tls = true` in KV).
    case enabled

    /// The child at `key` of an object, or `nil`.
    public subscript(key: String) -> ConfigNode? {
        guard case .object(let children) = self else { return nil }
        return children[key]
    }

    /// The scalar text, or `nil` for other kinds.
    public var stringValue: String? {
        if case .value(let text) = self { return text }
        return nil
    }

    /// The items of a list (a scalar counts as a one-item list), or `[]`.
    public var listItems: [ConfigNode] {
        switch self {
        case .list(let items): return items
        case .value: return [self]
        default: return []
        }
    }

    /// The children of an object, or `[:]`.
    public var children: [String: ConfigNode] {
        if case .object(let children) = self { return children }
        return [:]
    }
}
