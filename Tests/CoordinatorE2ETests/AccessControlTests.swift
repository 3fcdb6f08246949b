import Foundation
import TestSupport
import Testing

/// The least-privilege users shipped in `conf/users.acl`, used as they are: the coordinator publishes the
/// example configuration of `conf/dynamic/` as its user, a real Traefik reads it as its read-only user, and
/// Redis's ACL log records no denial.
@Suite(
    "conf/users.acl: the coordinator and Traefik work with least privilege",
    .enabled(if: ExternalTool.shouldRun("redis-server") && ExternalTool.shouldRun("traefik")), .timeLimit(.minutes(2))
)
struct AccessControlTests {
    static let coordinatorPassword = "acl-coordinator-pw-8d3f"
    static let traefikPassword = "acl-traefik-pw-19ce"

    /// The `user` lines of `conf/users.acl`, with test passwords.
    static func aclLines() throws -> [String] {
        let text = try String(contentsOfFile: Repository.path("conf/users.acl"), encoding: .utf8)
            .replacingOccurrences(of: "CHANGE-ME-coordinator-password", with: coordinatorPassword)
            .replacingOccurrences(of: "CHANGE-ME-traefik-password", with: traefikPassword)
            .replacingOccurrences(of: "CHANGE-ME-sentinel-password", with: "acl-sentinel-pw-5521")
            .replacingOccurrences(of: "CHANGE-ME-replication-password", with: "acl-replication-pw-0b7a")
        return text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("user ") }
    }

    /// `ACL LOG` as redis-cli prints it (one field name, then its value, per line) → one dictionary per entry.
    static func aclLogEntries(_ text: String) -> [[String: String]] {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var entries: [[String: String]] = []
        var index = 0
        while index + 1 < lines.count {
            if lines[index] == "count" { entries.append([:]) }
            if !entries.isEmpty { entries[entries.count - 1][lines[index]] = lines[index + 1] }
            index += 2
        }
        return entries
    }

    @Test("the coordinator publishes conf/dynamic as `coordinator`; Traefik routes it as `traefik`; Redis denies nothing but Traefik's own CONFIG SET; neither user can write where it must not")
    func leastPrivilege() async throws {
        let lines = try Self.aclLines()
        #expect(lines.count == 4, "coordinator, traefik, sentinel, replication")
        // The default user stays open for the test's own redis-cli assertions.
        try await withRedisServer(lines + ["notify-keyspace-events KEA", "user default on nopass ~* &* +@all"]) { server in
            let backend = try await HTTPBackendProcess.start(files: ["index.html": "through least privilege\n"])
            defer { backend.stopBlocking() }
            let dynamic = try Repository.copy("conf/dynamic", replacing: ["127.0.0.1:8090": "127.0.0.1:\(backend.port)"])
            defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: dynamic).deletingLastPathComponent().path) }
            let secrets = URL(fileURLWithPath: dynamic).deletingLastPathComponent().appendingPathComponent("coordinator-password").path
            try Self.coordinatorPassword.write(toFile: secrets, atomically: true, encoding: .utf8)

            let traefik = try await TraefikProcess.start(providerArguments: [
                "--providers.redis.endpoints=\(server.address)", "--providers.redis.rootKey=traefik",
                "--providers.redis.username=traefik", "--providers.redis.password=\(Self.traefikPassword)",
            ])
            defer { traefik.stopBlocking() }
            let coordinator = try await CoordinatorProcess.start(
                instanceId: "acl",
                settings: """
                    redis:
                      endpoints: ["\(server.address)"]
                      username: coordinator
                      passwordFile: \(secrets)
                    traefik:
                      dynamic: \(dynamic)
                    lease: {duration: 3s, renewDeadline: 2s, retryPeriod: 250ms}
                    notifications:
                      checkInterval: 1s
                    """)
            defer { Task { await coordinator.stop() } }

            try await waitUntil("the example routers in Redis") {
                try await server.cli("GET", "traefik/http/routers/whoami/service") == "whoami"
            }
            try await waitUntil("Traefik routes whoami.localhost to the backend") {
                try await traefik.web("/", host: "whoami.localhost")?.body.contains("through least privilege") == true
            }
            try await waitUntil("a health report with the node healthy") {
                let nodes = (coordinator.status()?["health"] as? [String: Any])?["nodes"] as? [[String: Any]]
                let notifications = nodes?.first?["notifications"] as? [String: Any]
                return notifications?["state"] as? String == "healthy"
            }
            #expect(coordinator.isLeader)
            // A change goes through too (Traefik sees it through its keyspace subscription).
            let routes = "\(dynamic)/http.yaml"
            let text = try String(contentsOfFile: routes, encoding: .utf8)
            try text.replacingOccurrences(of: "Host(`whoami.localhost`)", with: "Host(`renamed.localhost`)")
                .write(toFile: routes, atomically: true, encoding: .utf8)
            try await waitUntil("Traefik routes the renamed host") {
                try await traefik.web("/", host: "renamed.localhost")?.status == 200
            }

            // The only denial: Traefik's own `CONFIG SET notify-keyspace-events` at start (which is why the
            // notifications belong in redis.conf).
            let denials = Self.aclLogEntries(try await server.cli("ACL", "LOG"))
            let unexpected = denials.filter { !($0["username"] == "traefik" && $0["object"] == "config|set") }
            #expect(unexpected.isEmpty, "denied: \(unexpected)")
            #expect(denials.contains { $0["username"] == "traefik" && $0["object"] == "config|set" }, "\(denials)")
            let traefikWrite = try await server.cli("SET", "traefik/http/routers/x/rule", "y", password: Self.traefikPassword, user: "traefik")
            #expect(traefikWrite.contains("NOPERM"), "\(traefikWrite)")
            let coordinatorOutside = try await server.cli("SET", "elsewhere", "y", password: Self.coordinatorPassword, user: "coordinator")
            #expect(coordinatorOutside.contains("NOPERM"), "\(coordinatorOutside)")
            let coordinatorConfigSet = try await server.cli(
                "CONFIG", "SET", "notify-keyspace-events", "", password: Self.coordinatorPassword, user: "coordinator")
            #expect(coordinatorConfigSet.contains("NOPERM"), "\(coordinatorConfigSet)")
        }
    }
}
