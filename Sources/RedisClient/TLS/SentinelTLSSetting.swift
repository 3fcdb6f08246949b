/// TLS for Sentinel connections (`redis.sentinel.tls`), which defaults to the data nodes' (`redis.tls`).
///
/// Sentinels often share the data nodes' certificates, but not always: some deployments run sentinels in
/// plaintext inside the cluster network, or with certificates from another CA. So the setting has three states.
public enum SentinelTLSSetting: Sendable, Hashable {
    /// Not set: use the data nodes' TLS settings (or plaintext when they have none).
    case inherit
    /// `redis.sentinel.tls: false`: sentinels speak plaintext even when the data nodes use TLS.
    case disabled
    /// Sentinels' own TLS settings.
    case enabled(TLSConfiguration)

    /// The TLS configuration for sentinel connections, or `nil` for plaintext.
    public func resolve(dataNodes: TLSConfiguration?) -> TLSConfiguration? {
        switch self {
        case .inherit: return dataNodes
        case .disabled: return nil
        case .enabled(let own): return own
        }
    }
}
