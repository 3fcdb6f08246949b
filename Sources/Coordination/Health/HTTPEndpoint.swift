import Foundation

/// An `http://` or `https://` URL the coordinator calls (`alerts.webhookURL`, `traefik.apiEndpoints`), split
/// into what a request needs.
///
/// Any other scheme, or none, is refused: Foundation reads `traefik-api:8080` as the scheme `traefik-api`
/// with no host, so such an endpoint used to be skipped in silence, and `ftp://` was queried in plain HTTP.
struct HTTPEndpoint: Sendable, Hashable {
    enum Scheme: String, Sendable, Hashable {
        case http, https
    }

    var scheme: Scheme
    /// The host as written (brackets removed from an IPv6 literal): what the certificate is checked against.
    var host: String
    var port: Int
    /// Path and query, still percent-encoded (`/services/T0/B0/xyz?x=1`), `/` when empty.
    var requestTarget: String

    /// The `Host` header: the port only when it is not the scheme's own.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (scheme == .https ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// Parses `text`. Without a port, `https` uses 443 and `http` uses `defaultHTTPPort` (80 for the webhook;
    /// 8080, the port of Traefik's API entry point, for `traefik.apiEndpoints`, as before `https` existed).
    ///
    /// - Throws: a message saying what is wrong and what to write instead. It never quotes the URL: a chat
    ///   webhook's path is its secret.
    init(parsing text: String, defaultHTTPPort: Int = 80) throws(HTTPEndpointError) {
        guard let components = URLComponents(string: text) else {
            throw HTTPEndpointError(message: "not a valid URL (spaces and other special characters must be percent-encoded)")
        }
        // `host:port` parses as the scheme `host` with no authority: only `scheme://` counts.
        guard let schemeText = components.scheme?.lowercased(), text.contains("://") else {
            throw HTTPEndpointError(message: "the URL has no scheme: write http://host:port or https://host:port")
        }
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw HTTPEndpointError(
                message: "the scheme \(schemeText):// is not supported: write http://host:port or https://host:port")
        }
        guard let host = components.host, !host.isEmpty else {
            throw HTTPEndpointError(message: "the \(scheme.rawValue):// URL has no host")
        }
        if components.user != nil || components.password != nil {
            throw HTTPEndpointError(message: "user:password@ in the URL is not supported (and would put a secret in the settings)")
        }
        let port = components.port ?? (scheme == .https ? 443 : defaultHTTPPort)
        guard (1...65_535).contains(port) else {
            throw HTTPEndpointError(message: "the port must be between 1 and 65535, got \(port)")
        }
        self.scheme = scheme
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        self.requestTarget = path + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
    }
}

/// Why a URL cannot be used; the settings code adds the setting's name and origin.
struct HTTPEndpointError: Error, Sendable, Hashable {
    var message: String
}
