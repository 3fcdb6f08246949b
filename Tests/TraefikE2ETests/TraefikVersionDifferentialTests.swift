import Foundation
import RESP
import RedisClient
import TestSupport
import Testing
import TraefikConfig

/// The version table proven against real Traefik binaries (each in its own `.tools/traefik-X.Y.Z/` venv): for
/// each older release, a configuration using the next line's field is refused by our validator for that
/// release and, published anyway into Redis, makes that Traefik load no router from Redis at all; without the
/// field, both accept it and the router loads. The newest Traefik loads both.
@Suite(
    "Traefik versions: what our validator refuses, the real older Traefik rejects",
    .enabled(if: ExternalTool.shouldRun("redis-server") && ExternalTool.shouldRun("traefik")), .timeLimit(.minutes(4))
)
struct TraefikVersionDifferentialTests {
    struct Case: Sendable, CustomStringConvertible {
        var binary: String
        var version: TraefikVersion
        /// YAML lines under router `newer` and under service `s` that use a field `version` lacks.
        var routerLines: String = ""
        var serviceLines: String = ""
        /// Where our validator reports it, and the node Traefik names (`field not found, node: …`).
        var path: String
        var node: String
        var description: String { "Traefik \(binary) without \(node)" }
    }

    static let cases = [
        Case(binary: "3.0.4", version: "3.0.4", routerLines: "      observability:\n        tracing: false\n",
             path: "http.routers.newer.observability", node: "observability"),
        Case(binary: "3.2.3", version: "3.2.3", routerLines: "      observability:\n        accessLogs: false\n",
             path: "http.routers.newer.observability", node: "observability"),
        Case(binary: "3.4.3", version: "3.4.3", routerLines: "      observability:\n        traceVerbosity: detailed\n",
             path: "http.routers.newer.observability.traceVerbosity", node: "traceVerbosity"),
        Case(binary: "3.6.15", version: "3.6.15", serviceLines: "      middlewares: [m]\n",
             path: "http.services.s.middlewares", node: "middlewares"),
    ]

    /// Two routers, `plain` and `newer`, on service `s`, plus a middleware `m`; `routerLines` go under `newer`,
    /// `serviceLines` under `s`.
    static func configuration(routerLines: String = "", serviceLines: String = "") -> String {
        """
        http:
          routers:
            plain:
              rule: "Host(`plain.test`)"
              service: s
            newer:
              rule: "Host(`newer.test`)"
              service: s
        \(routerLines)  services:
            s:
        \(serviceLines)      loadBalancer:
                servers: [{url: "http://127.0.0.1:1"}]
          middlewares:
            m:
              headers:
                customRequestHeaders:
                  X-A: "1"
        """
    }

    /// The Redis routers Traefik serves (`name@redis`), polled until `expected` are there or `timeout` passes.
    static func redisRouters(_ traefik: TraefikProcess, expected: Int, timeout: Duration) async throws -> [String] {
        let deadline = ContinuousClock.now + timeout
        var names: [String] = []
        repeat {
            let routers = try await traefik.api("/api/http/routers") as? [[String: Any]] ?? []
            names = routers.compactMap { $0["name"] as? String }.filter { $0.hasSuffix("@redis") }.sorted()
            if names.count >= expected { return names }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < deadline
        return names
    }

    @Test("an older Traefik: our validator refuses the newer field for it; published anyway, it loads no Redis router; without the field, it loads them", arguments: cases)
    func olderTraefik(_ testCase: Case) async throws {
        let binary = try TraefikProcess.binary(version: testCase.binary)
        let target = TraefikTarget(version: testCase.version, source: "Traefik \(testCase.binary) under test")
        try await withRedisServer(["notify-keyspace-events KEA"]) { redis in
            let withField = Self.configuration(routerLines: testCase.routerLines, serviceLines: testCase.serviceLines)
            let refused = DynamicConfigurationLoader.load(documents: [("a.yml", withField)], target: target)
            // (An object the refusal leaves empty is reported too; the version problem is the one that names the field.)
            let versionIssues = refused.issues.filter { $0.message.contains("needs Traefik") }
            #expect(!refused.isValid)
            #expect(versionIssues.map(\.path) == [testCase.path], "\(refused.issues)")
            #expect(versionIssues.first?.message.contains("or later; the oldest Traefik reading this Redis is \(testCase.version)") == true)

            // Published anyway (validated for the newest Traefik): the older one rejects the whole configuration.
            let newest = DynamicConfigurationLoader.load(documents: [("a.yml", withField)])
            #expect(newest.isValid, "\(newest.issues)")
            try await TraefikDifferentialTests.write(KVRenderer.render(newest.configuration), to: redis, database: 0)
            let traefik = try await TraefikProcess.start(
                providerArguments: ["--providers.redis.endpoints=\(redis.address)", "--providers.redis.rootKey=traefik"], binary: binary)
            defer { traefik.stopBlocking() }
            try await waitUntil("Traefik \(testCase.binary) to reject the configuration", timeout: .seconds(30)) {
                traefik.log.contains("field not found, node: \(testCase.node)")
            }
            #expect(try await Self.redisRouters(traefik, expected: 1, timeout: .seconds(2)).isEmpty, "not even the plain router loads")

            // Without the field: valid for that version, and Traefik loads both routers.
            let without = DynamicConfigurationLoader.load(documents: [("a.yml", Self.configuration())], target: target)
            #expect(without.isValid, "\(without.issues)")
            _ = try await redis.cli("FLUSHALL")
            try await TraefikDifferentialTests.write(KVRenderer.render(without.configuration), to: redis, database: 0)
            #expect(try await Self.redisRouters(traefik, expected: 2, timeout: .seconds(30)) == ["newer@redis", "plain@redis"])
        }
    }

    @Test("Traefik 3.7.15 loads what the older ones reject (router observability, service middlewares), both routers")
    func newestLoadsIt() async throws {
        try await withRedisServer { redis in
            let withField = Self.configuration(routerLines: Self.cases[1].routerLines, serviceLines: Self.cases[3].serviceLines)
            let loaded = DynamicConfigurationLoader.load(documents: [("a.yml", withField)])
            #expect(loaded.isValid)
            try await TraefikDifferentialTests.write(KVRenderer.render(loaded.configuration), to: redis, database: 0)
            let traefik = try await TraefikProcess.start(
                providerArguments: ["--providers.redis.endpoints=\(redis.address)", "--providers.redis.rootKey=traefik"],
                binary: try TraefikProcess.binary(version: "3.7.15"))
            defer { traefik.stopBlocking() }
            #expect(try await Self.redisRouters(traefik, expected: 2, timeout: .seconds(30)) == ["newer@redis", "plain@redis"])
        }
    }
}
