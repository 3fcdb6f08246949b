/// The type of one field of Traefik's dynamic configuration, as Traefik's decoder (traefik/paerser) sees it.
public indirect enum SchemaType: Sendable {
    /// Any text.
    case string
    /// Go's `strconv.ParseBool`: `1 t T TRUE true True 0 f F FALSE false False`.
    case bool
    /// A signed 64-bit integer in decimal (Go's `strconv.ParseInt(s, 10, 64)`).
    case integer
    /// A duration: a bare integer counts seconds, anything else is Go's `time.ParseDuration` (`1m30s`, `500ms`).
    case duration
    /// A list of values or objects, written `name/0`, `name/1`, ... in KV.
    case list(SchemaType)
    /// A map whose keys the user chooses (router names, header names), written `name/KEY` in KV.
    case dictionary(SchemaType)
    /// A structure with fixed fields.
    case object(SchemaObject)
    /// Free-form configuration (plugin settings): any keys, any nesting, every leaf a string.
    case freeForm
    /// A field Traefik knows but ignores in files (`file:"-"`, such as the ingress-nginx translation
    /// middlewares): accepted, and never published, since Traefik's KV decoder may not ignore it.
    case ignoredInFiles

    /// A short name of the type, for error messages.
    var description: String {
        switch self {
        case .string: return "a string"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .duration: return "a duration"
        case .list: return "a list"
        case .dictionary: return "a map"
        case .object(let object): return "a \(object.name) object"
        case .freeForm: return "a map"
        case .ignoredInFiles: return "an ignored field"
        }
    }

    var isScalar: Bool {
        switch self {
        case .string, .bool, .integer, .duration: return true
        default: return false
        }
    }
}

extension SchemaType: Equatable {
    public static func == (lhs: SchemaType, rhs: SchemaType) -> Bool {
        switch (lhs, rhs) {
        case (.string, .string), (.bool, .bool), (.integer, .integer), (.duration, .duration), (.freeForm, .freeForm),
            (.ignoredInFiles, .ignoredInFiles):
            return true
        case (.list(let a), .list(let b)), (.dictionary(let a), .dictionary(let b)):
            return a == b
        case (.object(let a), .object(let b)):
            return a.name == b.name
        default:
            return false
        }
    }
}

/// Whether a structure may be switched on by its mere presence (`tls: {}` in a file, `tls = true` in KV).
///
/// Traefik marks such fields `allowEmpty` per decoder; a few are `allowEmpty` for files but not for KV, so an
/// empty one can be written in a file but not in Redis.
public enum PresenceOption: Sendable {
    /// An empty structure is an error ("cannot be a standalone element").
    case none
    /// Allowed empty in files and in KV.
    case fileAndKV
    /// Allowed empty in files only; Traefik's KV decoder rejects `name = true`.
    case fileOnly
}

/// One named field of a `SchemaObject`.
public struct SchemaField: Sendable {
    /// The canonical spelling (Traefik's YAML name, e.g. `entryPoints`). Matching is case-insensitive.
    public let name: String
    public let type: SchemaType
    public let presence: PresenceOption
    /// The first Traefik release whose decoder knows the field (read from `pkg/config/dynamic` at each tag and
    /// checked against the real binaries). An older Traefik rejects the whole provider configuration for it
    /// (`field not found`), so a configuration validated for an older target refuses it.
    public let since: TraefikVersion

    public init(_ name: String, _ type: SchemaType, presence: PresenceOption = .none, since: TraefikVersion = .oldestKnown) {
        self.name = name
        self.type = type
        self.presence = presence
        self.since = since
    }

    /// The same, with the version first: reads better before a long nested object.
    public init(_ name: String, since: TraefikVersion, _ type: SchemaType, presence: PresenceOption = .none) {
        self.init(name, type, presence: presence, since: since)
    }
}

/// A structure of Traefik's dynamic configuration: its fields, looked up case-insensitively.
public struct SchemaObject: Sendable {
    /// The Go type name, for error messages (`Router`, `ServersLoadBalancer`).
    public let name: String
    public let fields: [SchemaField]
    private let index: [String: Int]

    public init(_ name: String, _ fields: [SchemaField]) {
        self.name = name
        self.fields = fields
        var index: [String: Int] = [:]
        for (position, field) in fields.enumerated() {
            index[field.name.lowercased()] = position
        }
        self.index = index
    }

    /// The field named `name`, compared case-insensitively as Traefik does.
    public func field(named name: String) -> SchemaField? {
        index[name.lowercased()].map { fields[$0] }
    }
}
