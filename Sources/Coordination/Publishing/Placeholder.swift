public import TraefikConfig

/// The one permanent, unused element we keep under the root key.
///
/// Measured on Traefik 3.7.15: deleting every key under the root key is never applied (the old routes keep
/// serving), and an empty decoded configuration is skipped. With this element always present, removing the
/// last real router takes effect. It is a service that no router uses — one key, no servers, so Traefik opens
/// no connection for it. Its name is reserved: a desired configuration may not use it.
public enum Placeholder {
    /// The reserved service name.
    public static let name = "traefik-coordinator-placeholder"

    /// `<rootKey>/http/services/traefik-coordinator-placeholder/loadBalancer/passHostHeader = true`.
    public static func pair(rootKey: String) -> KVPair {
        KVPair(key: "\(rootKey)/http/services/\(name)/loadBalancer/passHostHeader", value: "true")
    }

    /// True when a rendered key belongs to an element named like the placeholder (Traefik compares names
    /// without regard to case).
    public static func collides(_ key: String, rootKey: String) -> Bool {
        ConfigKeyPath(key, rootKey: rootKey)?.name.lowercased() == name
    }
}
