import Foundation

/// Checks a decoded file (`RawConfigValue`) against `TraefikSchema`, field by field, the way Traefik's decoder
/// would, and builds the canonical `ConfigNode` tree.
///
/// Problems Traefik rejects wholesale (unknown field, unparsable value, an empty structure that is not an
/// option) are `fatal`; values Traefik accepts from a file but that cannot be written to Redis without changing
/// their meaning are `notRepresentable`.
struct SchemaChecker {
    let file: String?
    /// The oldest Traefik that will read the result: fields it does not know are refused.
    let target: TraefikTarget
    private(set) var issues: [ConfigIssue] = []

    init(file: String?, target: TraefikTarget = .newest) {
        self.file = file
        self.target = target
    }

    mutating func checkRoot(_ raw: RawConfigValue) -> ConfigNode {
        check(raw, as: .object(TraefikSchema.configuration), presence: .none, path: "", isNamedElement: true)
            ?? .object([:])
    }

    private mutating func report(_ path: String, _ message: String, _ severity: ConfigIssue.Severity) {
        issues.append(ConfigIssue(file: file, path: path, message: message, severity: severity))
    }

    /// `isNamedElement` is true for the value of a user-named map entry (a router, a service): Traefik accepts an
    /// empty one there, where an empty structure field would be "a standalone element".
    private mutating func check(
        _ raw: RawConfigValue, as type: SchemaType, presence: PresenceOption, path: String, isNamedElement: Bool = false
    ) -> ConfigNode? {
        switch type {
        case .string, .bool, .integer, .duration:
            guard case .scalar(let text) = raw else {
                report(path, "expected \(type.description), found \(raw.kindDescription)", .fatal)
                return nil
            }
            if text.isEmpty && type == .string { return nil }
            switch ScalarValue.canonical(text, as: type) {
            case .success(let canonical): return .value(canonical)
            case .failure(let error):
                report(path, error.message, .fatal)
                return nil
            }

        case .list(let element):
            return checkList(raw, element: element, path: path)

        case .dictionary(let element):
            return checkDictionary(raw, element: element, path: path)

        case .object(let object):
            return checkObject(raw, object: object, presence: presence, path: path, isNamedElement: isNamedElement)

        case .ignoredInFiles:
            return nil

        case .freeForm:
            guard case .map = raw else {
                report(path, "expected a map of plugin settings, found \(raw.kindDescription)", .fatal)
                return nil
            }
            return freeForm(raw, path: path)
        }
    }

    private mutating func checkList(_ raw: RawConfigValue, element: SchemaType, path: String) -> ConfigNode? {
        let items: [RawConfigValue]
        switch raw {
        case .list(let list):
            items = list
        case .scalar(let text) where element.isScalar:
            // Traefik splits a single value on commas: `entryPoints: web,websecure`.
            guard !text.isEmpty else { return nil }
            items = text.splitOnSeparator(",").map { .scalar($0) }
        default:
            report(path, "expected a list, found \(raw.kindDescription)", .fatal)
            return nil
        }
        var nodes: [ConfigNode] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            if element.isScalar {
                guard case .scalar(let text) = item else {
                    report(itemPath, "expected \(element.description), found \(item.kindDescription)", .fatal)
                    continue
                }
                // Traefik trims every list entry and rebuilds KV lists by joining on commas.
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty {
                    report(itemPath, "empty list entry: Redis keys with empty values are skipped by Traefik, so the entry cannot be published", .notRepresentable)
                    continue
                }
                if trimmed.containsSeparator(",") {
                    report(itemPath, "list entry \"\(trimmed)\" contains a comma: Traefik's KV provider splits list values on commas; write one entry per value", .notRepresentable)
                    continue
                }
                if let node = check(.scalar(trimmed), as: element, presence: .none, path: itemPath) {
                    nodes.append(node)
                }
            } else {
                guard case .map = item else {
                    report(itemPath, "expected \(element.description), found \(item.kindDescription)", .fatal)
                    continue
                }
                nodes.append(check(item, as: element, presence: .none, path: itemPath, isNamedElement: true) ?? .object([:]))
            }
        }
        return nodes.isEmpty ? nil : .list(nodes)
    }

    private mutating func checkDictionary(_ raw: RawConfigValue, element: SchemaType, path: String) -> ConfigNode? {
        guard case .map(let entries) = raw else {
            report(path, "expected a map, found \(raw.kindDescription)", .fatal)
            return nil
        }
        guard !entries.isEmpty else {
            report(path, "an empty map is rejected by Traefik (\"cannot be a standalone element\"); remove the key", .fatal)
            return nil
        }
        var children: [String: ConfigNode] = [:]
        var seen: [String: String] = [:]
        for entry in entries {
            let entryPath = "\(path).\(entry.key)"
            if let problem = KeySegment.problem(entry.key) {
                report(entryPath, problem, .notRepresentable)
                continue
            }
            if let other = seen.updateValue(entry.key, forKey: entry.key.lowercased()) {
                report(entryPath, "\"\(entry.key)\" and \"\(other)\" differ only by case; Traefik matches Redis keys case-insensitively and would merge them", .notRepresentable)
                continue
            }
            if case .string = element, case .scalar("") = entry.value {
                report(entryPath, "empty value: Traefik skips Redis keys with empty values, so this entry (for example a header removal) cannot be published", .notRepresentable)
                continue
            }
            if let node = check(entry.value, as: element, presence: .none, path: entryPath, isNamedElement: true) {
                children[entry.key] = node
            }
        }
        return .object(children)
    }

    private mutating func checkObject(
        _ raw: RawConfigValue, object: SchemaObject, presence: PresenceOption, path: String, isNamedElement: Bool
    ) -> ConfigNode? {
        switch raw {
        case .scalar(let text):
            guard presence != .none else {
                report(path, "expected \(object.name) settings (a map), found a single value", .fatal)
                return nil
            }
            // Traefik: an option given a value other than empty or "true" is switched off.
            guard text.isEmpty || text.lowercased() == "true" else { return nil }
            return enabled(presence: presence, path: path)
        case .list:
            report(path, "expected \(object.name) settings (a map), found a list", .fatal)
            return nil
        case .map(let entries):
            if entries.isEmpty {
                if presence != .none { return enabled(presence: presence, path: path) }
                if isNamedElement { return .object([:]) }
                report(path, "an empty \(object.name) is rejected by Traefik (\"cannot be a standalone element\")", .fatal)
                return nil
            }
            var children: [String: ConfigNode] = [:]
            var seen: [String: String] = [:]
            for entry in entries {
                let entryPath = path.isEmpty ? entry.key : "\(path).\(entry.key)"
                guard let field = object.field(named: entry.key) else {
                    let known = object.fields.map(\.name).joined(separator: ", ")
                    report(entryPath, "unknown field \"\(entry.key)\" in \(object.name) (Traefik: field not found); known fields: \(known)", .fatal)
                    continue
                }
                // Fields Traefik ignores in files are never published, so no older Traefik reads them.
                if field.since > target.version, field.type != .ignoredInFiles {
                    report(entryPath, "needs Traefik \(field.since) or later; \(target.phrase)", .fatal)
                    continue
                }
                if let other = seen.updateValue(entry.key, forKey: field.name) {
                    report(entryPath, "\"\(entry.key)\" and \"\(other)\" name the same field (Traefik matches field names case-insensitively)", .notRepresentable)
                    continue
                }
                if let node = check(entry.value, as: field.type, presence: field.presence, path: entryPath) {
                    children[field.name] = node
                }
            }
            if children.isEmpty && presence != .none {
                return enabled(presence: presence, path: path)
            }
            return .object(children)
        }
    }

    private mutating func enabled(presence: PresenceOption, path: String) -> ConfigNode? {
        if presence == .fileOnly {
            report(path, "an empty option here is accepted in files but rejected by Traefik's KV provider; give it at least one setting", .notRepresentable)
            return nil
        }
        return .enabled
    }

    private mutating func freeForm(_ raw: RawConfigValue, path: String) -> ConfigNode? {
        switch raw {
        case .scalar(let text):
            if text.isEmpty {
                report(path, "empty value: Traefik skips Redis keys with empty values", .notRepresentable)
                return nil
            }
            return .value(text)
        case .list(let items):
            let nodes = items.enumerated().compactMap { freeForm($0.element, path: "\(path)[\($0.offset)]") }
            return nodes.isEmpty ? nil : .list(nodes)
        case .map(let entries):
            var children: [String: ConfigNode] = [:]
            for entry in entries {
                let entryPath = "\(path).\(entry.key)"
                if let problem = KeySegment.problem(entry.key) {
                    report(entryPath, problem, .notRepresentable)
                    continue
                }
                if let node = freeForm(entry.value, path: entryPath) { children[entry.key] = node }
            }
            return children.isEmpty ? nil : .object(children)
        }
    }
}

/// Rules for a user-chosen name that becomes one segment of a Redis key.
enum KeySegment {
    /// Why `name` cannot be one KV path segment, or `nil` when it can.
    static func problem(_ name: String) -> String? {
        if name.isEmpty { return "empty name: it cannot be a Redis key segment" }
        if name.containsSeparator("/") { return "name \"\(name)\" contains \"/\", the Redis key separator" }
        if name.allSatisfy(\.isASCIIDigit) {
            return "name \"\(name)\" is all digits: Traefik's KV provider reads such a key segment as a list index"
        }
        return nil
    }
}
