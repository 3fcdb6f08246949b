import Foundation

/// Loads Traefik dynamic configuration the way Traefik's file provider does: one file, or every `*.yml`,
/// `*.yaml`, `*.toml` and `*.json` file in a directory and its subdirectories, merged.
///
/// Each file is checked against `TraefikSchema`; the merged result is then validated as a whole (references,
/// rules, names). A router, service, middleware, transport, TLS option or store defined in two files is an
/// error naming both files.
public enum DynamicConfigurationLoader {
    /// The outcome of loading: the merged configuration and every problem found.
    public struct Result: Sendable {
        /// The merged configuration. Elements with fatal problems are left out or incomplete.
        public var configuration: DynamicConfiguration
        /// Every problem, in file order then path order.
        public var issues: [ConfigIssue]
        /// The files read, in the order they were merged.
        public var files: [String]

        /// True when there is nothing to fix: the configuration can be published.
        public var isValid: Bool { issues.isEmpty }
    }

    /// Loads `path` (a file or a directory) and validates the merged configuration for `target` (fields the
    /// target's Traefik does not know are refused).
    public static func load(path: String, target: TraefikTarget = .newest) -> Result {
        var issues: [ConfigIssue] = []
        let files: [String]
        do {
            files = try configurationFiles(at: path)
        } catch {
            return Result(configuration: DynamicConfiguration(), issues: [error], files: [])
        }
        var documents: [(file: String, text: String)] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                issues.append(ConfigIssue(file: file, path: "", message: "cannot read the file", severity: .fatal))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                issues.append(ConfigIssue(file: file, path: "", message: "the file is not UTF-8 text", severity: .fatal))
                continue
            }
            documents.append((file, text))
        }
        var result = load(documents: documents, target: target)
        result.issues = issues + result.issues
        return result
    }

    /// Loads in-memory documents, each named by a file name whose extension gives its format.
    public static func load(documents: [(file: String, text: String)], target: TraefikTarget = .newest) -> Result {
        var issues: [ConfigIssue] = []
        var merger = ConfigurationMerger()
        for document in documents {
            guard let format = ConfigFileFormat(fileName: document.file) else {
                issues.append(ConfigIssue(
                    file: document.file, path: "", message: "unsupported file extension (use .yml, .yaml, .toml or .json)",
                    severity: .fatal))
                continue
            }
            let raw: RawConfigValue
            do {
                raw = try ConfigFileDecoder.decode(document.text, format: format, file: document.file)
            } catch {
                issues.append(error)
                continue
            }
            var checker = SchemaChecker(file: document.file, target: target)
            let root = checker.checkRoot(raw)
            issues += checker.issues
            merger.add(root, from: document.file)
        }
        issues += merger.issues
        let configuration = merger.configuration
        issues += SemanticValidator.validate(configuration).sorted { ($0.file ?? "", $0.path) < ($1.file ?? "", $1.path) }
        return Result(configuration: configuration, issues: issues, files: documents.map(\.file))
    }

    /// The files Traefik's file provider reads at `path`, sorted, subdirectories included.
    static func configurationFiles(at path: String) throws(ConfigIssue) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigIssue(file: path, path: "", message: "no such file or directory", severity: .fatal)
        }
        guard isDirectory.boolValue else {
            guard ConfigFileFormat(fileName: path) != nil else {
                throw ConfigIssue(
                    file: path, path: "", message: "unsupported file extension (use .yml, .yaml, .toml or .json)",
                    severity: .fatal)
            }
            return [path]
        }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw ConfigIssue(file: path, path: "", message: "cannot list the directory", severity: .fatal)
        }
        var files: [String] = []
        for case let relative as String in enumerator {
            // Hidden entries are skipped, directories included: a Kubernetes ConfigMap mount holds the real files
            // in `..2026_…/` and `..data/`, reached through visible symlinks; reading both would define
            // everything twice.
            if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            let name = (relative as NSString).lastPathComponent
            guard ConfigFileFormat(fileName: name) != nil else { continue }
            let full = (path as NSString).appendingPathComponent(relative)
            var isSubdirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isSubdirectory), !isSubdirectory.boolValue {
                files.append(full)
            }
        }
        if files.isEmpty {
            throw ConfigIssue(
                file: path, path: "", message: "the directory holds no .yml, .yaml, .toml or .json file",
                severity: .fatal)
        }
        return files.sorted()
    }
}

/// Merges checked files into one configuration, refusing an element defined in two files.
struct ConfigurationMerger {
    private(set) var configuration = DynamicConfiguration()
    private(set) var issues: [ConfigIssue] = []
    /// Lower-cased element path → (file, name as written).
    private var definitions: [String: (file: String, name: String)] = [:]

    /// Collections whose entries are named elements; everything else in a section is merged as a whole.
    static let namedCollections: [String: [String]] = [
        "http": ["routers", "services", "middlewares", "models", "serversTransports"],
        "tcp": ["routers", "services", "middlewares", "serversTransports"],
        "udp": ["routers", "services"],
        "tls": ["options", "stores"],
    ]

    mutating func add(_ root: ConfigNode, from file: String) {
        var merged = configuration.root.children
        for (section, sectionNode) in root.children {
            var sectionChildren = merged[section]?.children ?? [:]
            for (collection, collectionNode) in sectionNode.children {
                if section == "tls" && collection == "certificates" {
                    let existing = sectionChildren[collection]?.listItems ?? []
                    sectionChildren[collection] = .list(existing + collectionNode.listItems)
                    continue
                }
                var elements = sectionChildren[collection]?.children ?? [:]
                for (name, element) in collectionNode.children {
                    let elementPath = "\(section).\(collection).\(name)"
                    if let previous = definitions[elementPath.lowercased()] {
                        let sameName = previous.name == name ? "" : " (as \"\(previous.name)\"; names are case-insensitive in Redis)"
                        issues.append(ConfigIssue(
                            file: file, path: elementPath,
                            message: "already defined in \(previous.file)\(sameName); define each element in one file only",
                            severity: .notRepresentable))
                        continue
                    }
                    definitions[elementPath.lowercased()] = (file, name)
                    configuration.origins[elementPath] = file
                    elements[name] = element
                }
                sectionChildren[collection] = .object(elements)
            }
            merged[section] = .object(sectionChildren)
        }
        configuration.root = .object(merged)
    }
}
