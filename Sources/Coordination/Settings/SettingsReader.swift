import Foundation
import RedisClient
import TraefikConfig

/// Typed access to raw settings, with errors that name the setting and where it came from.
struct SettingsReader {
    let raw: [String: RawSetting]

    func has(_ path: String) -> Bool { raw[path] != nil }
    func origin(_ path: String) -> String? { raw[path]?.origin }

    func string(_ path: String) -> String? {
        if case .scalar(let text)? = raw[path]?.value { return text }
        return nil
    }

    func list(_ path: String) throws(SettingsError) -> [String] {
        switch raw[path]?.value {
        case nil: return []
        case .list(let items)?: return items
        case .scalar(let text)?: return [text]
        case .map?: throw SettingsError(setting: path, origin: origin(path), message: "expected a list")
        }
    }

    func map(_ path: String) throws(SettingsError) -> [String: String]? {
        switch raw[path]?.value {
        case nil: return nil
        case .map(let map)?: return map
        default: throw SettingsError(setting: path, origin: origin(path), message: "expected a map of announced:port to reachable:port")
        }
    }

    func int(_ path: String) throws(SettingsError) -> Int? {
        guard let text = string(path) else { return nil }
        guard let value = Int(text) else { throw SettingsError(setting: path, origin: origin(path), message: "expected an integer, got '\(text)'") }
        return value
    }

    func bool(_ path: String) throws(SettingsError) -> Bool? {
        guard let text = string(path) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw SettingsError(setting: path, origin: origin(path), message: "expected true or false, got '\(text)'")
        }
    }

    func isFalse(_ path: String) -> Bool { (try? bool(path)) == false }

    func duration(_ path: String) throws(SettingsError) -> Duration? {
        guard let text = string(path) else { return nil }
        guard let nanoseconds = GoDuration.parse(text), nanoseconds >= 0 else {
            throw SettingsError(setting: path, origin: origin(path), message: "expected a duration such as 500ms, 10s or 1m, got '\(text)'")
        }
        return .nanoseconds(nanoseconds)
    }

    /// `path` itself or `pathFile` (read, trailing newline removed). Both at once is an error.
    func secret(_ path: String) throws(SettingsError) -> RedisSecret? {
        let filePath = "\(path)File"
        switch (string(path), string(filePath)) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw SettingsError(setting: path, origin: origin(path), message: "set either \(path) or \(filePath), not both")
        case (let value?, nil):
            return RedisSecret(value)
        case (nil, let file?):
            do {
                _ = try String(contentsOfFile: file, encoding: .utf8)  // an unreadable file is reported with the reason
            } catch {
                throw SettingsError(setting: filePath, origin: origin(filePath), message: "cannot read '\(file)': \(error.localizedDescription)")
            }
            guard let value = RedisSecret.read(file) else {
                throw SettingsError(setting: filePath, origin: origin(filePath), message: "'\(file)' is empty")
            }
            // Read again at every new connection, so a password fixed or rotated in the file needs no restart.
            return RedisSecret(file: file, initialValue: value)
        }
    }

    func endpoint(_ text: String, path: String) throws(SettingsError) -> RedisEndpoint {
        do {
            return try RedisEndpoint(parsing: text)
        } catch {
            throw SettingsError(setting: path, origin: origin(path), message: error.description)
        }
    }

    /// The TLS section at `path`: `nil` when absent or `false`; `true` alone means system trust defaults.
    func tls(_ path: String, settingsPath: String) throws(SettingsError) -> TLSConfiguration? {
        let leaves = SettingsSchema.tlsLeaves.map { "\(path).\($0.0)" }
        let switched = try bool(path)
        if switched == false {
            if let set = leaves.first(where: has) {
                throw SettingsError(setting: set, origin: origin(set), message: "\(path) is false; remove this or the false")
            }
            return nil
        }
        guard switched == true || leaves.contains(where: has) else { return nil }
        var tls = TLSConfiguration(settingsPath: settingsPath)
        tls.caFile = string("\(path).ca")
        tls.certificateFile = string("\(path).cert")
        tls.privateKeyFile = string("\(path).key")
        tls.serverName = string("\(path).serverName")
        tls.insecureSkipVerify = try bool("\(path).insecureSkipVerify") ?? false
        if let version = string("\(path).minimumVersion") {
            guard let parsed = TLSConfiguration.Version(rawValue: version) else {
                throw SettingsError(setting: "\(path).minimumVersion", origin: origin("\(path).minimumVersion"), message: "expected 1.2 or 1.3")
            }
            tls.minimumVersion = parsed
        }
        tls.handshakeTimeout = try duration("\(path).handshakeTimeout") ?? tls.handshakeTimeout
        return tls
    }
}
