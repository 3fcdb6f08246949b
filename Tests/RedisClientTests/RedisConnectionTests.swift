import Foundation
import Logging
import NIOCore
import NIOPosix
import RESP
import RedisClient
import TestSupport
import Testing

/// Integration tests against a real redis-server (skipped outside CI when it is not installed; failing in CI).
@Suite(
    "Redis connection against a real redis-server", .enabled(if: ExternalTool.shouldRun("redis-server")),
    .timeLimit(.minutes(1)))
struct RedisConnectionTests {
    @Test("HELLO 3 negotiates RESP3; preferRESP3 off and a server without HELLO both use RESP2")
    func protocolNegotiation() async throws {
        try await withRedisServer { server in
            let connection = try await server.connect()
            defer { Task { await connection.close() } }
            #expect(connection.protocolVersion == 3)
            #expect(connection.serverVersion == server.version, "HELLO's version is the server's")
            #expect(try await connection.send(RedisCommands.ping()) == "PONG")
            let names = try await server.cli("CLIENT", "LIST")
            #expect(names.contains("name=traefik-coordinator"))

            var resp2 = server.connectionConfiguration()
            resp2.preferRESP3 = false
            let legacy = try await RedisConnection.connect(to: server.address, configuration: resp2)
            #expect(legacy.protocolVersion == 2)
            #expect(try await legacy.send(RedisCommands.configGet("maxmemory-policy")) == ["maxmemory-policy": "noeviction"])
            await legacy.close()
        }
        // A server that refuses HELLO (as Redis 5 does): fall back to AUTH + RESP2.
        try await withRedisServer(["rename-command HELLO \"\"", "requirepass s3cret"]) { server in
            let connection = try await server.connect(password: "s3cret")
            #expect(connection.protocolVersion == 2)
            #expect(try await connection.send(RedisCommands.set("k", "v")))
            #expect(try await server.cli("GET", "k", password: "s3cret") == "v")
            await connection.close()
        }
    }

    @Test("AUTH with an ACL user works; a wrong password and a missing password are distinct errors")
    func authentication() async throws {
        let acl = ["user default off", "user app on >app-pass ~app:* +@all", "user other on >other-pass ~* +@all"]
        try await withRedisServer(acl) { server in
            let connection = try await server.connect(username: "app", password: "app-pass")
            #expect(try await connection.send(RedisCommands.set("app:key", "1")))
            #expect(try await server.cli("GET", "app:key", password: "other-pass", user: "other") == "1")
            // The ACL applies: a key outside ~app:* is refused with NOPERM.
            await #expect {
                try await connection.send(RedisCommands.set("elsewhere", "1"))
            } throws: { error in
                (error as? RedisError)?.serverError?.kind == .noPermission
            }
            await connection.close()

            do {
                _ = try await server.connect(username: "app", password: "wrong-pass")
                Issue.record("a wrong password connected")
            } catch let error as RedisError {
                guard case .authenticationFailed(let address, let user, let message) = error else {
                    Issue.record("expected authenticationFailed, got \(error)")
                    return
                }
                #expect(address == server.address)
                #expect(user == "app")
                #expect(message.hasPrefix("WRONGPASS"))
                #expect(!error.description.contains("wrong-pass"), "the password leaked into the error")
                #expect(error.isTransient == false)
            }
            do {
                _ = try await server.connect()
                Issue.record("connected without a password to a server that needs one")
            } catch let error as RedisError {
                guard case .authenticationRequired = error else {
                    Issue.record("expected authenticationRequired, got \(error)")
                    return
                }
            }
        }
    }

    @Test("SELECT picks the database; a bad index is a clear error")
    func selectDatabase() async throws {
        try await withRedisServer { server in
            let connection = try await server.connect(database: 3)
            #expect(try await connection.send(RedisCommands.set("in-db-3", "yes")))
            #expect(try await server.cli("-n", "3", "GET", "in-db-3") == "yes")
            #expect(try await server.cli("-n", "0", "EXISTS", "in-db-3") == "0")
            await connection.close()
            await #expect {
                _ = try await server.connect(database: 99)
            } throws: { error in
                (error as? RedisError)?.serverError?.message.contains("DB index is out of range") == true
            }
        }
    }

    @Test("10,000 pipelined SETs in one flush, then MGET returns exactly those values")
    func pipelinedSetsThenMget() async throws {
        try await withRedisServer { server in
            let connection = try await server.connect()
            let keys = (0..<10_000).map { "key:\($0)" }
            let values = (0..<10_000).map { "value-\($0)-\(String(repeating: "x", count: $0 % 50))" }
            let replies = try await connection.pipeline(
                zip(keys, values).map { RedisCommands.set($0, $1) }, timeout: .seconds(30))
            #expect(replies.count == 10_000)
            #expect(replies.allSatisfy { (try? $0.get()) == true })
            #expect(try await server.cli("DBSIZE") == "10000")
            let read = try await connection.send(RedisCommands.mget(keys))
            #expect(read == values)
            #expect(try await server.cli("GET", "key:9999") == values[9999])
            await connection.close()
        }
    }

    @Test("MULTI/EXEC applies atomically; a WATCHed key changed by another client aborts the transaction")
    func transactions() async throws {
        try await withRedisServer { server in
            let connection = try await server.connect()
            let results = try await connection.transaction([
                RESPCommand("SET", "a", "1"), RESPCommand("INCR", "a"), RESPCommand("GET", "a"),
            ])
            #expect(results?.map(\.description) == ["OK", "(integer) 2", "\"2\""])

            try await connection.send(RedisCommands.watch(["a"]))
            try await server.cli("SET", "a", "changed-by-someone-else")
            let aborted = try await connection.transaction([RESPCommand("SET", "a", "mine")])
            #expect(aborted == nil)
            #expect(try await server.cli("GET", "a") == "changed-by-someone-else")

            // A command refused while queueing discards the whole transaction (EXECABORT).
            await #expect {
                _ = try await connection.transaction([RESPCommand("SET", "b", "1"), RESPCommand("NOSUCHCOMMAND")])
            } throws: { error in
                (error as? RedisError)?.serverError?.kind == .execAbort
            }
            #expect(try await server.cli("EXISTS", "b") == "0")
            await connection.close()
        }
    }

    @Test("EVALSHA loads the script once, and again after SCRIPT FLUSH (NOSCRIPT)")
    func scriptsReloadAfterFlush() async throws {
        try await withRedisServer { server in
            let connection = try await server.connect()
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
            #expect(try await connection.evaluate(script, keys: ["counter"], arguments: ["5"]).int == 5)
            #expect(try await connection.evaluate(script, keys: ["counter"], arguments: ["5"]).int == 10)
            // Redis 6.2 counts subcommands under their command (`cmdstat_script`).
            let scriptLoad = server.majorVersion >= 7 ? "script|load" : "script"
            #expect(Self.calls(of: scriptLoad, in: try await server.cli("INFO", "commandstats")) == 1)

            try await server.cli("SCRIPT", "FLUSH")
            #expect(try await connection.evaluate(script, keys: ["counter"], arguments: ["1"]).int == 11)
            let stats = try await server.cli("INFO", "commandstats")
            #expect(Self.calls(of: scriptLoad, in: stats) == (server.majorVersion >= 7 ? 2 : 3), "2 loads (+ the SCRIPT FLUSH on 6.2)")
            #expect(Self.calls(of: "evalsha", in: stats) == 4)  // 2 hits, 1 NOSCRIPT, 1 retry
            #expect(try await server.cli("GET", "counter") == "11")

            // An error raised by the script arrives as a server error.
            await #expect {
                _ = try await connection.evaluate(RedisScript("return redis.error_reply('FENCED not leader')"))
            } throws: { error in
                (error as? RedisError)?.serverError?.code == "FENCED"
            }
            await connection.close()
        }
    }

    static func calls(of command: String, in stats: String) -> Int {
        RedisInfo(stats).calls(of: command)
    }

    @Test("SCAN over 5,000 keys yields each key exactly once and nothing else")
    func scanEveryKeyOnce() async throws {
        try await withRedisServer { server in
            let connection = try await server.connect()
            let wanted = Set((0..<5_000).map { "traefik/http/routers/r\($0)/rule" })
            _ = try await connection.pipeline(wanted.map { RESPCommand("SET", .string($0), "Host(`x`)") }, timeout: .seconds(30))
            _ = try await connection.pipeline((0..<300).map { RESPCommand("SET", .string("other:\($0)"), "1") })
            var seen: [String] = []
            for try await key in connection.scan(match: "traefik/*", count: 100) { seen.append(key) }
            #expect(seen.count == 5_000)
            #expect(Set(seen) == wanted)
            await connection.close()
        }
    }

    @Test("a command against a server paused with DEBUG SLEEP times out; the connection stays usable")
    func commandTimeout() async throws {
        try await withRedisServer { server in
            let connection = try await server.connect(commandTimeout: .milliseconds(300))
            let sleeper = try await server.debugSleep(seconds: 1.5)
            let started = ContinuousClock.now
            do {
                _ = try await connection.send(RedisCommands.get("k"))
                Issue.record("GET answered while the server slept")
            } catch let error as RedisError {
                guard case .commandTimeout(let command, let address, _) = error else {
                    Issue.record("expected commandTimeout, got \(error)")
                    return
                }
                #expect(command == "GET")
                #expect(address == server.address)
            }
            #expect(ContinuousClock.now - started < .seconds(1))
            _ = try await sleeper.value
            // The late reply to GET is dropped; the next command gets its own reply.
            #expect(try await connection.send(RedisCommands.set("k", "after"), timeout: .seconds(5)))
            #expect(try await connection.send(RedisCommands.get("k"), timeout: .seconds(5)) == "after")
            await connection.close()
        }
    }

    @Test("cancelling the task of a pending command cancels that command only")
    func cancellation() async throws {
        try await withRedisServer { server in
            let connection = try await server.connect(commandTimeout: .seconds(10))
            let sleeper = try await server.debugSleep(seconds: 1)
            let pending = Task { try await connection.send(RedisCommands.incr("cancelled-counter")) }
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            pending.cancel()
            let result = await pending.result
            #expect(ContinuousClock.now - started < .milliseconds(500))
            guard case .failure(let error) = result, case .cancelled(let command)? = error as? RedisError else {
                Issue.record("expected a cancelled error, got \(result)")
                return
            }
            #expect(command == "INCR")
            _ = try await sleeper.value
            #expect(connection.isActive)
            #expect(try await connection.send(RedisCommands.incr("other")) == 1)
            // The INCR was already on the wire: the server ran it, and its reply was dropped.
            #expect(try await server.cli("GET", "cancelled-counter") == "1")
            await connection.close()
        }
    }

    @Test("typed replies: SET NX/PX, DEL, PEXPIRE, INCR, WAIT, ROLE, INFO, CONFIG GET/SET, PUBLISH, EXISTS")
    func typedReplies() async throws {
        try await withRedisServer { server in
            let connection = try await server.connect()
            #expect(try await connection.send(RedisCommands.set("lease", "a:1", condition: .ifNotExists, expiration: .seconds(10))))
            #expect(try await connection.send(RedisCommands.set("lease", "b:2", condition: .ifNotExists)) == false)
            #expect(try await connection.send(RedisCommands.set("missing", "x", condition: .ifExists)) == false)
            let ttl = try await connection.send(RedisCommands.pttl("lease"))
            #expect(ttl > 5_000 && ttl <= 10_000, "the 10 s expiry was set (bounds allow a loaded machine)")
            #expect(try await connection.send(RedisCommands.pexpire("lease", .seconds(30))))
            #expect(try await connection.send(RedisCommands.pexpire("nothing", .seconds(30))) == false)
            #expect(try await connection.send(RedisCommands.incr("term")) == 1)
            #expect(try await connection.send(RedisCommands.incr("term")) == 2)
            #expect(try await connection.send(RedisCommands.exists(["lease", "term", "none"])) == 2)
            #expect(try await connection.send(RedisCommands.del(["lease", "term", "none"])) == 2)
            #expect(try await connection.send(RedisCommands.get("lease")) == nil)
            #expect(try await connection.send(RedisCommands.wait(replicas: 0, timeout: .milliseconds(10))) == 0)
            #expect(try await connection.send(RedisCommands.role()) == .master(replicationOffset: 0, replicas: []))
            let info = try await connection.send(RedisCommands.info("server"))
            #expect(info["redis_version"]?.isEmpty == false)  // Valkey 9 reports its Redis compatibility, 7.2.4
            try await connection.send(RedisCommands.configSet("notify-keyspace-events", "KEA"))
            let flags = try await connection.send(RedisCommands.configGet("notify-keyspace-events"))
            #expect(Set(flags["notify-keyspace-events"] ?? "") == Set("AKE"))
            #expect(try await server.cli("CONFIG", "GET", "notify-keyspace-events").hasSuffix("AKE"))
            #expect(try await connection.send(RedisCommands.publish("nobody-listens", "hi")) == 0)
            await connection.close()
        }
    }

    @Test("READONLY, NOSCRIPT and unknown-command replies are distinguishable typed errors")
    func typedServerErrors() async throws {
        try await withRedisServer { master in
            try await withRedisServer(["replicaof 127.0.0.1 \(master.address.port)", "rename-command CONFIG \"\""]) { replica in
                let connection = try await replica.connect()
                if case .replica(let masterAddress, _, _) = try await connection.send(RedisCommands.role()) {
                    #expect(masterAddress.port == master.address.port)
                } else {
                    Issue.record("ROLE of a replica is not replica")
                }
                await #expect {
                    try await connection.send(RedisCommands.set("k", "v"))
                } throws: { error in
                    let server = (error as? RedisError)?.serverError
                    return server?.kind == .readOnly && server?.address == replica.address && server?.command == "SET"
                }
                await #expect {
                    _ = try await connection.send(RedisCommands.evalsha(String(repeating: "0", count: 40), keys: [], arguments: []))
                } throws: { error in
                    (error as? RedisError)?.serverError?.kind == .noScript
                }
                await #expect {
                    _ = try await connection.send(RedisCommands.configGet("*"))
                } throws: { error in
                    (error as? RedisError)?.serverError?.kind == .unknownCommand
                }
                await connection.close()
            }
        }
    }

    @Test("connect errors: a closed port fails fast and is transient")
    func connectErrors() async throws {
        let port = FreePort.next()
        let address = RedisAddress(host: "127.0.0.1", port: port)
        do {
            _ = try await RedisConnection.connect(to: address, configuration: .init())
            Issue.record("connected to a closed port")
        } catch {
            guard case .connectFailed(let failed, _) = error else {
                Issue.record("expected connectFailed, got \(error)")
                return
            }
            #expect(failed == address)
            #expect(error.isTransient)
        }
    }

    @Test("a command on a connection the server already closed fails at once, not at its timeout")
    func commandAfterServerClosed() async throws {
        try await withRedisServer { server in
            let connection = try await server.connect(commandTimeout: .seconds(20))
            _ = try await server.cli("CLIENT", "KILL", "TYPE", "normal")
            await connection.waitUntilClosed()
            let started = ContinuousClock.now
            await #expect {
                _ = try await connection.send(RedisCommands.ping())
            } throws: { error in
                if case .connectionClosed = error as? RedisError { return true }
                return false
            }
            #expect(ContinuousClock.now - started < .seconds(10), "failed with the close, long before the 20 s timeout")
        }
    }
}
