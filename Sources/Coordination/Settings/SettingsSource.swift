import Foundation
import TraefikConfig
import Yams

/// One setting as written, before it is typed: a scalar, a list or a map, with where it came from.
struct RawSetting: Sendable {
    enum Value: Sendable {
        case scalar(String)
        case list([String])
        case map([String: String])
    }

    var value: Value
    /// `file.yaml:12` or `env NAME`.
    var origin: String
}

/// Reads settings from YAML and from `TRAEFIK_COORDINATOR_*` environment variables into a flat map from
/// dotted paths to raw values, refusing paths that are not known.
enum SettingsSource {
    /// The environment variable prefix.
    static let environmentPrefix = "TRAEFIK_COORDINATOR_"

    /// Flattens a YAML document. Maps become dotted paths until a path is a known leaf; a known leaf may hold
    /// a scalar, a list or a map (for `redis.tls`, a map of its own keys also works: they are leaves too).
    static func read(yaml text: String, file: String) throws(SettingsError) -> [String: RawSetting] {
        let root: Node?
        do {
            root = try YAMLReader.compose(text)
        } catch {
            // The reader's errors never quote the file: a settings file holds passwords.
            throw SettingsError(setting: file, message: error.description)
        }
        guard let root else { return [:] }
        guard case .mapping(let mapping) = root else {
            throw SettingsError(setting: file, origin: "\(file):\(root.mark?.line ?? 1)", message: "the top level must be a map of settings")
        }
        var settings: [String: RawSetting] = [:]
        try flatten(mapping, prefix: "", file: file, into: &settings)
        return settings
    }

    private static func flatten(
        _ mapping: Node.Mapping, prefix: String, file: String, into settings: inout [String: RawSetting]
    ) throws(SettingsError) {
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw SettingsError(setting: prefix, origin: "\(file):\(keyNode.mark?.line ?? 0)", message: "keys must be strings")
            }
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            let origin = "\(file):\(valueNode.mark?.line ?? keyNode.mark?.line ?? 0)"
            let kind = SettingsSchema.kind(of: path)
            switch valueNode {
            case .mapping(let child):
                if kind == .map {
                    settings[path] = RawSetting(value: .map(try stringMap(child, path: path, origin: origin)), origin: origin)
                } else if SettingsSchema.isSection(path) {
                    if kind == .tlsSwitch { settings[path] = RawSetting(value: .scalar("true"), origin: origin) }
                    try flatten(child, prefix: path, file: file, into: &settings)
                } else {
                    throw unknown(path, origin: origin)
                }
            case .sequence(let sequence):
                guard kind == .list else { throw kind == nil ? unknown(path, origin: origin) : mismatch(path, origin: origin, kind: kind!) }
                var items: [String] = []
                for item in sequence {
                    guard let text = item.scalar?.string else {
                        throw SettingsError(setting: path, origin: origin, message: "list entries must be plain values")
                    }
                    items.append(text)
                }
                settings[path] = RawSetting(value: .list(items), origin: origin)
            case .scalar(let scalar):
                guard let kind else { throw unknown(path, origin: origin) }
                if kind == .map { throw mismatch(path, origin: origin, kind: kind) }
                if kind == .list {
                    settings[path] = RawSetting(value: .list([scalar.string]), origin: origin)  // one endpoint
                } else {
                    settings[path] = RawSetting(value: .scalar(scalar.string), origin: origin)
                }
            case .alias:
                throw SettingsError(setting: path, origin: origin, message: "YAML aliases are not supported here")
            }
        }
    }

    private static func stringMap(_ mapping: Node.Mapping, path: String, origin: String) throws(SettingsError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in mapping {
            guard let key = key.scalar?.string, let value = value.scalar?.string else {
                throw SettingsError(setting: path, origin: origin, message: "expected a map of plain values")
            }
            result[key] = value
        }
        return result
    }

    /// The settings given by environment variables (`TRAEFIK_COORDINATOR_REDIS_PASSWORD`); an unknown name
    /// with the prefix is an error (a typo would otherwise be ignored in silence).
    static func read(environment: [String: String]) throws(SettingsError) -> [String: RawSetting] {
        var settings: [String: RawSetting] = [:]
        for (name, value) in environment where name.hasPrefix(environmentPrefix) {
            guard let path = SettingsSchema.path(forEnvironmentName: name) else {
                throw SettingsError(
                    setting: name, origin: "env \(name)",
                    message: "not a known setting; names are TRAEFIK_COORDINATOR_ plus the path in capitals with _ between words, e.g. TRAEFIK_COORDINATOR_REDIS_SENTINEL_MASTER_NAME")
            }
            let origin = "env \(name)"
            switch SettingsSchema.kind(of: path) {
            case .list?:
                let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                settings[path] = RawSetting(value: .list(items), origin: origin)
            case .map?:
                var map: [String: String] = [:]
                for entry in value.split(separator: ",") {
                    let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard parts.count == 2 else {
                        throw SettingsError(setting: path, origin: origin, message: "expected announced=reachable pairs separated by commas")
                    }
                    map[parts[0]] = parts[1]
                }
                settings[path] = RawSetting(value: .map(map), origin: origin)
            default:
                settings[path] = RawSetting(value: .scalar(value), origin: origin)
            }
        }
        return settings
    }

    private static func unknown(_ path: String, origin: String) -> SettingsError {
        let suggestion = SettingsSchema.closest(to: path).map { " (did you mean \($0)?)" } ?? ""
        return SettingsError(setting: path, origin: origin, message: "not a known setting\(suggestion)")
    }

    private static func mismatch(_ path: String, origin: String, kind: SettingsSchema.Kind) -> SettingsError {
        SettingsError(setting: path, origin: origin, message: "expected \(kind.description)")
    }
}
