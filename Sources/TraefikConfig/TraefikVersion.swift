/// A Traefik release, `major.minor.patch`, ordered as releases are.
///
/// Written `"3.2"` (the line: its oldest release, 3.2.0, is what it must satisfy) or `"3.2.3"`; a leading `v`
/// and a pre-release or build suffix (`-rc1`, `+abc`) are accepted and dropped. The schema records, per field,
/// the version that introduced it (``SchemaField/since``).
public struct TraefikVersion: Sendable, Hashable, Comparable, CustomStringConvertible, Codable, ExpressibleByStringLiteral {
    public let major: Int
    public let minor: Int
    public let patch: Int
    /// False for a version written as a line (`3.2`): it prints as written.
    private let hasPatch: Bool

    /// The oldest release the schema knows.
    public static let oldestKnown: TraefikVersion = "3.0"
    /// The newest release the schema was checked against (`Sources/TraefikConfig/TraefikSchema.swift`).
    public static let newestKnown: TraefikVersion = "3.7.15"

    public init(_ major: Int, _ minor: Int, _ patch: Int? = nil) {
        self.major = major
        self.minor = minor
        self.patch = patch ?? 0
        self.hasPatch = patch != nil
    }

    /// Parses `3.2`, `3.2.3`, `v3.2.3`, `3.2.3-rc1`; nil for anything else.
    public init?(parsing text: String) {
        var text = Substring(text.trimmingCharacters(in: .whitespaces))
        if text.first == "v" || text.first == "V" { text = text.dropFirst() }
        if let end = text.firstIndex(where: { $0 == "-" || $0 == "+" }) { text = text[..<end] }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0
        else { return nil }
        var patch: Int?
        if parts.count == 3 {
            guard let value = Int(parts[2]), value >= 0 else { return nil }
            patch = value
        }
        self.init(major, minor, patch)
    }

    public init(stringLiteral value: String) {
        guard let version = TraefikVersion(parsing: value) else { preconditionFailure("not a Traefik version: \(value)") }
        self = version
    }

    public static func < (lhs: TraefikVersion, rhs: TraefikVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    public static func == (lhs: TraefikVersion, rhs: TraefikVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) == (rhs.major, rhs.minor, rhs.patch)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(major)
        hasher.combine(minor)
        hasher.combine(patch)
    }

    public var description: String { hasPatch ? "\(major).\(minor).\(patch)" : "\(major).\(minor)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let version = TraefikVersion(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a Traefik version: \(text)"))
        }
        self = version
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The Traefik that must be able to read what is validated: its version, and where that version came from (for
/// the error message: `traefik.version`, `--traefik-version`, or a pod's `/api/version`).
public struct TraefikTarget: Sendable, Hashable {
    /// The version validated for; fields introduced later are refused.
    public var version: TraefikVersion
    /// Where the version came from, e.g. `traefik.version` or `pod http://10.0.0.7:8080`; nil for the default.
    public var source: String?

    /// The newest Traefik the schema knows: every field of today's schema is accepted.
    public static let newest = TraefikTarget(version: .newestKnown, source: nil)

    public init(version: TraefikVersion, source: String?) {
        self.version = version
        self.source = source
    }

    /// What an error says about this target: `the oldest Traefik reading this Redis is 3.2.3 (pod http://…)`.
    var phrase: String {
        "the oldest Traefik reading this Redis is \(version)" + (source.map { " (\($0))" } ?? "")
    }

    /// Whether `version` is one the schema can check, and if not, what is and is not checked.
    ///
    /// - Returns: nil when supported; otherwise a sentence for an error (older than 3.0: nothing can be
    ///   checked) or a warning (newer than the schema knows: validated as the newest known).
    public static func support(of version: TraefikVersion) -> (isError: Bool, message: String)? {
        if version.major < 3 {
            return (true, "Traefik \(version) is not supported: the schema knows Traefik \(TraefikVersion.oldestKnown) to \(TraefikVersion.newestKnown) only (Traefik 2 and 3 differ in rules and fields); upgrade the pods or set the oldest 3.x version that reads this Redis")
        }
        if version > .newestKnown && (version.major, version.minor) != (TraefikVersion.newestKnown.major, TraefikVersion.newestKnown.minor) {
            return (false, "Traefik \(version) is newer than the schema knows (\(TraefikVersion.newestKnown)): configurations are validated as for \(TraefikVersion.newestKnown), so fields added after it are refused")
        }
        return nil
    }

    /// The target for `version` with its `source`, clamped to the newest known version (see ``support(of:)``).
    public static func clamped(_ version: TraefikVersion, source: String?) -> TraefikTarget {
        TraefikTarget(version: min(version, .newestKnown), source: source)
    }
}
