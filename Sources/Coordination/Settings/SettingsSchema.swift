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
            "traefik.rootKey": .string, "traefik.redisUsername": .string, "traefik.version": .string, "traefik.dynamic": .string, "traefik.apiEndpoints": .list,
            "coordinator.instanceId": .string, "coordinator.statePrefix": .string, "coordinator.prune": .string,
            "coordinator.reconcileInterval": .duration, "coordinator.debounce": .duration,
            "coordinator.atomicLimit": .int,
            "lease.duration": .duration, "lease.renewDeadline": .duration, "lease.retryPeriod": .duration,
            "notifications.required": .string, "notifications.checkInterval": .duration, "notifications.autoFix": .bool,
            "admin.listen": .string, "log.level": .string, "log.format": .string, "alerts.webhookURL": .string,
        ]
        for section in ["redis.tls", "redis.sentinel.tls", "alerts.tls", "traefik.apiTLS"] {
            for (leaf, kind) in tlsLeaves { leaves["\(section).\(leaf)"] = kind }
        }
        return leaves
    }()

    /// Paths that are sections (maps of further settings).
    static let sections: Set<String> = [
        "redis", "redis.sentinel", "redis.tls", "redis.sentinel.tls", "traefik", "coordinator", "lease",
        "notifications", "admin", "log", "alerts",
        // TLS for https:// URLs: sections only (the scheme turns TLS on), with the leaves of `redis.tls`.
        "alerts.tls", "traefik.apiTLS",
    ]

    static func kind(of path: String) -> Kind? { leaves[path] }
    static func isSection(_ path: String) -> Bool { sections.contains(path) }

    /// `redis.sentinel.masterName` → `TRAEFIK_COORDINATOR_REDIS_SENTINEL_MASTER_NAME`. A run of capitals is one
    /// word: `alerts.webhookURL` → `TRAEFIK_COORDINATOR_ALERTS_WEBHOOK_URL`, `traefik.apiTLS.ca` →
    /// `TRAEFIK_COORDINATOR_TRAEFIK_API_TLS_CA`.
    static func environmentName(of path: String) -> String {
        environmentName(of: path, splittingEveryCapital: false)
    }

    /// With `splittingEveryCapital`, the spelling before runs of capitals were one word
    /// (`..._WEBHOOK_U_R_L`), still accepted.
    private static func environmentName(of path: String, splittingEveryCapital: Bool) -> String {
        var name = SettingsSource.environmentPrefix
        for (index, component) in path.split(separator: ".").enumerated() {
            if index > 0 { name += "_" }
            var previous: Character?
            for character in component {
                let startsWord = splittingEveryCapital || previous.map { !$0.isUppercase } == true
                if character.isUppercase, startsWord { name += "_" }
                name += character.uppercased()
                previous = character
            }
        }
        return name
    }

    private static let byEnvironmentName: [String: String] = {
        var names: [String: String] = [:]
        for path in leaves.keys {
            names[environmentName(of: path, splittingEveryCapital: true)] = path
            names[environmentName(of: path)] = path
        }
        return names
    }()

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
