@testable import Coordination
import Foundation
import Logging
import RedisClient
import TestSupport
import Testing

/// Certificates for the HTTPS tests, made by the `openssl` command line tool once per test process.
struct HTTPSFixtures {
    let certificates: TestCertificates
    let ca: CertificateFiles
    let otherCA: CertificateFiles
    /// Signed by `ca`, valid for `localhost` and 127.0.0.1.
    let server: CertificateFiles
    /// Signed by `otherCA`, valid for `localhost` and 127.0.0.1: the same names, a CA we do not trust.
    let rogueServer: CertificateFiles
    /// Signed by `ca`, valid for `hooks.internal` only.
    let namedServer: CertificateFiles

    static let shared = Result { try HTTPSFixtures() }

    private init() throws {
        certificates = try TestCertificates(removeAtExit: true)
        ca = try certificates.makeCA("https-ca")
        otherCA = try certificates.makeCA("https-other-ca")
        server = try certificates.issue("https-server", by: ca, subjectAltNames: ["DNS:localhost", "IP:127.0.0.1"])
        rogueServer = try certificates.issue("https-rogue", by: otherCA, subjectAltNames: ["DNS:localhost", "IP:127.0.0.1"])
        namedServer = try certificates.issue("https-named", by: ca, subjectAltNames: ["DNS:hooks.internal"])
    }
}

/// The alert webhook over HTTPS against a real receiver (python3's http.server in `ssl`), through the
/// project's OpenSSL layer.
@Suite(
    "Alert webhook over HTTPS, real receiver",
    .enabled(if: ExternalTool.shouldRun("python3") && ExternalTool.shouldRun("openssl")), .timeLimit(.minutes(1))
)
struct HTTPSAlertWebhookTests {
    static let event = AlertEvent(
        event: "notifications.failing", instance: "c1", node: "10.0.0.5:6379", role: "replica", state: "missingClasses",
        detail: "notify-keyspace-events is '': missing Kg$", remedy: NodeNotificationHealth.remedy(node: "10.0.0.5:6379", required: "Kg$"),
        at: "2026-12-01T10:00:00Z")

    func webhook(url: String, ca: String?, logger: Logger = Logger(label: "test"), serverName: String? = nil) throws -> AlertWebhook {
        var settings = CoordinatorSettings()
        settings.alertWebhookURL = url
        settings.alertTLS.caFile = ca
        settings.alertTLS.serverName = serverName
        var webhook = try #require(try AlertWebhook.make(settings: settings, logger: logger))
        webhook.pauses = [.zero, .milliseconds(100)]
        return webhook
    }

    @Test("an alert reaches an HTTPS receiver whose certificate the configured CA signed; its JSON has every field and a text sentence")
    func delivered() async throws {
        let fixtures = try HTTPSFixtures.shared.get()
        let receiver = try await WebhookReceiver.start(tls: fixtures.server)
        defer { receiver.stopBlocking() }
        let url = receiver.url(host: "localhost", path: "/services/T000/B000/x%2Fy?channel=ops")
        let delivery = try await webhook(url: url, ca: fixtures.ca.certificate).send(Self.event)
        #expect(delivery == .delivered(attempt: 1), "receiver log: \(receiver.log)")
        let body = try #require(receiver.bodies.first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        for field in ["event", "instance", "node", "role", "state", "detail", "remedy", "at"] {
            #expect(json[field] as? String != nil, "field \(field) in \(body)")
        }
        let text = try #require(json["text"] as? String)
        #expect(text.contains("failing on replica 10.0.0.5:6379") && text.contains("c1"), "\(text)")
        #expect(text.contains("fix: run `CONFIG SET notify-keyspace-events KEA` on 10.0.0.5:6379"), "\(text)")
        #expect(!text.contains("\n"), "one line: \(text)")
        // The request target stays percent-encoded; SNI and Host name the URL's host.
        #expect(receiver.requests == ["/services/T000/B000/x%2Fy?channel=ops Host=localhost:\(receiver.port)"])
        #expect(receiver.serverNames == ["localhost"])
    }

    @Test("a receiver whose certificate the CA did not sign is refused: nothing delivered, the error names alerts.tls.ca")
    func untrustedReceiver() async throws {
        let fixtures = try HTTPSFixtures.shared.get()
        let receiver = try await WebhookReceiver.start(tls: fixtures.rogueServer)
        defer { receiver.stopBlocking() }
        let logs = CapturedLogs()
        let delivery = try await webhook(url: receiver.url(host: "localhost"), ca: fixtures.ca.certificate, logger: logs.logger()).send(Self.event)
        guard case .gaveUp(let error) = delivery else {
            Issue.record("expected a refusal, got \(delivery)")
            return
        }
        #expect(error.contains("server certificate rejected"), "\(error)")
        #expect(error.contains("not signed by a CA in alerts.tls.ca"), "\(error)")
        #expect(error.contains("https://localhost:\(receiver.port)"), "\(error)")
        #expect(receiver.bodies.isEmpty)
        #expect(logs.entries.contains { $0.level == .error && $0.message.contains("gave up after 2 attempts") && $0.metadata.contains("alerts.tls.ca") })
        #expect(receiver.log.contains("handshake failed"), "the receiver saw the refused handshakes: \(receiver.log)")
    }

    @Test("the certificate is checked against the URL's host: an IP the certificate does not list is refused, serverName fixes it")
    func hostVerification() async throws {
        let fixtures = try HTTPSFixtures.shared.get()
        let receiver = try await WebhookReceiver.start(tls: fixtures.namedServer)
        defer { receiver.stopBlocking() }
        let refused = try await webhook(url: receiver.url(host: "127.0.0.1"), ca: fixtures.ca.certificate).send(Self.event)
        guard case .gaveUp(let error) = refused else {
            Issue.record("expected a refusal, got \(refused)")
            return
        }
        #expect(error.contains("IP address 127.0.0.1") && error.contains("alerts.tls.serverName"), "\(error)")
        #expect(receiver.bodies.isEmpty)
        let named = try await webhook(url: receiver.url(host: "127.0.0.1"), ca: fixtures.ca.certificate, serverName: "hooks.internal")
            .send(Self.event)
        #expect(named == .delivered(attempt: 1))
        #expect(receiver.serverNames.last == "hooks.internal")
    }

    @Test("http:// still works in plaintext, with the port from the URL and 80 otherwise")
    func plainHTTP() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stopBlocking() }
        #expect(try await webhook(url: receiver.url(), ca: nil).send(Self.event) == .delivered(attempt: 1))
        #expect(receiver.bodies.count == 1)
        #expect(try HTTPEndpoint(parsing: "http://hooks.example/x").port == 80)
    }

    @Test("insecureSkipVerify delivers to any certificate and warns on every connection")
    func insecureSkipVerify() async throws {
        let fixtures = try HTTPSFixtures.shared.get()
        let receiver = try await WebhookReceiver.start(tls: fixtures.rogueServer)
        defer { receiver.stopBlocking() }
        let logs = CapturedLogs()
        var settings = CoordinatorSettings()
        settings.alertWebhookURL = receiver.url(host: "localhost")
        settings.alertTLS.insecureSkipVerify = true
        let webhook = try #require(try AlertWebhook.make(settings: settings, logger: logs.logger()))
        #expect(await webhook.send(Self.event) == .delivered(attempt: 1))
        #expect(logs.entries.contains { $0.level == .warning && $0.message.contains("verification is OFF") && $0.message.contains("alerts.tls.ca") })
    }

    @Test("a CA file that cannot be read stops the start, naming alerts.tls.ca; http:// needs no TLS files")
    func unusableCAFile() throws {
        var settings = CoordinatorSettings()
        settings.alertWebhookURL = "https://hooks.example/x"
        settings.alertTLS.caFile = "/nonexistent/ca.crt"
        let error = try #require(throws: SettingsError.self) { try AlertWebhook.make(settings: settings, logger: Logger(label: "test")) }
        #expect(error.setting == "alerts.tls.ca" && error.message.contains("/nonexistent/ca.crt"), "\(error)")
        settings.alertWebhookURL = "http://hooks.example/x"
        #expect(try AlertWebhook.make(settings: settings, logger: Logger(label: "test"))?.tls == nil)
    }
}

/// Traefik's API behind TLS (a python HTTPS proxy in front of a real Traefik's API port) checked for
/// convergence, as `traefik.apiEndpoints` with `https://` does.
@Suite(
    "Traefik convergence over HTTPS, real Traefik",
    .enabled(if: ExternalTool.shouldRun("redis-server") && ExternalTool.shouldRun("traefik") && ExternalTool.shouldRun("openssl")),
    .timeLimit(.minutes(2))
)
struct HTTPSTraefikConvergenceTests {
    @Test("an https:// endpoint is checked over TLS for its host: converged, then missing a router; an untrusted certificate is an error naming traefik.apiTLS.ca")
    func convergence() async throws {
        let fixtures = try HTTPSFixtures.shared.get()
        try await withRedisServer { server in
            for (key, value) in [
                ("traefik/http/routers/r0/rule", "Host(`r0.test`)"), ("traefik/http/routers/r0/service", "s0"),
                ("traefik/http/services/s0/loadBalancer/servers/0/url", "http://127.0.0.1:9"),
            ] {
                _ = try await server.cli("SET", key, value)
            }
            let traefik = try await TraefikProcess.start(providerArguments: [
                "--providers.redis.endpoints=\(server.address)", "--providers.redis.rootKey=traefik",
            ])
            defer { traefik.stopBlocking() }
            let proxy = try await HTTPSReverseProxy.start(upstreamPort: traefik.apiPort, tls: fixtures.server)
            defer { proxy.stopBlocking() }

            var settings = CoordinatorSettings()
            settings.apiEndpoints = ["https://localhost:\(proxy.port)"]
            settings.traefikAPITLS.caFile = fixtures.ca.certificate
            let api = try TraefikAPI(settings: settings, logger: Logger(label: "test"))
            var pods: [TraefikPodStatus] = []
            try await waitUntil("Traefik, read over HTTPS, serves r0") {
                pods = await api.check(desired: ["http/r0"])
                return pods.first?.converged == true
            }
            let pod = try #require(pods.first)
            #expect(pods.count == 1 && pod.endpoint == "https://127.0.0.1:\(proxy.port)", "\(pods)")
            #expect(pod.reachable && pod.error == nil && pod.missingRouters.isEmpty)
            #expect(proxy.requests.last == "/api/rawdata Host=localhost:\(proxy.port)")
            #expect(proxy.serverNames.allSatisfy { $0 == "localhost" } && !proxy.serverNames.isEmpty, "\(proxy.serverNames)")

            let missing = try #require(await api.check(desired: ["http/r0", "http/r1"]).first)
            #expect(missing.reachable && !missing.converged && missing.missingRouters == ["http/r1"], "\(missing)")

            settings.traefikAPITLS.caFile = fixtures.otherCA.certificate
            let requests = proxy.requests.count
            let untrusted = try #require(await TraefikAPI(settings: settings, logger: Logger(label: "test")).check(desired: ["http/r0"]).first)
            #expect(!untrusted.reachable && !untrusted.converged)
            #expect(untrusted.error?.contains("not signed by a CA in traefik.apiTLS.ca") == true, "\(untrusted.error ?? "")")
            #expect(proxy.requests.count == requests, "no request was sent over the refused connection")

            // Plain http:// to the same Traefik still works, labelled http://.
            settings.apiEndpoints = ["http://127.0.0.1:\(traefik.apiPort)"]
            let plain = try #require(await TraefikAPI(settings: settings, logger: Logger(label: "test")).check(desired: ["http/r0"]).first)
            #expect(plain.converged && plain.endpoint == "http://127.0.0.1:\(traefik.apiPort)", "\(plain)")
        }
    }

    @Test("endpoints: http:// defaults to Traefik's API port 8080, https:// to 443; a CA file that cannot be read names traefik.apiTLS.ca")
    func endpointsAndFiles() throws {
        var settings = CoordinatorSettings()
        settings.apiEndpoints = ["http://127.0.0.1", "https://127.0.0.1", "HTTPS://127.0.0.1:8443/ignored"]
        let api = try TraefikAPI(settings: settings, logger: Logger(label: "test"))
        #expect(api.tls != nil)
        #expect(TraefikConvergence.pods(api.endpoints).map(\.label) == ["http://127.0.0.1:8080", "https://127.0.0.1:443", "https://127.0.0.1:8443"])
        settings.apiEndpoints = ["http://127.0.0.1"]
        #expect(try TraefikAPI(settings: settings, logger: Logger(label: "test")).tls == nil, "no TLS files are loaded for http:// only")
        settings.apiEndpoints = ["https://traefik.example"]
        settings.traefikAPITLS.caFile = "/nonexistent/ca.crt"
        let error = try #require(throws: SettingsError.self) { try TraefikAPI(settings: settings, logger: Logger(label: "test")) }
        #expect(error.setting == "traefik.apiTLS.ca", "\(error)")
        settings.apiEndpoints = ["traefik-api:8080"]
        let noScheme = try #require(throws: SettingsError.self) { try TraefikAPI(settings: settings, logger: Logger(label: "test")) }
        #expect(noScheme.setting == "traefik.apiEndpoints" && noScheme.message.contains("no scheme"), "\(noScheme)")
    }
}

extension HTTPSAlertWebhookTests {
    @Test("https:// to a plaintext HTTP receiver fails the handshake and says the port does not speak TLS")
    func plaintextReceiver() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stopBlocking() }
        let delivery = try await webhook(url: receiver.url().replacingOccurrences(of: "http://", with: "https://"), ca: nil).send(Self.event)
        guard case .gaveUp(let error) = delivery else {
            Issue.record("expected a refusal, got \(delivery)")
            return
        }
        #expect(error.contains("does not speak TLS"), "\(error)")
        #expect(receiver.bodies.isEmpty)
    }
}
