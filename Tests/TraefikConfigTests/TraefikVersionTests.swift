import Foundation
import Testing
import TraefikConfig

/// Validation for the oldest Traefik that reads the keys: a field introduced later is refused, naming the
/// version it needs and the version validated for, and accepted from that version on.
@Suite("Traefik versions: the schema knows which release added each field")
struct TraefikVersionTests {
    @Test("versions parse as written: a line (3.2), a release (3.2.3), a leading v, a pre-release suffix")
    func parsing() {
        #expect(TraefikVersion(parsing: "3.2")?.description == "3.2")
        #expect(TraefikVersion(parsing: "3.2.3")?.description == "3.2.3")
        #expect(TraefikVersion(parsing: "v3.6.15") == TraefikVersion(3, 6, 15))
        #expect(TraefikVersion(parsing: "3.7.0-rc1") == TraefikVersion(3, 7, 0))
        #expect(TraefikVersion(parsing: "3.2") == TraefikVersion(3, 2, 0), "a line is its oldest release")
        for bad in ["3", "x", "3.a", "", "3.2.3.4", "-3.2"] { #expect(TraefikVersion(parsing: bad) == nil, "\(bad)") }
        #expect(TraefikVersion(3, 2, 3) < TraefikVersion(3, 3) && TraefikVersion(3, 6, 9) < TraefikVersion(3, 6, 15))
    }

    @Test("Traefik 2 is an error, a version newer than the schema a warning that says what is checked")
    func support() {
        let old = TraefikTarget.support(of: "2.11")
        #expect(old?.isError == true)
        #expect(old?.message.contains("not supported") == true)
        let newer = TraefikTarget.support(of: "3.8")
        #expect(newer?.isError == false)
        #expect(newer?.message.contains("validated as for 3.7.15") == true)
        #expect(TraefikTarget.support(of: "3.7.20") == nil, "a later patch of the newest line")
        #expect(TraefikTarget.support(of: "3.0.4") == nil)
        #expect(TraefikTarget.clamped("3.9", source: nil).version == TraefikVersion.newestKnown)
    }

    /// One configuration per release line, using a field that line added (all from Traefik's own source).
    static let cases: [(field: String, since: TraefikVersion, yaml: String)] = [
        ("http.services.s.loadBalancer.servers[0].preservePath", "3.2", """
            http:
              services:
                s:
                  loadBalancer:
                    servers:
                      - url: "http://127.0.0.1:1"
                        preservePath: true
            """),
        ("http.routers.newer.observability", "3.3", """
            http:
              routers:
                newer:
                  rule: "Host(`newer.test`)"
                  service: s
                  observability:
                    accessLogs: false
              services:
                s:
                  loadBalancer:
                    servers: [{url: "http://127.0.0.1:1"}]
            """),
        ("http.services.s.loadBalancer.strategy", "3.4", """
            http:
              services:
                s:
                  loadBalancer:
                    strategy: p2c
                    servers: [{url: "http://127.0.0.1:1"}]
            """),
        ("http.routers.r.observability.traceVerbosity", "3.5", """
            http:
              routers:
                r:
                  rule: "Host(`r.test`)"
                  service: s
                  observability:
                    traceVerbosity: detailed
              services:
                s:
                  loadBalancer:
                    servers: [{url: "http://127.0.0.1:1"}]
            """),
        ("http.services.s.loadBalancer.passiveHealthCheck", "3.6", """
            http:
              services:
                s:
                  loadBalancer:
                    servers: [{url: "http://127.0.0.1:1"}]
                    passiveHealthCheck:
                      maxFailedAttempts: 3
            """),
        ("http.middlewares.m.retry.status", "3.7", """
            http:
              middlewares:
                m:
                  retry:
                    attempts: 2
                    status: ["500-599"]
            """),
    ]

    static func issues(_ yaml: String, for version: TraefikVersion, source: String? = nil) -> [ConfigIssue] {
        DynamicConfigurationLoader.load(documents: [("a.yml", yaml)], target: TraefikTarget(version: version, source: source)).issues
    }

    @Test("each line's new field: refused for the release before it (naming both versions), accepted from it on", arguments: 0..<6)
    func fieldPerLine(index: Int) throws {
        let (field, since, yaml) = Self.cases[index]
        let before = TraefikVersion(since.major, since.minor - 1, 99)
        // An object left empty by the refusal is reported too; the version problem is the one that counts.
        let refused = Self.issues(yaml, for: before, source: "pod http://10.0.0.7:8080").filter { $0.message.contains("needs Traefik") }
        #expect(refused.count == 1, "\(refused)")
        let message = try #require(refused.first?.description)
        #expect(message.hasPrefix("a.yml: \(field.replacingOccurrences(of: "[0]", with: "[0]")): needs Traefik \(since) or later"), "\(message)")
        #expect(message.contains("the oldest Traefik reading this Redis is \(before) (pod http://10.0.0.7:8080)"), "\(message)")
        #expect(refused.first?.severity == .fatal)
        #expect(Self.issues(yaml, for: since).isEmpty, "valid for \(since)")
        #expect(Self.issues(yaml, for: TraefikVersion.newestKnown).isEmpty)
    }

    @Test("the issue's example, exactly")
    func issueExample() {
        let issues = Self.issues(Self.cases[1].yaml, for: "3.2.3", source: "pod http://traefik-0:8080")
        #expect(issues.map(\.description) == [
            "a.yml: http.routers.newer.observability: needs Traefik 3.3 or later; the oldest Traefik reading this Redis is 3.2.3 (pod http://traefik-0:8080) (fatal)"
        ])
    }

    @Test("a version inside a line counts: errorRequestHeaders came in 3.6.15, maxResponseBodySize in 3.6.9")
    func patchReleases() {
        let errors = "http:\n  middlewares:\n    e:\n      errors:\n        status: [\"500\"]\n        service: s\n        query: /\n        errorRequestHeaders: [X-A]\n"
        #expect(Self.issues(errors, for: "3.6.14").contains { $0.path.hasSuffix("errorRequestHeaders") && $0.message.contains("needs Traefik 3.6.15") })
        #expect(!Self.issues(errors, for: "3.6.15").contains { $0.path.hasSuffix("errorRequestHeaders") })
    }

    @Test("peerCertSANs is in no release up to 3.7.15: refused (Traefik 3.7.15 rejects the whole configuration for it)")
    func peerCertSANs() {
        let yaml = "http:\n  serversTransports:\n    t:\n      peerCertSANs:\n        - type: dns\n          value: a.test\n"
        #expect(Self.issues(yaml, for: TraefikVersion.newestKnown).contains { $0.message.contains("unknown field \"peerCertSANs\"") })
    }

    @Test("the README's per-version table is the one generated from the schema")
    func readmeTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let table = TraefikSchema.versionTable
        #expect(readme.contains(table), "README.md's per-version table is out of date; replace it with:\n\(table)")
        #expect(TraefikSchema.versionedFields.contains { $0.path == "http.routers.*.observability" && $0.since == "3.3" })
        #expect(TraefikSchema.versionedFields.allSatisfy { $0.since > TraefikVersion.oldestKnown && $0.since <= TraefikVersion.newestKnown })
    }
}
