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
    /// The whole event in one sentence (what changed, on which node, the fix), for chat webhooks: Slack and
    /// Mattermost incoming webhooks show a payload's `text`.
    public var text: String

    /// Creates an event; ``text`` is written from the other fields.
    public init(event: String, instance: String, node: String, role: String, state: String, detail: String, remedy: String?, at: String) {
        self.event = event
        self.instance = instance
        self.node = node
        self.role = role
        self.state = state
        self.detail = detail
        self.remedy = remedy
        self.at = at
        self.text = Self.sentence(event: event, instance: instance, node: node, role: role, state: state, detail: detail, remedy: remedy)
    }

    /// `traefik-coordinator c1: keyspace notifications are failing on replica 10.0.0.5:6379 (missingClasses: …),
    /// so Traefik misses changes made through it; fix: run `CONFIG SET …` …`.
    static func sentence(
        event: String, instance: String, node: String, role: String, state: String, detail: String, remedy: String?
    ) -> String {
        let prefix = "traefik-coordinator \(instance): keyspace notifications"
        if event == "notifications.recovered" {
            return "\(prefix) are healthy again on \(role) \(node); Traefik sees changes made through it."
        }
        var text = "\(prefix) are failing on \(role) \(node) (\(state)"
        if !detail.isEmpty { text += ": \(detail)" }
        text += "), so Traefik misses changes made through it"
        if let remedy, !remedy.isEmpty { text += "; fix: \(remedy)" }
        return text + (text.hasSuffix(".") ? "" : ".")
    }
}

/// POSTs ``AlertEvent``s as JSON to `alerts.webhookURL` (`http://` or `https://`), trying three times (0.5 s,
/// 1 s apart) before giving up with an error log.
struct AlertWebhook: Sendable {
    /// What became of one event.
    enum Delivery: Sendable, Hashable {
        /// The receiver answered 2xx on this attempt (1, 2 or 3).
        case delivered(attempt: Int)
        /// Every attempt failed; the last failure.
        case gaveUp(lastError: String)
    }

    let endpoint: HTTPEndpoint
    /// For `https://`: `alerts.tls`, loaded at start.
    let tls: HTTPClientTLS?
    let logger: Logger
    /// The pauses before each attempt.
    var pauses: [Duration] = [.zero, .milliseconds(500), .seconds(1)]
    var timeout: Duration = .seconds(5)

    /// The webhook of `settings` (nil without `alerts.webhookURL`).
    ///
    /// - Throws: the setting that cannot be used: the URL, or a file of `alerts.tls` for `https://`.
    static func make(settings: CoordinatorSettings, logger: Logger) throws(SettingsError) -> AlertWebhook? {
        guard let text = settings.alertWebhookURL else { return nil }
        let endpoint: HTTPEndpoint
        do {
            endpoint = try HTTPEndpoint(parsing: text)
        } catch {
            throw SettingsError(setting: "alerts.webhookURL", message: error.message)
        }
        let tls = endpoint.scheme == .https ? try HTTPClientTLS(configuration: settings.alertTLS) : nil
        return AlertWebhook(endpoint: endpoint, tls: tls, logger: logger)
    }

    /// Sends `event`; failures are logged (a warning per attempt, an error when giving up), never thrown.
    @discardableResult
    func send(_ event: AlertEvent) async -> Delivery {
        guard let body = try? JSONEncoder().encode(event) else { return .gaveUp(lastError: "cannot encode the event") }
        // The URL's path is not logged: a chat webhook's path is its secret.
        let receiver = "\(endpoint.scheme.rawValue)://\(endpoint.hostHeader)"
        var failure = ""
        for (attempt, pause) in pauses.enumerated() {
            try? await Task.sleep(for: pause)
            do {
                let status = try await HTTPFetch.postJSON(endpoint, body: Array(body), tls: tls, timeout: timeout, logger: logger)
                if (200..<300).contains(status) { return .delivered(attempt: attempt + 1) }
                failure = "\(receiver) answered \(status)"
            } catch {
                failure = "\(error)"
            }
            logger.warning("alert webhook failed", metadata: ["attempt": "\(attempt + 1)", "error": "\(failure)"])
        }
        logger.error(
            "alert webhook gave up after \(pauses.count) attempts",
            metadata: ["event": "\(event.event)", "node": "\(event.node)", "error": "\(failure)"])
        return .gaveUp(lastError: failure)
    }
}
