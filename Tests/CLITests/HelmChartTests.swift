import Foundation
import TestSupport
import Testing

/// The Helm chart, rendered by Helm's own engine and validated against the Kubernetes schemas
/// (`scripts/check-chart`), and the coordinator settings it renders, loaded by the real binary.
@Suite("Helm chart", .enabled(if: ExternalTool.shouldRun("python3")), .timeLimit(.minutes(3)))
struct HelmChartTests {
    typealias Document = [String: Any]

    struct Case {
        var values: String
        var errors: [String]
        var manifests: [(kind: String, name: String, document: Document)]

        func manifest(_ kind: String, suffix: String = "") -> Document? {
            manifests.first { $0.kind == kind && $0.name.hasSuffix(suffix) }?.document
        }
    }

    static let chart = Repository.path("helm/traefik-coordinator")

    /// Runs `scripts/check-chart` on the chart with `valuesFiles` (the defaults come first).
    static func check(_ valuesFiles: [String]) throws -> (status: Int32, cases: [Case]) {
        let result = try ChildProcess.run(
            try ExternalTool.require("python3", package: "python3"), [Repository.path("scripts/check-chart"), chart] + valuesFiles)
        let report = try #require(
            try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? Document, "not JSON: \(result.output.prefix(2000))")
        let cases = (report["cases"] as? [Document] ?? []).map { raw in
            Case(
                values: raw["values"] as? String ?? "?", errors: raw["errors"] as? [String] ?? [],
                manifests: (raw["manifests"] as? [Document] ?? []).map {
                    ($0["kind"] as? String ?? "", $0["name"] as? String ?? "", $0["document"] as? Document ?? [:])
                })
        }
        return (result.status, cases)
    }

    static func temporaryFile(_ text: String, name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-chart-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        return "\(directory)/\(name)"
    }

    /// Every optional part on, and the TLS variants the examples do not use.
    static let everything = """
        redis:
          endpoints: ["rediss://redis.internal:6380"]
          existingSecret: redis-auth
          tls: {enabled: true, serverName: redis.internal}
          sentinel: {masterName: mymaster, tls: {mode: separate, existingSecret: sentinel-tls, caKey: ca.crt, certKey: tls.crt, keyKey: tls.key}}
        podAntiAffinity: hard
        networkPolicy: {enabled: true}
        serviceMonitor: {enabled: true}
        prometheusRule: {enabled: true}
        alerts: {webhookURL: "http://alert-relay.monitoring:8080/hook"}
        dynamic:
          files:
            a.yaml: |
              http:
                routers:
                  a: {rule: "Host(`a.example`)", service: noop@internal}
        """

    @Test("defaults, both example values files and every optional part render with Helm and validate against the Kubernetes 1.31 schemas")
    func rendersAndValidates() throws {
        let everything = try Self.temporaryFile(Self.everything, name: "everything.yaml")
        let (status, cases) = try Self.check([
            "\(Self.chart)/examples/values-sentinel-tls.yaml", "\(Self.chart)/examples/values-elasticache.yaml", everything,
        ])
        #expect(status == 0)
        #expect(cases.count == 4)
        for item in cases { #expect(item.errors.isEmpty, "\(item.values): \(item.errors)") }

        let defaults = try #require(cases.first)
        #expect(Set(defaults.manifests.map(\.kind)) == ["ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "ServiceAccount"])
        let deployment = try #require(defaults.manifest("Deployment"))
        let spec = try #require(deployment["spec"] as? Document)
        #expect(spec["replicas"] as? Int == 3)
        let pod = try #require((spec["template"] as? Document)?["spec"] as? Document)
        #expect(pod["terminationGracePeriodSeconds"] as? Int == 30)
        #expect((pod["securityContext"] as? Document)?["runAsNonRoot"] as? Bool == true)
        #expect(((pod["securityContext"] as? Document)?["seccompProfile"] as? Document)?["type"] as? String == "RuntimeDefault")
        let antiAffinity = (pod["affinity"] as? Document)?["podAntiAffinity"] as? Document
        #expect(antiAffinity?["preferredDuringSchedulingIgnoredDuringExecution"] != nil)
        let container = try #require((pod["containers"] as? [Document])?.first)
        let security = try #require(container["securityContext"] as? Document)
        #expect(security["readOnlyRootFilesystem"] as? Bool == true)
        #expect(security["allowPrivilegeEscalation"] as? Bool == false)
        #expect((security["capabilities"] as? Document)?["drop"] as? [String] == ["ALL"])
        #expect(((container["livenessProbe"] as? Document)?["httpGet"] as? Document)?["path"] as? String == "/healthz")
        #expect(((container["readinessProbe"] as? Document)?["httpGet"] as? Document)?["path"] as? String == "/readyz")
        let instanceId = (container["env"] as? [Document])?.first { $0["name"] as? String == "TRAEFIK_COORDINATOR_COORDINATOR_INSTANCE_ID" }
        #expect(((instanceId?["valueFrom"] as? Document)?["fieldRef"] as? Document)?["fieldPath"] as? String == "metadata.name")

        let full = cases[3]
        #expect(Set(full.manifests.map(\.kind)).isSuperset(of: ["NetworkPolicy", "ServiceMonitor", "PrometheusRule"]))
        let rules = ((full.manifest("PrometheusRule")?["spec"] as? Document)?["groups"] as? [Document])?.first?["rules"] as? [Document]
        #expect(Set(rules?.compactMap { $0["alert"] as? String } ?? []) == [
            "TraefikCoordinatorNoLeader", "TraefikCoordinatorKeyspaceNotificationsOff", "TraefikCoordinatorDriftPersisting",
            "TraefikCoordinatorPublishesFailing", "TraefikCoordinatorConfigInvalid",
        ])
        let fullPod = ((full.manifest("Deployment")?["spec"] as? Document)?["template"] as? Document)?["spec"] as? Document
        let required = ((fullPod?["affinity"] as? Document)?["podAntiAffinity"] as? Document)?["requiredDuringSchedulingIgnoredDuringExecution"]
        #expect(required != nil)
        let mounts = ((fullPod?["containers"] as? [Document])?.first?["volumeMounts"] as? [Document])?.compactMap { $0["name"] as? String }
        #expect(Set(mounts ?? []).isSuperset(of: ["redis-password", "sentinel-tls", "settings", "dynamic"]))
    }

    @Test("the settings each case renders are accepted by `traefik-coordinator validate --config`, with its dynamic configuration")
    func renderedSettingsLoad() throws {
        let everything = try Self.temporaryFile(Self.everything, name: "everything.yaml")
        let (_, cases) = try Self.check([
            "\(Self.chart)/examples/values-sentinel-tls.yaml", "\(Self.chart)/examples/values-elasticache.yaml", everything,
        ])
        #expect(cases.count == 4)
        let password = try Self.temporaryFile("chart-test-password", name: "password")
        for item in cases {
            let settingsMap = try #require(item.manifest("ConfigMap", suffix: "-settings")?["data"] as? [String: String])
            let settings = try #require(settingsMap["coordinator.yaml"])
            let settingsFile = try Self.temporaryFile(settings, name: "coordinator.yaml")
            // The dynamic configuration: the chart's ConfigMap, or the repository's examples for an existing one.
            var dynamic = Repository.path("conf/dynamic")
            if let files = item.manifest("ConfigMap", suffix: "-dynamic")?["data"] as? [String: String] {
                dynamic = URL(fileURLWithPath: try Self.temporaryFile("", name: ".keep")).deletingLastPathComponent().path
                for (name, text) in files { try text.write(toFile: "\(dynamic)/\(name)", atomically: true, encoding: .utf8) }
            }
            var environment = ["TRAEFIK_COORDINATOR_TRAEFIK_DYNAMIC": dynamic]
            if settings.contains("secrets/redis/") { environment["TRAEFIK_COORDINATOR_REDIS_PASSWORD_FILE"] = password }
            if settings.contains("secrets/sentinel/") { environment["TRAEFIK_COORDINATOR_REDIS_SENTINEL_PASSWORD_FILE"] = password }
            let result = try CoordinatorProcess.runCommand(["validate", "--config", settingsFile], environment: environment)
            #expect(result.status == 0, "\(item.values): \(result.output)\n\(settings)")
            #expect(result.output.contains("settings valid"), "\(item.values): \(result.output)")
        }
    }

    @Test("values that break the schema are refused with the field named")
    func badValuesRefused() throws {
        let bad = try Self.temporaryFile("replicaCount: three\nlog:\n  format: xml\nredis:\n  endpoints: []\nbogus: 1\n", name: "bad.yaml")
        let (status, cases) = try Self.check([bad])
        #expect(status == 1)
        let errors = cases.last?.errors.joined(separator: "\n") ?? ""
        for field in ["/replicaCount", "/log/format", "/redis/endpoints", "bogus"] {
            #expect(errors.contains(field), "\(errors)")
        }
        #expect(cases.last?.manifests.isEmpty == true, "nothing rendered from invalid values")
    }
}
