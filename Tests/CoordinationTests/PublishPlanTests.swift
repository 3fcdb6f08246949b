@testable import Coordination
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

    @Test("the placeholder's name is reserved, whatever its case")
    func placeholder() {
        #expect(Placeholder.pair(rootKey: "traefik").key == "traefik/http/services/traefik-coordinator-placeholder/loadBalancer/passHostHeader")
        #expect(Placeholder.collides("traefik/http/routers/Traefik-Coordinator-Placeholder/rule", rootKey: "traefik"))
        #expect(!Placeholder.collides("traefik/http/routers/web/rule", rootKey: "traefik"))
    }
}
