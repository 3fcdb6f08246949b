import Foundation
import Logging

/// One change of a node's notification health, as POSTed to `alerts.webhookURL`.
public struct AlertEvent: Sendable, Hashable, Codable {
    /// `notifications.failing` or `notifications.recovered`.
    public var event: String
    public var instance: String
    public var node: String
    public var role: String
    public var state: String
    public var detail: String
    public var remedy: String?
    /// ISO 8601.
    public var at: String
}

/// POSTs ``AlertEvent``s as JSON, trying three times (0.5 s, 1 s apart) before giving up with an error log.
struct AlertWebhook: Sendable {
    let url: URL
    let logger: Logger

    init?(url text: String?, logger: Logger) {
        guard let text, let url = URL(string: text), url.host != nil else { return nil }
        self.url = url
        self.logger = logger
    }

    func send(_ event: AlertEvent) async {
        guard let host = url.host, let body = try? JSONEncoder().encode(event) else { return }
        let port = url.port ?? 80
        let path = url.path.isEmpty ? "/" : url.path + (url.query.map { "?\($0)" } ?? "")
        var failure = ""
        for (attempt, pause) in [Duration.zero, .milliseconds(500), .seconds(1)].enumerated() {
            try? await Task.sleep(for: pause)
            do {
                let status = try await HTTPFetch.postJSON(host: host, port: port, path: path, body: Array(body), timeout: .seconds(5))
                if (200..<300).contains(status) { return }
                failure = "answered \(status)"
            } catch {
                failure = "\(error)"
            }
            logger.warning("alert webhook failed", metadata: ["attempt": "\(attempt + 1)", "error": "\(failure)"])
        }
        logger.error("alert webhook gave up after 3 attempts", metadata: ["event": "\(event.event)", "node": "\(event.node)", "error": "\(failure)"])
    }
}
