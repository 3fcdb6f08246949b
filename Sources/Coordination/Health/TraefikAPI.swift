public import Logging

/// The Traefik pods whose API is checked for convergence (`traefik.apiEndpoints`), with the TLS settings
/// (`traefik.apiTLS`) for the `https://` ones, loaded once at start.
public struct TraefikAPI: Sendable {
    let endpoints: [HTTPEndpoint]
    /// Present when an endpoint is `https://`.
    let tls: HTTPClientTLS?
    let logger: Logger

    /// The endpoints of `settings`.
    ///
    /// - Throws: the setting that cannot be used: an endpoint that is not an `http://` or `https://` URL, or a
    ///   file of `traefik.apiTLS`.
    public init(settings: CoordinatorSettings, logger: Logger) throws(SettingsError) {
        var endpoints: [HTTPEndpoint] = []
        for text in settings.apiEndpoints {
            do {
                endpoints.append(try HTTPEndpoint(parsing: text, defaultHTTPPort: 8080))
            } catch {
                throw SettingsError(setting: "traefik.apiEndpoints", message: error.message)
            }
        }
        self.endpoints = endpoints
        tls = endpoints.contains { $0.scheme == .https } ? try HTTPClientTLS(configuration: settings.traefikAPITLS) : nil
        self.logger = logger
    }

    /// True when no endpoint is configured.
    public var isEmpty: Bool { endpoints.isEmpty }

    /// Every pod's status against the `desired` routers (`http/name`, …), in the order of the settings.
    func check(desired: Set<String>) async -> [TraefikPodStatus] {
        var statuses: [TraefikPodStatus] = []
        for (label, address, endpoint) in TraefikConvergence.pods(endpoints) {
            statuses.append(
                await TraefikConvergence.check(
                    label: label, address: address, endpoint: endpoint, tls: endpoint.scheme == .https ? tls : nil,
                    desired: desired, logger: logger))
        }
        return statuses
    }
}
