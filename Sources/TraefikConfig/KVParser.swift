import Foundation

/// Reads key/value pairs back into a configuration, interpreting them exactly as Traefik's KV provider does,
/// so that a diff against Redis shows what Traefik really serves.
///
/// Traefik's rules, reproduced here: only keys under `<root>/http`, `<root>/tcp`, `<root>/udp` and `<root>/tls`
/// (compared as case-insensitive string prefixes, so `<root>/httpx` counts and is an unknown field) are read;
/// keys with empty values are skipped; key segments match fields and names case-insensitively (`Foo` and `foo`
/// merge); list entries are ordered by sorting their keys as strings (so `10` comes before `2`) and scalar lists
/// are rebuilt by joining on commas and splitting again.
public enum KVParser {
    /// The configuration `pairs` describe under `rootKey`, and the problems Traefik would have with them.
    public static func parse(_ pairs: [KVPair], rootKey: String = TraefikConfig.defaultRootKey) -> (configuration: DynamicConfiguration, issues: [ConfigIssue]) {
        let sections = ["http", "tcp", "udp", "tls"].map { (rootKey + "/" + $0).lowercased() }
        var relevant = pairs.filter { pair in
            guard !pair.value.isEmpty else { return false }
            let lower = pair.key.lowercased()
            return sections.contains { lower.hasPrefix($0) }
        }
        relevant.sort { $0.key < $1.key }

        // Traefik folds `a/b/0`, `a/b/1`, ... into one `a/b` value joined with commas, in key order.
        var folded: [String: [String]] = [:]
        var simple: [String: String] = [:]
        for pair in relevant {
            if let parent = scalarListParent(of: pair.key) {
                folded[parent, default: []].append(pair.value)
            } else {
                simple[pair.key] = pair.value
            }
        }
        for (key, values) in folded {
            simple[key] = values.joined(separator: ",")
        }

        let root = TrieNode(name: rootKey)
        for key in simple.keys.sorted() {
            let segments = KVPair.segments(of: key, under: rootKey).map(String.init)
            root.insert(segments[...], value: simple[key]!)
        }

        var reader = Reader()
        let node = reader.read(root, as: .object(TraefikSchema.configuration), presence: .none, path: "")
        return (DynamicConfiguration(root: node ?? .object([:])), reader.issues)
    }

    /// The key without its last segment when that segment is all digits (`.../entryPoints/0`).
    private static func scalarListParent(of key: String) -> String? {
        let scalars = key.unicodeScalars
        guard let slash = scalars.lastIndex(of: "/"), slash > scalars.startIndex else { return nil }
        let last = scalars[scalars.index(after: slash)...]
        guard !last.isEmpty, last.allSatisfy({ $0.isASCII && $0.properties.numericType == .decimal }) else { return nil }
        return String(String.UnicodeScalarView(scalars[..<slash]))
    }

    /// One key segment and what lies under it, children merged case-insensitively as Traefik merges them.
    final class TrieNode {
        let name: String
        var value: String = ""
        private(set) var children: [TrieNode] = []
        private var index: [String: Int] = [:]

        init(name: String) {
            self.name = name
        }

        func insert(_ segments: ArraySlice<String>, value: String) {
            guard let first = segments.first else {
                self.value = value
                return
            }
            let key = first.lowercased()
            let child: TrieNode
            if let position = index[key] {
                child = children[position]
            } else {
                child = TrieNode(name: first)
                index[key] = children.count
                children.append(child)
            }
            child.insert(segments.dropFirst(), value: value)
        }

        var isIndex: Bool { !name.isEmpty && name.allSatisfy(\.isASCIIDigit) }
    }

    struct Reader {
        var issues: [ConfigIssue] = []

        private mutating func report(_ path: String, _ message: String) {
            issues.append(ConfigIssue(file: nil, path: path, message: message, severity: .fatal))
        }

        private func join(_ path: String, _ name: String) -> String {
            path.isEmpty ? name : "\(path).\(name)"
        }

        mutating func read(_ node: TrieNode, as type: SchemaType, presence: PresenceOption, path: String) -> ConfigNode? {
            switch type {
            case .string, .bool, .integer, .duration:
                guard node.children.isEmpty else {
                    report(path, "expected \(type.description), found sub-keys (\(node.children.map(\.name).joined(separator: ", ")))")
                    return nil
                }
                return read(leaf: node.value, as: type, path: path)

            case .list(let element):
                if element.isScalar {
                    guard node.children.isEmpty else {
                        report(path, "expected a list of values, found sub-keys (\(node.children.map(\.name).joined(separator: ", ")))")
                        return nil
                    }
                    guard !node.value.isEmpty else { return nil }
                    let items = node.value.splitOnSeparator(",").compactMap { item -> ConfigNode? in
                        let trimmed = item.trimmingCharacters(in: .whitespacesAndNewlines)
                        return read(leaf: trimmed, as: element, path: path)
                    }
                    return items.isEmpty ? nil : .list(items)
                }
                let items = node.children.enumerated().compactMap { offset, child in
                    read(child, as: element, presence: .none, path: "\(path)[\(offset)]")
                }
                return items.isEmpty ? nil : .list(items)

            case .dictionary(let element):
                guard !node.children.isEmpty else {
                    report(path, "\(node.name) cannot be a standalone element (a map needs sub-keys)")
                    return nil
                }
                var children: [String: ConfigNode] = [:]
                for child in node.children {
                    if let value = read(child, as: element, presence: .none, path: join(path, child.name)) {
                        children[child.name] = value
                    }
                }
                return .object(children)

            case .object(let object):
                if node.children.isEmpty {
                    guard presence != .none, presence != .fileOnly else {
                        report(path, "\(node.name) cannot be a standalone element (type \(object.name))")
                        return nil
                    }
                }
                // Traefik ignores a presence option whose own value is neither empty nor "true".
                if presence != .none, !node.value.isEmpty, node.value.lowercased() != "true" { return nil }
                if node.children.isEmpty { return .enabled }
                var children: [String: ConfigNode] = [:]
                for child in node.children {
                    let childPath = join(path, child.name)
                    guard let field = object.field(named: child.name) else {
                        report(childPath, "unknown field \"\(child.name)\" in \(object.name) (Traefik: field not found, node: \(child.name))")
                        continue
                    }
                    if let value = read(child, as: field.type, presence: field.presence, path: childPath) {
                        children[field.name] = value
                    }
                }
                if children.isEmpty && presence != .none { return .enabled }
                return .object(children)

            case .freeForm:
                return freeForm(node)

            case .ignoredInFiles:
                // Active in KV (unlike in files), but never published by us: report it so a diff shows it.
                report(path, "\(node.name) is not something traefik-coordinator publishes (Traefik ignores it in files)")
                return nil
            }
        }

        private mutating func read(leaf text: String, as type: SchemaType, path: String) -> ConfigNode? {
            if text.isEmpty { return nil }
            switch ScalarValue.canonical(text, as: type) {
            case .success(let canonical): return .value(canonical)
            case .failure(let error):
                report(path, error.message)
                return nil
            }
        }

        private func freeForm(_ node: TrieNode) -> ConfigNode? {
            if node.children.isEmpty {
                return node.value.isEmpty ? nil : .value(node.value)
            }
            if node.children.allSatisfy(\.isIndex) {
                let items = node.children.compactMap(freeForm)
                return items.isEmpty ? nil : .list(items)
            }
            var children: [String: ConfigNode] = [:]
            for child in node.children {
                if let value = freeForm(child) { children[child.name] = value }
            }
            return children.isEmpty ? nil : .object(children)
        }
    }
}
