import Foundation
import Logging
import TraefikConfig
#if canImport(Glibc)
import Glibc
#endif

/// Whether one Traefik pod serves the desired routers (`traefik.apiEndpoints`, polled on `/api/rawdata`).
public struct TraefikPodStatus: Sendable, Hashable, Codable {
    /// `http://10.0.0.7:8080` or `https://10.0.0.7:443` (a DNS name in the settings is expanded to one entry
    /// per address; each is still verified for that name).
    public var endpoint: String
    public var reachable: Bool
    /// Every desired router is there, and no router from the Redis provider that we do not want.
    public var converged: Bool
    /// When it was last seen to converge (ISO 8601), kept while it stays converged.
    public var convergedSince: String?
    public var missingRouters: [String]
    public var unexpectedRouters: [String]
    /// Routers from Redis that Traefik reports in error or disabled, with its message.
    public var routersInError: [String]
    public var error: String?
    /// The pod's Traefik version (`/api/version`), when it answered.
    public var version: String?
}

/// Polls Traefik pods' `/api/rawdata` and compares their `@redis` routers with the desired ones.
enum TraefikConvergence {
    /// The desired routers as `http/name`, `tcp/name`, `udp/name` (lowercased: Traefik ignores case).
    static func desiredRouters(pairs: [String], rootKey: String) -> Set<String> {
        var routers = Set<String>()
        for key in pairs {
            if let path = ConfigKeyPath(key, rootKey: rootKey), path.isRouter {
                routers.insert("\(path.section)/\(path.name)".lowercased())
            }
        }
        return routers
    }

    /// Each configured endpoint, with a DNS name expanded to one pod per IPv4 address (the pods of a headless
    /// Kubernetes service). The label names the pod (`https://10.0.0.7:8443`); the request still carries the
    /// URL's host, and an `https://` pod's certificate is checked against it.
    static func pods(_ configured: [HTTPEndpoint]) -> [(label: String, address: String, endpoint: HTTPEndpoint)] {
        var result: [(String, String, HTTPEndpoint)] = []
        for endpoint in configured {
            for address in resolve(endpoint.host) {
                let shown = address.contains(":") ? "[\(address)]" : address
                result.append(("\(endpoint.scheme.rawValue)://\(shown):\(endpoint.port)", address, endpoint))
            }
        }
        return result
    }

    /// One pod's status.
    static func check(
        label: String, address: String, endpoint: HTTPEndpoint, tls: HTTPClientTLS?, desired: Set<String>, logger: Logger
    ) async -> TraefikPodStatus {
        var status = TraefikPodStatus(
            endpoint: label, reachable: false, converged: false, convergedSince: nil, missingRouters: [], unexpectedRouters: [],
            routersInError: [], error: nil, version: nil)
        status.version = await version(endpoint: endpoint, address: address, tls: tls, logger: logger)?.description
        var rawdata = endpoint
        rawdata.requestTarget = "/api/rawdata"
        do {
            let (code, body) = try await HTTPFetch.get(rawdata, address: address, tls: tls, timeout: .seconds(3), logger: logger)
            guard code == 200, let raw = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                status.error = "GET /api/rawdata answered \(code)"
                return status
            }
            status.reachable = true
            var served = Set<String>()
            for (section, kind) in [("routers", "http"), ("tcpRouters", "tcp"), ("udpRouters", "udp")] {
                for (name, value) in raw[section] as? [String: Any] ?? [:] where name.hasSuffix("@redis") {
                    let router = "\(kind)/\(name.dropLast("@redis".count))".lowercased()
                    served.insert(router)
                    let info = value as? [String: Any] ?? [:]
                    if let state = info["status"] as? String, state != "enabled" {
                        let errors = (info["error"] as? [String] ?? []).joined(separator: "; ")
                        status.routersInError.append("\(router): \(state)\(errors.isEmpty ? "" : " (\(errors))")")
                    }
                }
            }
            status.missingRouters = desired.subtracting(served).sorted()
            status.unexpectedRouters = served.subtracting(desired).sorted()
            status.converged = status.missingRouters.isEmpty && status.unexpectedRouters.isEmpty
        } catch {
            status.error = "\(error)"
        }
        return status
    }

    /// The pod's Traefik version from `/api/version` (`{"Version":"3.2.3",…}`), or nil when it did not say.
    static func version(endpoint: HTTPEndpoint, address: String, tls: HTTPClientTLS?, logger: Logger) async -> TraefikVersion? {
        var request = endpoint
        request.requestTarget = "/api/version"
        guard let (code, body) = try? await HTTPFetch.get(request, address: address, tls: tls, timeout: .seconds(3), logger: logger),
            code == 200, let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let text = object["Version"] as? String
        else { return nil }
        return TraefikVersion(parsing: text)
    }

    /// IPv4 addresses of `host` (itself when it is an address).
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [host] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    var inAddress = pointer.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &inAddress, &buffer, socklen_t(buffer.count))
                }
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses.isEmpty ? [host] : addresses
    }
}
