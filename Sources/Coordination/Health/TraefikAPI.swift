public import Logging
public import TraefikConfig

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

    /// Every pod's Traefik version (`/api/version`; nil for a pod that did not answer), in the order of the settings.
    public func versions() async -> [(pod: String, version: TraefikVersion?)] {
        var found: [(pod: String, version: TraefikVersion?)] = []
        for (label, address, endpoint) in TraefikConvergence.pods(endpoints) {
            found.append((label, await TraefikConvergence.version(
                endpoint: endpoint, address: address, tls: endpoint.scheme == .https ? tls : nil, logger: logger)))
        }
        return found
    }

    /// What to validate for: the oldest of `traefik.version` and the pods' versions (`pods`), named by where it
    /// came from; the newest known when neither says.
    public static func target(configured: TraefikVersion?, pods: [(pod: String, version: TraefikVersion?)]) -> TraefikTarget {
        var target = configured.map { TraefikTarget.clamped($0, source: "traefik.version") }
        for case let (pod, version?) in pods where target == nil || version < target!.version {
            target = TraefikTarget.clamped(version, source: "pod \(pod)")
        }
        return target ?? .newest
    }

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
