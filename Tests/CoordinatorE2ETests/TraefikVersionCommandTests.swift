import Foundation
import TestSupport
import Testing

/// `traefik.version` and `--traefik-version` at the surface: `validate` and `render` refuse a field the named
/// Traefik lacks, `publish --once` writes nothing, and a running leader keeps the last good configuration and
/// shows the refusal in `/status` — then publishes once the field is removed.
@Suite(
    "traefik.version: a field the oldest Traefik lacks is never published",
    .enabled(if: ExternalTool.shouldRun("redis-server")), .timeLimit(.minutes(4))
)
struct TraefikVersionCommandTests {
    static func configuration(observability: Bool) -> String {
        """
        http:
          routers:
            plain:
              rule: "Host(`plain.test`)"
              service: s
            newer:
              rule: "Host(`newer.test`)"
              service: s
        \(observability ? "      observability:\n        accessLogs: false\n" : "")  services:
            s:
              loadBalancer:
                servers: [{url: "http://127.0.0.1:1"}]
        """
    }

    static func workspace() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-version-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: "\(directory)/dynamic", withIntermediateDirectories: true)
        return directory
    }

    @Test("validate and render --traefik-version 3.2.3 refuse router observability with the version it needs; 3.3 accepts it")
    func validateAndRender() async throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = "\(directory)/dynamic/a.yml"
        try Self.configuration(observability: true).write(toFile: file, atomically: true, encoding: .utf8)
        for command in ["validate", "render"] {
            let (status, output) = try await CoordinatorProcess.runCommand([command, "--dynamic", file, "--traefik-version", "3.2.3"])
            #expect(status == 1, "\(command): \(output)")
            #expect(output.contains("\(file): http.routers.newer.observability: needs Traefik 3.3 or later; the oldest Traefik reading this Redis is 3.2.3 (--traefik-version)"), "\(output)")
            let (accepted, acceptedOutput) = try await CoordinatorProcess.runCommand([command, "--dynamic", file, "--traefik-version", "3.3"])
            #expect(accepted == 0, "\(command): \(acceptedOutput)")
        }
        let (old, oldOutput) = try await CoordinatorProcess.runCommand(["validate", "--dynamic", file, "--traefik-version", "2.11"])
        #expect(old != 0 && oldOutput.contains("not supported"), "\(oldOutput)")
        let (newer, newerOutput) = try await CoordinatorProcess.runCommand(["validate", "--dynamic", file, "--traefik-version", "3.9"])
        #expect(newer == 0 && newerOutput.contains("warning: Traefik 3.9 is newer than the schema knows"), "\(newerOutput)")
    }

    @Test("traefik.version \"3.2\": publish --once and run refuse the configuration with observability, keep the last good one, and publish it once the field is removed")
    func publishAndRun() async throws {
        try await withRedisServer { server in
            let directory = try Self.workspace()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let file = "\(directory)/dynamic/a.yml"
            let settings = """
                redis:
                  endpoints: ["\(server.address)"]
                traefik:
                  dynamic: \(directory)/dynamic
                  version: "3.2"
                lease:
                  duration: 3s
                  renewDeadline: 2s
                  retryPeriod: 250ms
                """
            let settingsFile = "\(directory)/settings.yaml"
            try settings.write(toFile: settingsFile, atomically: true, encoding: .utf8)
            try Self.configuration(observability: true).write(toFile: file, atomically: true, encoding: .utf8)
            let (refused, refusedOutput) = try await CoordinatorProcess.runCommand(["publish", "--once", "--config", settingsFile])
            #expect(refused == 1, "\(refusedOutput)")
            #expect(refusedOutput.contains("needs Traefik 3.3 or later; the oldest Traefik reading this Redis is 3.2 (traefik.version)"), "\(refusedOutput)")
            #expect(try await server.cli("EXISTS", "traefik/http/routers/plain/rule") == "0", "nothing was published")

            try Self.configuration(observability: false).write(toFile: file, atomically: true, encoding: .utf8)
            let (published, publishedOutput) = try await CoordinatorProcess.runCommand(["publish", "--once", "--config", settingsFile])
            #expect(published == 0, "\(publishedOutput)")
            #expect(try await server.cli("GET", "traefik/http/routers/newer/rule") == "Host(`newer.test`)")

            // The daemon: the refused change stays out of Redis, /status says why, the field removed publishes.
            let coordinator = try await CoordinatorProcess.start(instanceId: "version", settings: settings)
            defer { Task { await coordinator.stop() } }
            try await waitUntil("it leads", timeout: .seconds(15)) { coordinator.isLeader }
            try Self.configuration(observability: true).replacingOccurrences(of: "newer.test", with: "newer2.test")
                .write(toFile: file, atomically: true, encoding: .utf8)
            try await waitUntil("the refusal in /status", timeout: .seconds(15)) {
                (coordinator.status()?["desiredErrors"] as? [String])?.contains { $0.contains("needs Traefik 3.3 or later") } == true
            }
            #expect(try await server.cli("GET", "traefik/http/routers/newer/rule") == "Host(`newer.test`)", "the last good configuration stays")
            try Self.configuration(observability: false).replacingOccurrences(of: "newer.test", with: "newer2.test")
                .write(toFile: file, atomically: true, encoding: .utf8)
            try await waitUntil("the change without the field published", timeout: .seconds(15)) {
                try await server.cli("GET", "traefik/http/routers/newer/rule") == "Host(`newer2.test`)"
            }
        }
    }

    @Test(
        "a mixed fleet (Traefik 3.2.3 and 3.7.15) through traefik.apiEndpoints: validated for 3.2.3, named by pod; publish --once and run refuse observability, publish without it; versions per pod in check, /status and the metric",
        .enabled(if: ExternalTool.shouldRun("traefik")))
    func mixedFleet() async throws {
        try await withRedisServer(["notify-keyspace-events KEA"]) { server in
            let directory = try Self.workspace()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let provider = ["--providers.redis.endpoints=\(server.address)", "--providers.redis.rootKey=traefik"]
            let old = try await TraefikProcess.start(providerArguments: provider, binary: try TraefikProcess.binary(version: "3.2.3"))
            defer { old.stopBlocking() }
            let new = try await TraefikProcess.start(providerArguments: provider, binary: try TraefikProcess.binary(version: "3.7.15"))
            defer { new.stopBlocking() }
            let oldPod = "http://127.0.0.1:\(old.apiPort)"
            let file = "\(directory)/dynamic/a.yml"
            let settings = """
                redis:
                  endpoints: ["\(server.address)"]
                traefik:
                  dynamic: \(directory)/dynamic
                  apiEndpoints: ["\(oldPod)", "http://127.0.0.1:\(new.apiPort)"]
                lease:
                  duration: 3s
                  renewDeadline: 2s
                  retryPeriod: 250ms
                notifications:
                  checkInterval: 1s
                """
            let settingsFile = "\(directory)/settings.yaml"
            try settings.write(toFile: settingsFile, atomically: true, encoding: .utf8)
            try Self.configuration(observability: true).write(toFile: file, atomically: true, encoding: .utf8)
            let (refused, refusedOutput) = try await CoordinatorProcess.runCommand(["publish", "--once", "--config", settingsFile])
            #expect(refused == 1, "\(refusedOutput)")
            #expect(refusedOutput.contains("needs Traefik 3.3 or later; the oldest Traefik reading this Redis is 3.2.3 (pod \(oldPod))"), "\(refusedOutput)")
            #expect(try await server.cli("EXISTS", "traefik/http/routers/plain/rule") == "0")

            let coordinator = try await CoordinatorProcess.start(instanceId: "fleet", settings: settings)
            defer { Task { await coordinator.stop() } }
            try await waitUntil("the refusal, naming the old pod, in /status", timeout: .seconds(20)) {
                (coordinator.status()?["desiredErrors"] as? [String])?.contains { $0.contains("is 3.2.3 (pod \(oldPod))") } == true
            }
            let validatedFor = coordinator.status()?["traefikVersion"] as? [String: Any]
            #expect(validatedFor?["version"] as? String == "3.2.3" && validatedFor?["source"] as? String == "pod \(oldPod)", "\(String(describing: validatedFor))")
            #expect(try await server.cli("EXISTS", "traefik/http/routers/plain/rule") == "0", "nothing published")

            try Self.configuration(observability: false).write(toFile: file, atomically: true, encoding: .utf8)
            try await waitUntil("published without the field", timeout: .seconds(20)) {
                try await server.cli("GET", "traefik/http/routers/newer/rule") == "Host(`newer.test`)"
            }
            for traefik in [old, new] {
                try await waitUntil("both routers in Traefik :\(traefik.apiPort)", timeout: .seconds(30)) {
                    let routers = try await traefik.api("/api/http/routers") as? [[String: Any]] ?? []
                    return Set(routers.compactMap { $0["name"] as? String }).isSuperset(of: ["plain@redis", "newer@redis"])
                }
            }
            try await waitUntil("pods per version in /metrics", timeout: .seconds(10)) {
                let metrics = coordinator.metrics()
                return metrics.contains("traefik_coordinator_traefik_pods{version=\"3.2.3\"} 1")
                    && metrics.contains("traefik_coordinator_traefik_pods{version=\"3.7.15\"} 1")
            }
            let pods = ((coordinator.status()?["health"] as? [String: Any])?["traefik"] as? [[String: Any]]) ?? []
            #expect(Set(pods.compactMap { $0["version"] as? String }) == ["3.2.3", "3.7.15"], "\(pods)")

            // check: each pod with its version, and a pod older than traefik.version is a warning.
            try (settings.replacingOccurrences(of: "  apiEndpoints:", with: "  version: \"3.7\"\n  apiEndpoints:"))
                .write(toFile: settingsFile, atomically: true, encoding: .utf8)
            let (_, report) = try await CoordinatorProcess.runCommand(["check", "--config", settingsFile])
            #expect(report.contains("traefik \(oldPod) (Traefik 3.2.3): converged"), "\(report)")
            #expect(report.contains("(Traefik 3.7.15): converged"), "\(report)")
            #expect(report.contains("WARN: Traefik \(oldPod) runs 3.2.3, older than traefik.version 3.7"), "\(report)")
        }
    }
}
