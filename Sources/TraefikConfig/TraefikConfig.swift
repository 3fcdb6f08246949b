/// Traefik dynamic configuration: loading files, validating them against Traefik's schema, rendering them to
/// the key/value pairs Traefik's Redis provider reads, and parsing those pairs back.
///
/// This module knows nothing of Redis: it turns files into pairs and pairs into a model.
public enum TraefikConfig {
    /// The root key Traefik's KV providers use when none is configured.
    public static let defaultRootKey = "traefik"
}
