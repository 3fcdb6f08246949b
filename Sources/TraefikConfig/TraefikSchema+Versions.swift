/// The schema's version annotations as a table: what each Traefik release added.
extension TraefikSchema {
    /// One field introduced after Traefik 3.0.0.
    public struct VersionedField: Sendable, Hashable {
        /// Dotted, with `*` for a name the user chooses and `[]` for a list element:
        /// `http.routers.*.observability`, `http.services.*.loadBalancer.servers[].preservePath`.
        public var path: String
        public var since: TraefikVersion
    }

    /// Every field introduced after Traefik 3.0.0, in path order; a child is listed only when it came later
    /// than its parent (the others come with it). Fields Traefik ignores in files are left out: they are never
    /// published.
    public static var versionedFields: [VersionedField] {
        var found: [VersionedField] = []
        collect(.object(configuration), path: "", parentSince: .oldestKnown, into: &found)
        return found.sorted { $0.path < $1.path }
    }

    private static func collect(_ type: SchemaType, path: String, parentSince: TraefikVersion, into found: inout [VersionedField]) {
        switch type {
        case .object(let object):
            for field in object.fields where field.type != .ignoredInFiles {
                let fieldPath = path.isEmpty ? field.name : "\(path).\(field.name)"
                if field.since > parentSince { found.append(VersionedField(path: fieldPath, since: field.since)) }
                collect(field.type, path: fieldPath, parentSince: max(parentSince, field.since), into: &found)
            }
        case .list(let element):
            collect(element, path: path + "[]", parentSince: parentSince, into: &found)
        case .dictionary(let element):
            collect(element, path: path + ".*", parentSince: parentSince, into: &found)
        case .string, .bool, .integer, .duration, .freeForm, .ignoredInFiles:
            break
        }
    }

    /// The README's table (Markdown): one row per release, the fields it added.
    public static var versionTable: String {
        var byVersion: [TraefikVersion: [String]] = [:]
        for field in versionedFields { byVersion[field.since, default: []].append("`\(field.path)`") }
        var lines = ["| Traefik | Fields it added (refused when validating for an older version) |", "|---|---|"]
        for version in byVersion.keys.sorted() {
            lines.append("| \(version) | \(byVersion[version]!.joined(separator: ", ")) |")
        }
        return lines.joined(separator: "\n")
    }
}
