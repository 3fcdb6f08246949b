@testable import Coordination
import Foundation
import RedisClient
import Testing

/// `alerts.webhookURL`, `traefik.apiEndpoints` and their TLS sections (`alerts.tls`, `traefik.apiTLS`).
@Suite("HTTPS settings: schemes, default ports, TLS sections")
struct HTTPSSettingsTests {
    func load(_ yaml: String, environment: [String: String] = [:]) throws -> CoordinatorSettings {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tc-https-settings-\(UUID().uuidString).yaml").path
        try ("redis:\n  endpoints: [\"127.0.0.1:6379\"]\n" + yaml).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try CoordinatorSettings.load(file: path, environment: environment)
    }

    func failure(_ yaml: String, environment: [String: String] = [:]) throws -> SettingsError {
        try #require(throws: SettingsError.self) { try load(yaml, environment: environment) }
    }

    @Test("https:// is accepted for both; without a TLS section the system trust store is used (no CA file)")
    func httpsAccepted() throws {
        let settings = try load(
            "alerts:\n  webhookURL: https://hooks.slack.com/services/T0/B0/xyz\ntraefik:\n  apiEndpoints: [\"https://traefik-api.traefik:8443\", \"http://10.0.0.7:8080\"]\n")
        #expect(settings.alertWebhookURL == "https://hooks.slack.com/services/T0/B0/xyz")
        #expect(settings.alertTLS == TLSConfiguration(settingsPath: "alerts.tls"))
        #expect(settings.alertTLS.caFile == nil && !settings.alertTLS.insecureSkipVerify)
        #expect(settings.traefikAPITLS == TLSConfiguration(settingsPath: "traefik.apiTLS"))
        #expect(settings.apiEndpoints.count == 2)
    }

    @Test("the TLS sections take redis.tls's keys, from the file or the environment")
    func tlsSections() throws {
        let settings = try load(
            """
            alerts:
              webhookURL: https://alertmanager.monitoring:9093/api/v2/alerts
              tls:
                ca: /etc/ca/alerts.crt
                cert: /etc/tls/tls.crt
                key: /etc/tls/tls.key
                serverName: alertmanager.internal
                minimumVersion: "1.3"
                handshakeTimeout: 2s
            traefik:
              apiEndpoints: ["https://traefik-api:8443"]
              apiTLS:
                ca: /etc/ca/traefik.crt
            """,
            environment: ["TRAEFIK_COORDINATOR_TRAEFIK_API_TLS_SERVER_NAME": "traefik.internal"])
        #expect(settings.alertTLS.caFile == "/etc/ca/alerts.crt")
        #expect(settings.alertTLS.certificateFile == "/etc/tls/tls.crt" && settings.alertTLS.privateKeyFile == "/etc/tls/tls.key")
        #expect(settings.alertTLS.serverName == "alertmanager.internal")
        #expect(settings.alertTLS.minimumVersion == .tls13 && settings.alertTLS.handshakeTimeout == .seconds(2))
        #expect(settings.alertTLS.settingsPath == "alerts.tls")
        #expect(settings.traefikAPITLS.caFile == "/etc/ca/traefik.crt")
        #expect(settings.traefikAPITLS.serverName == "traefik.internal")
        #expect(settings.traefikAPITLS.settingsPath == "traefik.apiTLS")
    }

    @Test("environment names treat a run of capitals as one word; the old ..._WEBHOOK_U_R_L still works")
    func environmentNames() throws {
        #expect(SettingsSchema.environmentName(of: "alerts.webhookURL") == "TRAEFIK_COORDINATOR_ALERTS_WEBHOOK_URL")
        #expect(SettingsSchema.environmentName(of: "traefik.apiTLS.ca") == "TRAEFIK_COORDINATOR_TRAEFIK_API_TLS_CA")
        #expect(SettingsSchema.environmentName(of: "alerts.tls.insecureSkipVerify") == "TRAEFIK_COORDINATOR_ALERTS_TLS_INSECURE_SKIP_VERIFY")
        #expect(SettingsSchema.environmentName(of: "redis.sentinel.masterName") == "TRAEFIK_COORDINATOR_REDIS_SENTINEL_MASTER_NAME")
        let current = try load("", environment: [
            "TRAEFIK_COORDINATOR_ALERTS_WEBHOOK_URL": "https://hooks.example/a", "TRAEFIK_COORDINATOR_ALERTS_TLS_CA": "/etc/ca.crt",
        ])
        #expect(current.alertWebhookURL == "https://hooks.example/a" && current.alertTLS.caFile == "/etc/ca.crt")
        let legacy = try load("", environment: ["TRAEFIK_COORDINATOR_ALERTS_WEBHOOK_U_R_L": "http://relay:8080/a"])
        #expect(legacy.alertWebhookURL == "http://relay:8080/a")
    }

    @Test("ftp://, a missing scheme, no host or a bad port are refused at start, naming the setting and the fix, never quoting the URL")
    func unknownSchemes() throws {
        let ftp = try failure("alerts:\n  webhookURL: ftp://hooks.example/secret-token-81f3\n")
        #expect(ftp.setting == "alerts.webhookURL" && ftp.origin?.hasSuffix(":4") == true, "\(ftp)")
        #expect(ftp.message.contains("ftp:// is not supported") && ftp.message.contains("write http://host:port or https://host:port"), "\(ftp)")
        #expect(!ftp.description.contains("secret-token-81f3"))
        let noScheme = try failure("traefik:\n  apiEndpoints: [\"traefik-api:8080\"]\n")
        #expect(noScheme.setting == "traefik.apiEndpoints" && noScheme.message.contains("no scheme"), "\(noScheme)")
        #expect(try failure("traefik:\n  apiEndpoints: [\"10.0.0.7:8080\"]\n").setting == "traefik.apiEndpoints")
        #expect(try failure("traefik:\n  apiEndpoints: [\"ftp://10.0.0.7\"]\n").message.contains("ftp://"))
        #expect(try failure("alerts:\n  webhookURL: \"https://\"\n").message.contains("no host"))
        #expect(try failure("alerts:\n  webhookURL: \"http://relay:0/x\"\n").message.contains("between 1 and 65535"))
        let environment = try failure("", environment: ["TRAEFIK_COORDINATOR_ALERTS_WEBHOOK_URL": "hooks.example/x"])
        #expect(environment.setting == "alerts.webhookURL" && environment.origin == "env TRAEFIK_COORDINATOR_ALERTS_WEBHOOK_URL")
    }

    @Test("a TLS section without an https:// URL to use it is an error naming the section's key")
    func unusedTLSSection() throws {
        let alerts = try failure("alerts:\n  webhookURL: http://relay:8080/x\n  tls:\n    ca: /etc/ca.crt\n")
        #expect(alerts.setting == "alerts.tls.ca" && alerts.message.contains("https://"), "\(alerts)")
        let traefik = try failure("traefik:\n  apiEndpoints: [\"http://10.0.0.7:8080\"]\n  apiTLS:\n    insecureSkipVerify: true\n")
        #expect(traefik.setting == "traefik.apiTLS.insecureSkipVerify", "\(traefik)")
        #expect(try failure("alerts:\n  tls:\n    ca: /etc/ca.crt\n").setting == "alerts.tls.ca")
    }

    @Test("default ports per scheme: http 80 (Traefik's API: 8080, as before), https 443; Host omits the scheme's own port")
    func defaultPorts() throws {
        let http = try HTTPEndpoint(parsing: "http://relay.example/hook")
        #expect(http.scheme == .http && http.port == 80 && http.hostHeader == "relay.example" && http.requestTarget == "/hook")
        let https = try HTTPEndpoint(parsing: "HTTPS://hooks.example")
        #expect(https.scheme == .https && https.port == 443 && https.requestTarget == "/" && https.hostHeader == "hooks.example")
        #expect(try HTTPEndpoint(parsing: "http://traefik", defaultHTTPPort: 8080).port == 8080)
        #expect(try HTTPEndpoint(parsing: "https://traefik", defaultHTTPPort: 8080).port == 443)
        let explicit = try HTTPEndpoint(parsing: "https://[::1]:8443/a%20b?x=1")
        #expect(explicit.host == "::1" && explicit.port == 8443 && explicit.hostHeader == "[::1]:8443" && explicit.requestTarget == "/a%20b?x=1")
    }

    @Test("the alert's text is one sentence: what changed, on which node, the fix")
    func alertText() {
        let failing = AlertEvent(
            event: "notifications.failing", instance: "c1", node: "10.0.0.5:6379", role: "replica", state: "missingClasses",
            detail: "notify-keyspace-events is '': missing Kg$", remedy: "run `CONFIG SET notify-keyspace-events KEA` on 10.0.0.5:6379",
            at: "2026-12-01T10:00:00Z")
        #expect(
            failing.text
                == "traefik-coordinator c1: keyspace notifications are failing on replica 10.0.0.5:6379 (missingClasses: notify-keyspace-events is '': missing Kg$), so Traefik misses changes made through it; fix: run `CONFIG SET notify-keyspace-events KEA` on 10.0.0.5:6379."
        )
        let recovered = AlertEvent(
            event: "notifications.recovered", instance: "c1", node: "10.0.0.5:6379", role: "master", state: "healthy", detail: "",
            remedy: nil, at: "2026-12-01T10:05:00Z")
        #expect(recovered.text == "traefik-coordinator c1: keyspace notifications are healthy again on master 10.0.0.5:6379; Traefik sees changes made through it.")
    }
}
