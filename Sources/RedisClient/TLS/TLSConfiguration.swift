/// How to speak TLS to a Redis or Sentinel server, with the names of Traefik's Redis provider. The
/// coordinator's HTTPS clients (`alerts.tls`, `traefik.apiTLS`) use the same keys and the same handler.
///
/// | Key | Default | Meaning |
/// |---|---|---|
/// | `ca` | system trust store | PEM file of the CA certificates that sign the server's certificate |
/// | `cert`, `key` | none | PEM client certificate (chain) and private key, for servers with `tls-auth-clients yes` |
/// | `serverName` | the host or IP connected to | name used for SNI and checked against the certificate |
/// | `insecureSkipVerify` | `false` | accept any server certificate; a warning is logged on every connect |
/// | `minimumVersion` | TLS 1.2 | oldest protocol version offered |
/// | `handshakeTimeout` | 5 s | bound on the TLS handshake, after TCP connected |
/// | `shutdownTimeout` | 1 s | how long a close waits for the server's `close_notify` |
///
/// Host names are verified with `SSL_set1_host` (and sent as SNI); IP addresses with
/// `X509_VERIFY_PARAM_set1_ip_asc` (no SNI, as RFC 6066 requires). The files are read again for every new
/// connection and a new OpenSSL context is built when their contents changed (see ``TLSContextCache``).
public struct TLSConfiguration: Sendable, Hashable {
    /// The oldest TLS version offered.
    public enum Version: String, Sendable, Hashable, CaseIterable {
        case tls12 = "1.2"
        case tls13 = "1.3"
    }

    /// CA certificates (PEM) trusted for the server's certificate; `nil` uses the system trust store.
    public var caFile: String?
    /// Client certificate chain (PEM), presented when the server asks (mTLS). Needs ``privateKeyFile``.
    public var certificateFile: String?
    /// Private key (PEM, unencrypted) of ``certificateFile``.
    public var privateKeyFile: String?
    /// Name for SNI and certificate verification, instead of the host connected to.
    public var serverName: String?
    /// Skips every check of the server's certificate. For experiments only: it allows any man in the middle.
    public var insecureSkipVerify: Bool
    /// The oldest version offered.
    public var minimumVersion: Version
    /// Bound on the handshake once TCP is connected.
    public var handshakeTimeout: Duration
    /// Bound on waiting for the peer's `close_notify` after ours was sent.
    public var shutdownTimeout: Duration
    /// The settings path these values came from (`redis.tls`, `redis.sentinel.tls`, `alerts.tls`), used in
    /// error messages.
    public var settingsPath: String

    /// Creates a configuration; with no arguments: verify against the system trust store, no client certificate.
    public init(
        caFile: String? = nil,
        certificateFile: String? = nil,
        privateKeyFile: String? = nil,
        serverName: String? = nil,
        insecureSkipVerify: Bool = false,
        minimumVersion: Version = .tls12,
        handshakeTimeout: Duration = .seconds(5),
        shutdownTimeout: Duration = .seconds(1),
        settingsPath: String = "redis.tls"
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
        self.minimumVersion = minimumVersion
        self.handshakeTimeout = handshakeTimeout
        self.shutdownTimeout = shutdownTimeout
        self.settingsPath = settingsPath
    }
}
