import Foundation
import TestSupport
import Testing

/// Managed-Redis imitation: notifications off on the master, and Traefik's user may not run CONFIG (so its
/// own `CONFIG SET ... KEA` at start fails silently and it goes deaf).
@Suite(
    "Keyspace notifications off: alert, then autoFix, with a real Traefik",
    .enabled(if: ExternalTool.shouldRun("redis-server") && ExternalTool.shouldRun("traefik")), .timeLimit(.minutes(2))
)
struct AutoFixTests {
    @Test("the metric shows the master unhealthy within one check interval; with autoFix it turns healthy and Traefik sees the next change")
    func autoFix() async throws {
        try await withRedisServer([
            "notify-keyspace-events \"\"", "user default on nopass ~* &* +@all",
            "user traefik on >traefik-pw ~* &* +@all -config",
        ]) { server in
            let backend = try await HTTPBackendProcess.start(files: ["hello.txt": "hello\n"])
            defer { backend.stopBlocking() }
            let dynamic = FileManager.default.temporaryDirectory.appendingPathComponent("tc-autofix-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: dynamic, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dynamic) }
            func routes(_ hosts: [String]) -> String {
                var text = "http:\n  routers:\n"
                for host in hosts { text += "    \(host):\n      rule: \"Host(`\(host).test`)\"\n      service: web\n      entryPoints: [web]\n" }
                return text + "  services:\n    web:\n      loadBalancer:\n        servers:\n          - url: \"http://127.0.0.1:\(backend.port)\"\n"
            }
            try routes(["first"]).write(toFile: "\(dynamic)/routes.yaml", atomically: true, encoding: .utf8)
            let traefik = try await TraefikProcess.start(providerArguments: [
                "--providers.redis.endpoints=\(server.address)", "--providers.redis.rootKey=traefik",
                "--providers.redis.username=traefik", "--providers.redis.password=traefik-pw",
            ])
            defer { traefik.stopBlocking() }
            let before = try await server.cli("CONFIG", "GET", "notify-keyspace-events").split(separator: "\n")
            #expect(before.count == 1, "still off after Traefik's refused CONFIG SET: \(before)")
            let settings = """
                redis:
                  endpoints: ["\(server.address)"]
                traefik:
                  dynamic: \(dynamic)
                lease: {duration: 3s, renewDeadline: 2s, retryPeriod: 250ms}
                notifications:
                  checkInterval: 1s
                """

            // Without autoFix: reported (log, metric, webhook), not changed.
            let receiver = try await WebhookReceiver.start()
            defer { receiver.stopBlocking() }
            let reporter = try await CoordinatorProcess.start(
                instanceId: "reporter", settings: settings + "\nalerts:\n  webhookURL: http://127.0.0.1:\(receiver.port)/hook\n")
            try await waitUntil("the master reported unhealthy in /metrics") {
                let metrics = reporter.metrics()
                return metrics.split(separator: "\n").contains { $0.hasPrefix("traefik_coordinator_notifications_healthy{") && $0.hasSuffix(" 0.0") }
            }
            #expect(reporter.log.contains("Traefik would not see changes through this node"))
            #expect(reporter.log.contains("CONFIG SET notify-keyspace-events KEA"))
            try await waitUntil("the webhook call") { !receiver.bodies.isEmpty }
            let alert = try #require(receiver.bodies.first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            #expect(alert["event"] as? String == "notifications.failing")
            #expect(alert["node"] as? String == server.address.description)
            #expect(alert["instance"] as? String == "reporter")
            #expect((alert["remedy"] as? String)?.contains("CONFIG SET notify-keyspace-events KEA") == true)
            await reporter.stop()

            // With autoFix: enabled on the node, and the next change reaches Traefik.
            let fixer = try await CoordinatorProcess.start(
                instanceId: "fixer", settings: settings.replacingOccurrences(of: "checkInterval: 1s", with: "checkInterval: 1s\n  autoFix: true"))
            try await waitUntil("notifications enabled by autoFix") {
                let value = try await server.cli("CONFIG", "GET", "notify-keyspace-events").split(separator: "\n").last.map(String.init) ?? ""
                return value.contains("K") && value.contains("g") && value.contains("$")
            }
            #expect(fixer.log.contains("notifications.autoFix: enabled keyspace notifications"))
            try routes(["first", "second"]).write(toFile: "\(dynamic)/routes.yaml", atomically: true, encoding: .utf8)
            try await waitUntil("Traefik to route the new router") {
                try await traefik.web("/hello.txt", host: "second.test")?.status == 200
            }
            #expect(try await traefik.web("/hello.txt", host: "first.test")?.status == 200)
            await fixer.stop()
        }
    }
}
