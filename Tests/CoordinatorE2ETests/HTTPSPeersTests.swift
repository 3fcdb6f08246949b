import Foundation
import TestSupport
import Testing

/// The real `traefik-coordinator` binary calling HTTPS peers: an alert webhook (python3's http.server in
/// `ssl`) and Traefik's API behind a TLS proxy, with certificates from a test CA made by `openssl`.
@Suite(
    "HTTPS alert webhook and Traefik API, real binary",
    .enabled(if: ExternalTool.shouldRun("redis-server") && ExternalTool.shouldRun("openssl") && ExternalTool.shouldRun("python3")),
    .timeLimit(.minutes(3))
)
struct HTTPSPeersTests {
    static func dynamicDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-https-peers-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            http:
              routers:
                app:
                  rule: "Host(`app.test`)"
                  service: app
              services:
                app:
                  loadBalancer:
                    servers:
                      - url: "http://127.0.0.1:9"
            """.write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
        return directory
    }

    @Test("run: an https:// webhook trusted through the system trust store (SSL_CERT_FILE, no alerts.tls) gets the alert with its text; without the CA it is refused")
    func webhookThroughSystemTrust() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let ca = try certificates.makeCA("webhook-ca")
        let server = try certificates.issue("webhook", by: ca, subjectAltNames: ["DNS:localhost"])
        try await withRedisServer(["notify-keyspace-events \"\""]) { redis in
            let dynamic = try Self.dynamicDirectory()
            defer { try? FileManager.default.removeItem(atPath: dynamic) }
            let receiver = try await WebhookReceiver.start(tls: server)
            defer { receiver.stopBlocking() }
            let settings = """
                redis:
                  endpoints: ["\(redis.address)"]
                traefik:
                  dynamic: \(dynamic)
                lease: {duration: 3s, renewDeadline: 2s, retryPeriod: 250ms}
                notifications:
                  checkInterval: 1s
                alerts:
                  webhookURL: \(receiver.url(host: "localhost", path: "/hooks/ops"))
                """
            let trusting = try await CoordinatorProcess.start(
                instanceId: "trusting", settings: settings, environment: ["SSL_CERT_FILE": ca.certificate])
            try await waitUntil("the alert over HTTPS") { !receiver.bodies.isEmpty }
            await trusting.stop()
            let alert = try #require(try JSONSerialization.jsonObject(with: Data(receiver.bodies[0].utf8)) as? [String: Any])
            #expect(alert["event"] as? String == "notifications.failing" && alert["instance"] as? String == "trusting")
            let text = try #require(alert["text"] as? String)
            #expect(text.contains("failing on master \(redis.address)") && text.contains("CONFIG SET notify-keyspace-events KEA"), "\(text)")
            #expect(receiver.requests.first?.hasPrefix("/hooks/ops Host=localhost:\(receiver.port)") == true, "\(receiver.requests)")
            #expect(!trusting.log.contains("verification is OFF"))

            // The same settings without SSL_CERT_FILE: the system store does not hold the test CA.
            let delivered = receiver.bodies.count
            let refusing = try await CoordinatorProcess.start(instanceId: "refusing", settings: settings)
            try await waitUntil("the webhook to give up") { refusing.log.contains("alert webhook gave up after 3 attempts") }
            let log = refusing.log
            await refusing.stop()
            #expect(log.contains("not signed by a CA in alerts.tls.ca"), "\(log.suffix(2000))")
            #expect(receiver.bodies.count == delivered, "nothing delivered to an untrusted receiver")
        }
    }

    @Test("run and check refuse to start on an alerts.tls.ca or traefik.apiTLS.ca that cannot be read, and on ftp://; exit 2 naming the setting")
    func refusedAtStart() throws {
        let dynamic = try Self.dynamicDirectory()
        defer { try? FileManager.default.removeItem(atPath: dynamic) }
        let base = "redis:\n  endpoints: [\"127.0.0.1:1\"]\ntraefik:\n  dynamic: \(dynamic)\n"
        let cases: [(extra: String, command: String, expected: String)] = [
            ("alerts:\n  webhookURL: https://hooks.example/x\n  tls:\n    ca: /nonexistent/alerts-ca.crt\n", "run", "invalid settings: alerts.tls.ca: cannot read '/nonexistent/alerts-ca.crt'"),
            ("  apiEndpoints: [\"https://traefik-api:8443\"]\n  apiTLS:\n    ca: /nonexistent/traefik-ca.crt\n", "check", "invalid settings: traefik.apiTLS.ca: cannot read '/nonexistent/traefik-ca.crt'"),
            ("alerts:\n  webhookURL: ftp://hooks.example/x\n", "run", "alerts.webhookURL: the scheme ftp:// is not supported: write http://host:port or https://host:port"),
        ]
        for (index, testCase) in cases.enumerated() {
            let file = "\(dynamic)/../tc-https-settings-\(UUID().uuidString.prefix(8))-\(index).yaml"
            // An extra starting with two spaces continues the `traefik:` section of `base`.
            try (base + testCase.extra).write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let result = try CoordinatorProcess.runCommand([testCase.command, "--config", file])
            #expect(result.status == 2, "\(testCase.command): \(result.output)")
            #expect(result.output.contains(testCase.expected), "\(result.output)")
        }
    }

    @Test(
        "check: Traefik's API behind TLS (https:// endpoint, traefik.apiTLS.ca) is reported converged after a publish",
        .enabled(if: ExternalTool.shouldRun("traefik")))
    func checkOverHTTPS() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let ca = try certificates.makeCA("traefik-api-ca")
        let server = try certificates.issue("traefik-api", by: ca, subjectAltNames: ["DNS:localhost", "IP:127.0.0.1"])
        try await withRedisServer { redis in
            let dynamic = try Self.dynamicDirectory()
            defer { try? FileManager.default.removeItem(atPath: dynamic) }
            let traefik = try await TraefikProcess.start(providerArguments: [
                "--providers.redis.endpoints=\(redis.address)", "--providers.redis.rootKey=traefik",
            ])
            defer { traefik.stopBlocking() }
            let proxy = try await HTTPSReverseProxy.start(upstreamPort: traefik.apiPort, tls: server)
            defer { proxy.stopBlocking() }
            let file = "\(dynamic)/../tc-https-check-\(UUID().uuidString.prefix(8)).yaml"
            try """
                redis:
                  endpoints: ["\(redis.address)"]
                traefik:
                  dynamic: \(dynamic)
                  apiEndpoints: ["https://localhost:\(proxy.port)"]
                  apiTLS:
                    ca: \(ca.certificate)
                """.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let publish = try await CoordinatorProcess.runCommand(["publish", "--once", "--config", file])
            #expect(publish.status == 0, "\(publish.output)")
            var pod: [String: Any] = [:]
            try await waitUntil("check to report the pod converged over HTTPS") {
                let check = try await CoordinatorProcess.runCommand(["check", "--config", file, "--json"])
                let report = try JSONSerialization.jsonObject(with: Data(check.output.utf8)) as? [String: Any]
                pod = (report?["traefik"] as? [[String: Any]])?.first ?? [:]
                return pod["converged"] as? Bool == true
            }
            #expect(pod["endpoint"] as? String == "https://127.0.0.1:\(proxy.port)" && pod["reachable"] as? Bool == true, "\(pod)")
            #expect(proxy.requests.contains("/api/rawdata Host=localhost:\(proxy.port)"), "\(proxy.requests)")
            #expect(proxy.serverNames.contains("localhost"))
        }
    }
}
