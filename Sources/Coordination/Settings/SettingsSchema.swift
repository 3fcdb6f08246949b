/// Every setting the coordinator knows: its dotted path, its kind and its default, in one table. Paths use
/// Traefik's Redis provider names where they exist (ARCHITECTURE.md, "Contract for operators").
enum SettingsSchema {
    enum Kind: Sendable, Hashable, CustomStringConvertible {
        case string, int, bool, duration, list, map
        /// `redis.tls`, `redis.sentinel.tls`: `true`/`false`, or a section of TLS settings.
        case tlsSwitch

        var description: String {
            switch self {
            case .string: return "a string"
            case .int: return "an integer"
            case .bool: return "true or false"
            case .duration: return "a duration such as 500ms, 10s or 1m"
            case .list: return "a list (or one value)"
            case .map: return "a map"
            case .tlsSwitch: return "true, false or a map of TLS settings"
            }
        }
    }

    static let tlsLeaves: [(String, Kind)] = [
        ("ca", .string), ("cert", .string), ("key", .string), ("serverName", .string),
        ("insecureSkipVerify", .bool), ("minimumVersion", .string), ("handshakeTimeout", .duration),
    ]

    /// Leaf paths and their kinds.
    static let leaves: [String: Kind] = {
        var leaves: [String: Kind] = [
            "redis.endpoints": .list, "redis.db": .int, "redis.username": .string, "redis.password": .string,
            "redis.passwordFile": .string, "redis.tls": .tlsSwitch, "redis.addressMap": .map,
            "redis.connectTimeout": .duration, "redis.commandTimeout": .duration,
            "redis.sentinel.masterName": .string, "redis.sentinel.username": .string,
            "redis.sentinel.password": .string, "redis.sentinel.passwordFile": .string, "redis.sentinel.tls": .tlsSwitch,
            "traefik.rootKey": .string, "traefik.dynamic": .string, "traefik.apiEndpoints": .list,
            "coordinator.instanceId": .string, "coordinator.statePrefix": .string, "coordinator.prune": .string,
            "coordinator.reconcileInterval": .duration, "coordinator.debounce": .duration,
            "coordinator.atomicLimit": .int,
            "lease.duration": .duration, "lease.renewDeadline": .duration, "lease.retryPeriod": .duration,
            "notifications.required": .string, "notifications.checkInterval": .duration, "notifications.autoFix": .bool,
            "admin.listen": .string, "log.level": .string, "log.format": .string, "alerts.webhookURL": .string,
        ]
        for section in ["redis.tls", "redis.sentinel.tls"] {
            for (leaf, kind) in tlsLeaves { leaves["\(section).\(leaf)"] = kind }
        }
        return leaves
    }()

    /// Paths that are sections (maps of further settings).
    static let sections: Set<String> = [
        "redis", "redis.sentinel", "redis.tls", "redis.sentinel.tls", "traefik", "coordinator", "lease",
        "notifications", "admin", "log", "alerts",
    ]

    static func kind(of path: String) -> Kind? { leaves[path] }
    static func isSection(_ path: String) -> Bool { sections.contains(path) }

    /// `redis.sentinel.masterName` → `TRAEFIK_COORDINATOR_REDIS_SENTINEL_MASTER_NAME`.
    static func environmentName(of path: String) -> String {
        var name = SettingsSource.environmentPrefix
        for (index, component) in path.split(separator: ".").enumerated() {
            if index > 0 { name += "_" }
            for character in component {
                if character.isUppercase { name += "_" }
                name += character.uppercased()
            }
        }
        return name
    }

    private static let byEnvironmentName: [String: String] = Dictionary(
        uniqueKeysWithValues: leaves.keys.map { (environmentName(of: $0), $0) })

    static func path(forEnvironmentName name: String) -> String? { byEnvironmentName[name] }

    /// The known path closest to a mistyped one: at most two edits away (letters, ignoring case).
    static func closest(to path: String) -> String? {
        let candidates = leaves.keys.sorted().map { ($0, distance($0.lowercased(), path.lowercased())) }
        guard let best = candidates.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }

    /// Levenshtein distance.
    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
