import Coordination
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import NIOCore
import Prometheus

/// The admin HTTP server (`admin.listen`): `GET /healthz` (the process is up), `GET /readyz` (Redis reachable,
/// a valid configuration loaded, no Redis configuration or permission problem, and not shutting down), `GET /metrics` (Prometheus text) and `GET /status` (JSON).
enum AdminServer {
    /// The Hummingbird application (a `Service`) serving the admin endpoints.
    static func application(
        coordinator: Coordinator, listen: String, metrics: PrometheusCollectorRegistry, logger: Logger
    ) throws -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            let status = await coordinator.status()
            let text: String
            if status.ready {
                text = "ready\n"
            } else if status.stopping {
                text = "not ready: shutting down\n"
            } else if let problem = status.redisProblems.first(where: { $0.kind != .transient }) {
                text = "not ready: Redis \(problem.kind.rawValue) problem (\(problem.activity.rawValue)); see /status redisProblems\n"
            } else {
                text = "not ready: " + (status.masterAddress == nil ? "Redis unreachable\n" : "no valid desired configuration\n")
            }
            return Response(
                status: status.ready ? .ok : .serviceUnavailable, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/status") { _, _ -> Response in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let body = try encoder.encode(await coordinator.status())
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        let (host, port) = try split(listen)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "traefik-coordinator"),
            logger: logger)
    }

    /// `host:port` → its parts (`[::]:8080` for IPv6).
    static func split(_ listen: String) throws -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw SettingsError(setting: "admin.listen", message: "expected host:port, e.g. 0.0.0.0:8080, got '\(listen)'")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
