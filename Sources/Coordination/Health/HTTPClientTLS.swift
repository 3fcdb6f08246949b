import Logging
import NIOPosix
import RedisClient

/// TLS for one of the coordinator's HTTPS clients (`alerts.tls`, `traefik.apiTLS`), through the same OpenSSL
/// layer as Redis connections: its contexts, its ``TLSHandler`` and its errors.
///
/// The server's certificate is verified against `ca`, or the system trust store when unset (OpenSSL's
/// default paths, which honour `SSL_CERT_FILE` and `SSL_CERT_DIR`), and against the URL's host name or IP
/// address (or `serverName`). The files are loaded at start, so a missing or unusable one stops the start
/// naming the setting, and read again before each request, so a rotated CA bundle is picked up.
struct HTTPClientTLS: Sendable {
    let contexts: TLSContextCache

    var configuration: TLSConfiguration { contexts.configuration }

    /// Loads the files of `configuration`.
    ///
    /// - Throws: the setting that cannot be used (`alerts.tls.ca`) and why.
    init(configuration: TLSConfiguration) throws(SettingsError) {
        do {
            contexts = try TLSContextCache(configuration: configuration)
        } catch {
            if case .configuration(let setting, let reason) = error { throw SettingsError(setting: setting, message: reason) }
            throw SettingsError(setting: configuration.settingsPath, message: error.description)
        }
    }

    /// Called before each connection: warns when verification is off, and switches to changed files.
    func prepare(endpoint: String, logger: Logger) async {
        let path = configuration.settingsPath
        if configuration.insecureSkipVerify {
            logger.warning(
                "TLS certificate verification is OFF for this connection: anyone on the network path can impersonate the server; set \(path).ca instead of \(path).insecureSkipVerify",
                metadata: ["endpoint": "\(endpoint)"])
        }
        let contexts = self.contexts
        _ = try? await NIOThreadPool.singleton.runIfActive { contexts.refresh(logger: logger) }
    }

    /// A client handler for a server reached as `host` (the URL's host name or IP address).
    func handler(host: String) throws(TLSError) -> TLSHandler {
        try TLSHandler(
            clientContext: contexts.current, serverName: configuration.serverName ?? host,
            handshakeTimeout: configuration.handshakeTimeout, shutdownTimeout: configuration.shutdownTimeout,
            settingsPath: configuration.settingsPath)
    }
}
