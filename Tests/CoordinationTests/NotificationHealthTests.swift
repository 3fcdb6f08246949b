import Coordination
import Foundation
import Logging
import RedisClient
import TestSupport
import TraefikConfig
import Testing

@Suite("Keyspace notification flags")
struct NotificationFlagsTests {
    @Test("A expands to its classes; the missing classes of Kg$ are named in order")
    func parsing() {
        let required = NotificationFlags("Kg$")
        #expect(NotificationFlags("KEA").satisfies(required))
        #expect(NotificationFlags("AK").satisfies(required))
        #expect(String(NotificationFlags("").missing(required)) == "Kg$")
        #expect(String(NotificationFlags("K$").missing(required)) == "g")
        #expect(String(NotificationFlags("E$g").missing(required)) == "K")
        #expect(!NotificationFlags("EA").satisfies(required), "keyevent-only misses everything")
    }
}

/// Notification health on real redis-server processes: CONFIG where allowed, the probe where not.
@Suite("Notification health against real redis-server", .enabled(if: ExternalTool.shouldRun("redis-server")), .timeLimit(.minutes(1)))
struct NotificationHealthTests {
    static let keys = StateKeys(prefix: "coordinator:traefik:")

    func checker(password: String? = nil, username: String? = nil) -> NotificationHealthChecker {
        NotificationHealthChecker(
            required: "Kg$", keys: Self.keys,
            data: RedisConnectionConfiguration(username: username, password: password.map { RedisSecret($0) }),
            logger: Logger(label: "test"))
    }

    @Test("CONFIG GET: off is a failure naming the node and the remedy; KEA is healthy; autoFix turns it on")
    func config() async throws {
        try await withRedisServer(["notify-keyspace-events \"\""]) { server in
            let off = await checker().check(node: server.address, role: "master", master: server.address, autoFix: false)
            #expect(off.state == .missingClasses && off.method == .config && off.missing == "Kg$")
            #expect(off.remedy?.contains("CONFIG SET notify-keyspace-events KEA") == true)
            #expect(off.remedy?.contains(server.address.description) == true)
            let fixed = await checker().check(node: server.address, role: "master", master: server.address, autoFix: true)
            #expect(fixed.isHealthy && fixed.autoFixed)
            let configured = try await server.cli("CONFIG", "GET", "notify-keyspace-events").split(separator: "\n").last.map(String.init) ?? ""
            #expect(NotificationFlags(configured).satisfies(NotificationFlags("Kg$")), "now '\(configured)'")
        }
    }

    @Test("CONFIG renamed away (managed Redis): the probe tells on, partly on, and off apart", arguments: ["KEA", "K$", "\"\""])
    func probeRenamed(_ flags: String) async throws {
        try await withRedisServer(["rename-command CONFIG \"\"", "notify-keyspace-events \(flags)"]) { server in
            let health = await checker().check(node: server.address, role: "master", master: server.address, autoFix: true)
            #expect(health.method == .probe)
            switch flags {
            case "KEA": #expect(health.isHealthy, "\(health.detail)")
            case "K$": #expect(health.state == .missingClasses && health.missing == "g", "\(health.detail)")
            default: #expect(health.state == .notificationsOff, "\(health.detail)")
            }
            #expect(!health.autoFixed, "CONFIG is not there to fix it")
            let leftovers = try await server.cli("KEYS", "coordinator:*")
            #expect(leftovers == "", "the probe key is gone")
        }
    }

    @Test("an ACL user without +config: the probe reports on and off correctly")
    func probeACL() async throws {
        for (flags, healthy) in [("KEA", true), ("\"\"", false)] {
            try await withRedisServer([
                "notify-keyspace-events \(flags)", "user default on nopass ~* &* +@all",
                "user coordinator on >probe-pass ~* &* +@all -config",
            ]) { server in
                let health = await checker(password: "probe-pass", username: "coordinator")
                    .check(node: server.address, role: "master", master: server.address, autoFix: false)
                #expect(health.method == .probe)
                #expect(health.isHealthy == healthy, "\(health.detail)")
                #expect(!health.detail.contains("probe-pass"))
            }
        }
    }

    @Test("drift on a replica is reported for that node only")
    func replicaDrift() async throws {
        try await withRedisServer { master in
            try await withRedisServer(["replicaof 127.0.0.1 \(master.address.port)", "replica-read-only no"]) { replica in
                let desired = [KVPair(key: "traefik/http/routers/web/rule", value: "Host(`web`)")]
                try await master.cli("SET", "traefik/http/routers/web/rule", "Host(`web`)")
                try await master.cli("SADD", Self.keys.manifest, "traefik/http/routers/web/rule")
                let deadline = ContinuousClock.now + .seconds(10)
                while try await replica.cli("GET", "traefik/http/routers/web/rule") != "Host(`web`)", ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await replica.cli("SET", "traefik/http/routers/web/rule", "Host(`wrong`)")
                let data = RedisConnectionConfiguration()
                let onMaster = await NodeDrift.measure(
                    node: master.address, role: "master", desired: desired, manifest: [desired[0].key], rootKey: "traefik",
                    data: data)
                let onReplica = await NodeDrift.measure(
                    node: replica.address, role: "replica", desired: desired, manifest: [desired[0].key], rootKey: "traefik",
                    data: data)
                #expect(onMaster.inSync)
                #expect(!onReplica.inSync && onReplica.changed == 1 && onReplica.examples == [desired[0].key])
                // The master's view of the replica: caught up (at most an unacknowledged keepalive PING behind),
                // so the difference is drift, not lag.
                // Redis 6.2 replicas acknowledge their offset once a second (and WAIT's own GETACK is counted
                // after its answer), so right after a write the master's view of them can be a write behind: ask
                // until the view settles, for at most 5 s.
                let masterConnection = try await master.connect()
                var lag = await NodeDrift.replicationLag(master: masterConnection)
                let settled = ContinuousClock.now + .seconds(5)
                while let behind = lag[replica.address.description], behind != 0, behind != NodeDrift.replicationPingBytes,
                    ContinuousClock.now < settled
                {
                    try await Task.sleep(for: .milliseconds(200))
                    lag = await NodeDrift.replicationLag(master: masterConnection)
                }
                await masterConnection.close()
                let behind = try #require(lag[replica.address.description], "\(lag)")
                #expect(behind == 0 || behind == NodeDrift.replicationPingBytes, "\(lag)")
                var classified = onReplica
                classified.replicationLagBytes = behind
                #expect(!classified.isLagging)
                classified.replicationLagBytes = NodeDrift.replicationPingBytes
                #expect(!classified.isLagging, "a keepalive PING carries no key")
                classified.replicationLagBytes = 4096
                #expect(classified.isLagging, "behind the master: catching up, not drifting")
            }
        }
    }
}
