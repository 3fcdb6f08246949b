/// A value read from a dynamic-configuration file, before it is checked against Traefik's schema.
///
/// Scalars are already in the text form Traefik's file provider gives them: integers in decimal, floating-point
/// numbers with six decimals (`1.5` becomes `1.500000`, `2.0` becomes `2`), booleans as `true`/`false`. YAML and
/// TOML nulls are dropped, as Traefik drops them.
public indirect enum RawConfigValue: Sendable, Equatable {
    /// A string, number or boolean, in Traefik's text form.
    case scalar(String)
    /// A sequence (YAML sequence, TOML array).
    case list([RawConfigValue])
    /// A mapping, in file order. Keys are unique (duplicates are a decoding error).
    case map([RawConfigEntry])

    /// A short name of the value's kind, for error messages.
    var kindDescription: String {
        switch self {
        case .scalar: return "a single value"
        case .list: return "a list"
        case .map: return "a map"
        }
    }
}

/// One key and its value in a `RawConfigValue.map`.
public struct RawConfigEntry: Sendable, Equatable {
    public var key: String
    public var value: RawConfigValue

    public init(key: String, value: RawConfigValue) {
        self.key = key
        self.value = value
    }
}
