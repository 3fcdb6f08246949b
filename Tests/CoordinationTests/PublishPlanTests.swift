@testable import Coordination
import Foundation
import TestSupport
import TraefikConfig
import Testing

@Suite("Publish plan")
struct PublishPlanTests {
    func pair(_ key: String, _ value: String) -> KVPair { KVPair(key: key, value: value) }

    @Test("only changed keys are written, only owned keys deleted, foreign keys reported, right values adopted")
    func diff() {
        let desired = [
            pair("traefik/http/routers/a/rule", "Host(`a`)"), pair("traefik/http/routers/a/service", "s"),
            pair("traefik/http/services/s/loadBalancer/servers/0/url", "http://10.0.0.1"),
        ]
        let snapshot = RedisSnapshot(
            values: [
                "traefik/http/routers/a/rule": "Host(`old`)",  // changed
                "traefik/http/routers/a/service": "s",  // same, owned
                "traefik/http/services/s/loadBalancer/servers/0/url": "http://10.0.0.1",  // same, not owned yet
                "traefik/http/routers/gone/rule": "Host(`gone`)",  // owned, no longer desired
                "traefik/http/routers/manual/rule": "Host(`manual`)",  // someone else's
                "traefik-lease": "x",  // matches traefik*, not ours
            ],
            manifest: ["traefik/http/routers/a/rule", "traefik/http/routers/a/service", "traefik/http/routers/gone/rule", "traefik/http/routers/lost/rule"])
        let plan = PublishPlan.make(desired: desired, snapshot: snapshot, rootKey: "traefik", prune: .owned)
        #expect(plan.sets == [pair("traefik/http/routers/a/rule", "Host(`a`)")])
        #expect(plan.deletes == ["traefik/http/routers/gone/rule", "traefik/http/routers/lost/rule"])
        #expect(plan.adopt == ["traefik/http/services/s/loadBalancer/servers/0/url"])
        #expect(plan.foreign == ["traefik-lease", "traefik/http/routers/manual/rule"])
        #expect(plan.unchanged == 2)
        let all = PublishPlan.make(desired: desired, snapshot: snapshot, rootKey: "traefik", prune: .all)
        #expect(all.deletes.contains("traefik/http/routers/manual/rule"))
        #expect(all.foreign == ["traefik-lease"], "prune all stays under <rootKey>/")
    }

    @Test("large plans are chunked: services before routers, removed routers before what they used")
    func chunks() {
        let plan = PublishPlan(
            sets: [pair("t/http/routers/new/rule", "Host(`n`)"), pair("t/http/services/new/loadBalancer/servers/0/url", "http://x")],
            deletes: ["t/http/routers/old/rule", "t/http/services/old/loadBalancer/servers/0/url"], adopt: [], foreign: [],
            unchanged: 0, rootKey: "t")
        #expect(plan.chunks(limit: 10).count == 1)
        let chunks = plan.chunks(limit: 1)
        #expect(chunks.count == 4)
        #expect(chunks[0].sets.first?.key == "t/http/services/new/loadBalancer/servers/0/url")
        #expect(chunks[1].sets.first?.key == "t/http/routers/new/rule")
        #expect(chunks[2].deletes == ["t/http/routers/old/rule"])
        #expect(chunks[3].deletes == ["t/http/services/old/loadBalancer/servers/0/url"])
    }

    @Test("the byte-level router test agrees with splitting the key, on every awkward key")
    func routerKeyTest() {
        let keys = [
            "traefik/http/routers/a/rule", "traefik/tcp/routers/a", "traefik/udp/routers/a/service",
            "traefik/http/routers/", "traefik/http/routers//", "traefik//http//routers//x", "traefik/http/routers",
            "traefik/http/router/a/rule", "traefik/http/routersx/a", "traefik/http/Routers/a", "traefik/routers/a/b",
            "traefik/http/services/routers/x", "traefikx/http/routers/a", "traefik", "traefik/", "", "/http/routers/a",
            "traefik/http/routers/\u{07F2}ed/rule", "traefik/\u{07F2}/routers/a", "traefik/http/routers\u{0301}/a",
            "traefik/http/routers/a/b/c/d/e", "other/http/routers/a",
        ]
        for rootKey in ["traefik", "tr\u{07F2}", ""] {
            for key in keys + keys.map({ rootKey + $0.dropFirst("traefik".count) }) {
                #expect(
                    ConfigKeyPath.isRouterKey(key, rootKey: rootKey) == (ConfigKeyPath(key, rootKey: rootKey)?.isRouter ?? false),
                    "\(key) under \(rootKey)")
            }
        }
        #expect(ConfigKeyPath.isRouterKey("traefik//http//routers//x", rootKey: "traefik"))
        #expect(!ConfigKeyPath.isRouterKey("traefik/http/routers/", rootKey: "traefik"))
    }

    /// The plan as it was computed before the shortcut for "every key Redis holds is desired": the reference
    /// the shortcut must agree with.
    func referencePlan(
        desired: [KVPair], snapshot: RedisSnapshot, rootKey: String, prune: CoordinatorSettings.Prune
    ) -> PublishPlan {
        var plan = PublishPlan(sets: [], deletes: [], adopt: [], foreign: [], unchanged: 0, rootKey: rootKey)
        let wanted = Set(desired.map(\.key))
        for pair in desired {
            if snapshot.values[pair.key] == pair.value {
                plan.unchanged += 1
                if !snapshot.manifest.contains(pair.key) { plan.adopt.append(pair.key) }
            } else {
                plan.sets.append(pair)
            }
        }
        for key in snapshot.values.keys where !wanted.contains(key) {
            if snapshot.manifest.contains(key) || (prune == .all && KVPair.isKey(key, under: rootKey)) {
                plan.deletes.append(key)
            } else {
                plan.foreign.append(key)
            }
        }
        for key in snapshot.manifest where !wanted.contains(key) && snapshot.values[key] == nil { plan.deletes.append(key) }
        plan.sets.sort { $0.key < $1.key }
        plan.deletes.sort()
        plan.adopt.sort()
        plan.foreign.sort()
        return plan
    }

    @Test("planning agrees with the reference on random snapshots, sorted or not, with and without repeated keys")
    func randomPlans() {
        var generator = SplitMix64(seed: 0x9_1A4)
        let universe = (0..<12).map { "traefik/http/routers/r\($0)/rule" } + ["traefik-lease", "other/key"]
        var shortcuts = 0
        for round in 0..<3_000 {
            let keys = universe.filter { _ in Bool.random(using: &generator) }
            var desired = keys.map { pair($0, ["a", "b"].randomElement(using: &generator)!) }
            switch round % 4 {
            case 0: desired.sort { $0.key < $1.key }
            case 1: desired.shuffle(using: &generator)
            case 2: if let first = desired.first { desired.append(first) }  // a repeated key
            default: desired.sort { $0.key < $1.key }
            }
            // Mostly snapshots that hold only desired keys (where the shortcut applies), sometimes more.
            let held = round % 3 == 0 ? universe : keys
            var values: [String: String] = [:]
            for key in held where Bool.random(using: &generator) || round % 3 != 0 { values[key] = ["a", "b"].randomElement(using: &generator)! }
            let manifest = Set(held.filter { _ in Bool.random(using: &generator) })
            let snapshot = RedisSnapshot(values: values, manifest: manifest)
            for prune in [CoordinatorSettings.Prune.owned, .all] {
                let plan = PublishPlan.make(desired: desired, snapshot: snapshot, rootKey: "traefik", prune: prune)
                let expected = referencePlan(desired: desired, snapshot: snapshot, rootKey: "traefik", prune: prune)
                #expect(plan == expected, "round \(round): \(desired.map(\.key)) against \(values.keys.sorted()), manifest \(manifest.sorted())")
            }
            if Set(values.keys).isSubset(of: keys) && manifest.isSubset(of: keys) { shortcuts += 1 }
        }
        #expect(shortcuts > 1_000, "most rounds exercise the shortcut")
    }

    @Test("a repeated desired key cannot hide a deletion")
    func repeatedKey() {
        // Two desired entries, two keys in Redis and the manifest: the counts match, but "b" is not desired.
        let desired = [pair("traefik/a", "1"), pair("traefik/a", "1")]
        let snapshot = RedisSnapshot(values: ["traefik/a": "1", "traefik/b": "2"], manifest: ["traefik/a", "traefik/b"])
        let plan = PublishPlan.make(desired: desired, snapshot: snapshot, rootKey: "traefik", prune: .owned)
        #expect(plan.deletes == ["traefik/b"])
    }

    @Test("the desired pairs are in key order with the placeholder among them, so planning can use its shortcut")
    func desiredPairsOrder() throws {
        let text = """
            http:
              routers:
                zz: {rule: "Host(`z`)", service: web}
                aa: {rule: "Host(`a`)", service: web}
              services:
                web: {loadBalancer: {servers: [{url: "http://10.0.0.1"}]}}
                zzz: {loadBalancer: {servers: [{url: "http://10.0.0.2"}]}}
            """
        let loaded = DynamicConfigurationLoader.load(documents: [(file: "routes.yaml", text: text)])
        try #require(loaded.issues.isEmpty, "\(loaded.issues)")
        let pairs = Publisher.desiredPairs(loaded.configuration, rootKey: "traefik")
        #expect(PublishPlan.keysAreSortedAndDistinct(pairs))
        #expect(pairs.contains(Placeholder.pair(rootKey: "traefik")))
        #expect(pairs.first?.key != Placeholder.pair(rootKey: "traefik").key && pairs.last?.key != Placeholder.pair(rootKey: "traefik").key)
    }

    @Test("the placeholder's name is reserved, whatever its case")
    func placeholder() {
        #expect(Placeholder.pair(rootKey: "traefik").key == "traefik/http/services/traefik-coordinator-placeholder/loadBalancer/passHostHeader")
        #expect(Placeholder.collides("traefik/http/routers/Traefik-Coordinator-Placeholder/rule", rootKey: "traefik"))
        #expect(!Placeholder.collides("traefik/http/routers/web/rule", rootKey: "traefik"))
    }

    @Test("a configuration that uses the placeholder's name is refused; any other gets the placeholder added")
    func placeholderInConfiguration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-placeholder-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func load(serviceName: String) throws -> Result<DesiredState, DesiredStateError> {
            let text = "http:\n  services:\n    \(serviceName):\n      loadBalancer:\n        servers:\n          - url: \"http://10.0.0.1\"\n"
            try text.write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
            return DesiredState.load(path: directory, rootKey: "traefik")
        }
        guard case .failure(let error) = try load(serviceName: "Traefik-Coordinator-Placeholder") else {
            Issue.record("the reserved name was accepted")
            return
        }
        #expect(error.problems == [
            "traefik/http/services/Traefik-Coordinator-Placeholder/loadBalancer/servers/0/url: the name 'traefik-coordinator-placeholder' is reserved by traefik-coordinator; rename the element"
        ])
        let state = try load(serviceName: "web").get()
        #expect(state.pairs.contains(Placeholder.pair(rootKey: "traefik")))
        #expect(PublishPlan.keysAreSortedAndDistinct(state.pairs))
    }
}
