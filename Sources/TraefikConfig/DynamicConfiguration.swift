/// A checked Traefik dynamic configuration: what the coordinator publishes.
///
/// `root` holds the sections `http`, `tcp`, `udp` and `tls` in canonical form. `origins` remembers which file
/// defined each named element (`http.routers.api` → `conf/dynamic/app.yml`) for error messages; it plays no
/// part in equality or hashing.
public struct DynamicConfiguration: Sendable {
    public var root: ConfigNode
    public var origins: [String: String]

    public init(root: ConfigNode = .object([:]), origins: [String: String] = [:]) {
        self.root = root
        self.origins = origins
    }

    /// The named elements of one collection (`section` `http`, `collection` `routers`).
    public func elements(_ section: String, _ collection: String) -> [String: ConfigNode] {
        root[section]?[collection]?.children ?? [:]
    }

    /// The number of routers, services and middlewares over HTTP, TCP and UDP.
    public var elementCount: Int {
        var count = 0
        for section in ["http", "tcp", "udp"] {
            for collection in ["routers", "services", "middlewares"] {
                count += elements(section, collection).count
            }
        }
        return count
    }
}

extension DynamicConfiguration: Equatable {
    public static func == (lhs: DynamicConfiguration, rhs: DynamicConfiguration) -> Bool {
        lhs.root == rhs.root
    }
}
