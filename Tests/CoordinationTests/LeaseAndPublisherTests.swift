import Coordination
import Foundation
import Logging
import RESP
import RedisClient
import TestSupport
import TraefikConfig
import Testing

/// The lease and the fenced publisher against a real redis-server.
@Suite("Lease and fenced publisher against a real redis-server", .enabled(if: ExternalTool.shouldRun("redis-server")), .timeLimit(.minutes(1)))
struct LeaseAndPublisherTests {
    /// Long: these tests are about what is written, not about timing (which the state machine tests and the
    /// process tests cover); a loaded machine must not expire the lease mid-test.
    static let timing = CoordinatorSettings.Lease(duration: .seconds(60), renewDeadline: .seconds(40), retryPeriod: .seconds(1))
    static let keys = StateKeys(prefix: "coordinator:traefik:")

    func elector(_ server: RedisServerProcess, _ id: String) -> (LeaseElector, RedisClient) {
        let client = RedisClient(address: server.address)
        return (LeaseElector(redis: client, keys: Self.keys, instanceId: id, timing: Self.timing, logger: Logger(label: id)), client)
    }

    func publisher(_ client: RedisClient, atomicLimit: Int = 1000) -> Publisher {
        Publisher(redis: client, keys: Self.keys, rootKey: "traefik", prune: .owned, atomicLimit: atomicLimit, logger: Logger(label: "p"))
    }

    @Test("three electors: exactly one leads; its release lets another take over with the next term")
    func oneLeader() async throws {
        try await withRedisServer { server in
            let electors = ["a", "b", "c"].map { elector(server, $0) }
            for (elector, _) in electors { await elector.step() }
            var leaders: [String] = []
            for (elector, _) in electors where await elector.leadership() != nil { leaders.append(elector.instanceId) }
            #expect(leaders.count == 1)
            let token = try await server.cli("GET", Self.keys.lease)
            #expect(token == "\(leaders[0]):1")
            let ttl = try #require(Int(try await server.cli("PTTL", Self.keys.lease)))
            #expect(ttl > 0 && ttl <= 60_000)
            let leader = try #require(electors.first { $0.0.instanceId == leaders[0] }?.0)
            await leader.release()
            #expect(await leader.leadership() == nil)
            #expect(try await server.cli("EXISTS", Self.keys.lease) == "0")
            for (elector, _) in electors where elector !== leader { await elector.step() }
            var next: [(Int64, String)] = []
            for (elector, _) in electors { if let leadership = await elector.leadership() { next.append(leadership) } }
            #expect(next.count == 1)
            #expect(next.first?.0 == 2, "a new term")
            for (_, client) in electors { await client.close() }
        }
    }

    @Test("an acquisition whose reply was lost is not a ghost: the next attempt finds our own token and keeps it")
    func lostReply() async throws {
        try await withRedisServer { server in
            try await server.cli("SET", Self.keys.lease, "a:7", "PX", "60000")
            let (mine, client) = elector(server, "a")
            await mine.step()
            #expect(await mine.leadership()?.token == "a:7")
            let (other, otherClient) = elector(server, "ab")  // a prefix of the holder must not match
            await other.step()
            #expect(await other.leadership() == nil)
            await client.close()
            await otherClient.close()
        }
    }

    @Test("publish: only changed keys are written, in one script; a stale token is refused by the fence; foreign keys stay")
    func fencedPublish() async throws {
        try await withRedisServer { server in
            let (elector, client) = elector(server, "a")
            await elector.step()
            let publisher = publisher(client)
            try await server.cli("SET", "traefik/http/routers/manual/rule", "Host(`manual`)")
            var desired = [
                KVPair(key: "traefik/http/routers/web/rule", value: "Host(`web`)"),
                KVPair(key: "traefik/http/routers/web/service", value: "web"),
                KVPair(key: "traefik/http/services/web/loadBalancer/servers/0/url", value: "http://127.0.0.1:1"),
            ]
            let first = try await publisher.publish(
                desired: desired, hash: "h1", instanceId: "a", leadership: { await elector.leadership() })
            #expect(first.written == 3 && first.deleted == 0 && first.foreign == ["traefik/http/routers/manual/rule"])
            #expect(try await server.cli("GET", "traefik/http/routers/web/rule") == "Host(`web`)")
            #expect(try await server.cli("SCARD", Self.keys.manifest) == "3")
            #expect(try await server.cli("GET", Self.keys.published).contains("\"hash\":\"h1\""))

            try await server.cli("CONFIG", "RESETSTAT")
            desired[0].value = "Host(`web2`)"
            desired.removeLast()
            desired.append(KVPair(key: "traefik/http/services/web/loadBalancer/servers/0/url", value: "http://127.0.0.1:1"))
            let second = try await publisher.publish(
                desired: desired, hash: "h2", instanceId: "a", leadership: { await elector.leadership() })
            #expect(second.written == 1 && second.deleted == 0)
            let stats = try await server.cli("INFO", "commandstats")
            #expect(stats.contains("cmdstat_mset:calls=1,"), "the one changed key, in one MSET: \(stats)")
            #expect(stats.contains("cmdstat_set:calls=1,"), "the published record: \(stats)")
            #expect(stats.contains("cmdstat_evalsha:calls=1,"), "one atomic step")

            // Another instance took the lease on the node: our token is stale and the script refuses.
            try await server.cli("SET", Self.keys.lease, "b:9")
            await #expect {
                _ = try await publisher.publish(
                    desired: [KVPair(key: "traefik/http/routers/web/rule", value: "Host(`evil`)")], hash: "h3", instanceId: "a",
                    leadership: { await elector.leadership() })
            } throws: { error in
                guard case .notLeader(let message) = error as? PublishError else { return false }
                return message.contains("b:9")
            }
            #expect(try await server.cli("GET", "traefik/http/routers/web/rule") == "Host(`web2`)")
            #expect(try await server.cli("GET", "traefik/http/routers/manual/rule") == "Host(`manual`)")
            await client.close()
        }
    }

    @Test("an incremental publish plans against the last publish's view: no SCAN or MGET, commands do not grow with the configuration; a stale view falls back to a fresh read")
    func incrementalPublish() async throws {
        try await withRedisServer { server in
            let (elector, client) = elector(server, "a")
            await elector.step()
            let publisher = publisher(client, atomicLimit: 10_000)
            var desired = (0..<2_000).map { KVPair(key: "traefik/http/routers/r\($0)/rule", value: "Host(`r\($0)`)") }
            _ = try await publisher.publish(desired: desired, hash: "h1", instanceId: "a", leadership: { await elector.leadership() })

            try await server.cli("CONFIG", "RESETSTAT")
            desired[7].value = "Host(`changed`)"
            desired.removeLast()
            let changed = try await publisher.publish(
                desired: desired, hash: "h2", instanceId: "a", incremental: true, leadership: { await elector.leadership() })
            #expect(changed.written == 1 && changed.deleted == 1)
            #expect(try await server.cli("GET", "traefik/http/routers/r7/rule") == "Host(`changed`)")
            #expect(try await server.cli("EXISTS", "traefik/http/routers/r1999/rule") == "0")
            let stats = try await server.cli("INFO", "commandstats")
            #expect(!stats.contains("cmdstat_scan") && !stats.contains("cmdstat_mget"), "no read of every key: \(stats)")
            #expect(stats.contains("cmdstat_evalsha:calls=1,"), "\(stats)")
            let input = try await server.cli("INFO", "stats")
            let bytes = try #require(input.split(whereSeparator: \.isNewline).first { $0.hasPrefix("total_net_input_bytes:") })
            #expect((Int(bytes.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? .max) < 2_000, "\(bytes)")

            // Behind our back: a key repaired only by a full read, and a published record that is not ours.
            try await server.cli("SET", "traefik/http/routers/r8/rule", "Host(`tampered`)")
            try await server.cli("SET", Self.keys.published, "{\"hash\":\"someone else\"}")
            desired[9].value = "Host(`changed again`)"
            let fallback = try await publisher.publish(
                desired: desired, hash: "h3", instanceId: "a", incremental: true, leadership: { await elector.leadership() })
            #expect(fallback.written == 2, "the stale view was dropped: r9 and the tampered r8")
            #expect(try await server.cli("GET", "traefik/http/routers/r8/rule") == "Host(`r8`)")
            #expect(try await server.cli("GET", "traefik/http/routers/r9/rule") == "Host(`changed again`)")
            #expect(try await server.cli("GET", Self.keys.published).contains("\"hash\":\"h3\""))
            await client.close()
        }
    }

    @Test("a manual DEL and SET of owned keys are repaired by the next publish; removed keys are deleted")
    func repair() async throws {
        try await withRedisServer { server in
            let (elector, client) = elector(server, "a")
            await elector.step()
            let publisher = publisher(client)
            let desired = [
                KVPair(key: "traefik/http/routers/web/rule", value: "Host(`web`)"),
                KVPair(key: "traefik/http/routers/web/service", value: "web"),
            ]
            _ = try await publisher.publish(desired: desired, hash: "h", instanceId: "a", leadership: { await elector.leadership() })
            try await server.cli("DEL", "traefik/http/routers/web/service")
            try await server.cli("SET", "traefik/http/routers/web/rule", "Host(`tampered`)")
            let repaired = try await publisher.publish(desired: desired, hash: "h", instanceId: "a", leadership: { await elector.leadership() })
            #expect(repaired.written == 2)
            #expect(try await server.cli("GET", "traefik/http/routers/web/rule") == "Host(`web`)")
            let removed = try await publisher.publish(
                desired: [desired[0]], hash: "h2", instanceId: "a", leadership: { await elector.leadership() })
            #expect(removed.deleted == 1)
            #expect(try await server.cli("EXISTS", "traefik/http/routers/web/service") == "0")
            await client.close()
        }
    }
}
