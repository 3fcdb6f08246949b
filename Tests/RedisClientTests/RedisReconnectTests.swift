import Foundation
import Logging
import NIOCore
import NIOPosix
import RESP
import RedisClient
import TestSupport
import Synchronization
import Testing

@Suite(
    "Reconnects and pub/sub against a real redis-server", .enabled(if: ExternalTool.shouldRun("redis-server")),
    .timeLimit(.minutes(1)))
struct RedisReconnectTests {
    @Test("pub/sub messages arrive, and keep arriving after CLIENT KILL of the subscriber (resubscribed)")
    func pubSubSurvivesClientKill() async throws {
        try await withRedisServer { server in
            let subscriber = RedisSubscriber(
                address: server.address, configuration: server.connectionConfiguration(),
                backoff: RedisBackoff(initial: .milliseconds(50), maximum: .milliseconds(200)))
            try await subscriber.subscribe(["news"])
            try await subscriber.psubscribe(["__keyspace@0__:traefik*"])
            let runner = Task { try await subscriber.run() }
            defer { runner.cancel() }
            var events = subscriber.events.makeAsyncIterator()
            var messages = subscriber.messages.makeAsyncIterator()

            #expect(await events.next() == .subscribed(server.address))
            let publisher = try await server.connect()
            #expect(try await publisher.send(RedisCommands.publish("news", "first")) == 1)
            #expect(await messages.next() == RedisPubSubMessage(channel: "news", pattern: nil, payload: "first"))

            try await server.cli("CLIENT", "KILL", "TYPE", "pubsub")
            #expect(await events.next() != nil)  // disconnected
            #expect(await events.next() == .subscribed(server.address))
            #expect(try await publisher.send(RedisCommands.publish("news", "second")) == 1)
            #expect(await messages.next()?.payload == "second")

            // The pattern subscription came back too: keyspace events of a write under the root key arrive.
            try await server.cli("CONFIG", "SET", "notify-keyspace-events", "Kg$")
            try await server.cli("SET", "traefik/http/routers/a/rule", "Host(`a`)")
            let event = await messages.next()
            #expect(event == RedisPubSubMessage(
                channel: "__keyspace@0__:traefik/http/routers/a/rule", pattern: "__keyspace@0__:traefik*", payload: "set"))
            await publisher.close()
        }
    }

    @Test("RESP2 subscribers receive messages as arrays")
    func pubSubOverRESP2() async throws {
        try await withRedisServer { server in
            var configuration = server.connectionConfiguration()
            configuration.preferRESP3 = false
            let subscriber = RedisSubscriber(address: server.address, configuration: configuration)
            try await subscriber.subscribe(["c"])
            let runner = Task { try await subscriber.run() }
            defer { runner.cancel() }
            var events = subscriber.events.makeAsyncIterator()
            #expect(await events.next() == .subscribed(server.address))
            try await server.cli("PUBLISH", "c", "payload")
            var messages = subscriber.messages.makeAsyncIterator()
            #expect(await messages.next()?.payload == "payload")
            // A subscription added while connected takes effect on the live connection.
            try await subscriber.subscribe(["added-later"])
            #expect(try await server.cli("PUBLISH", "added-later", "late") == "1")
            #expect(await messages.next() == RedisPubSubMessage(channel: "added-later", pattern: nil, payload: "late"))
        }
    }

    @Test("the client reconnects after its connection is killed, and after a server restart on the same port")
    func clientReconnects() async throws {
        try await withRedisServer { server in
            let client = RedisClient(
                address: server.address, configuration: server.connectionConfiguration(),
                backoff: RedisBackoff(initial: .milliseconds(50), maximum: .milliseconds(500)),
                reconnectTimeout: .seconds(10))
            #expect(try await client.send(RedisCommands.set("k", "1")))
            let first = try await client.connection()
            try await server.cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
            await first.waitUntilClosed()
            #expect(try await client.send(RedisCommands.get("k")) == "1")
            let second = try await client.connection()
            #expect(first !== second)

            try await server.restart()  // SIGKILL: the data is gone, the port is the same
            await second.waitUntilClosed()
            #expect(try await client.send(RedisCommands.get("k")) == nil)
            #expect(try await client.send(RedisCommands.set("k", "2")))
            #expect(try await server.cli("GET", "k") == "2")
            await client.close()
        }
    }

    @Test("the client retries with backoff while the server is down, and gives up with the last error")
    func clientGivesUp() async throws {
        let port = FreePort.next()
        let client = RedisClient(
            address: RedisAddress(host: "127.0.0.1", port: port),
            backoff: RedisBackoff(initial: .milliseconds(50), maximum: .milliseconds(100)),
            reconnectTimeout: .milliseconds(600))
        let started = ContinuousClock.now
        await #expect {
            _ = try await client.send(RedisCommands.ping())
        } throws: { error in
            // Refused, normally; a parallel test's server may take the free port meanwhile, and answer otherwise.
            (error as? RedisError)?.isTransient == true
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(10), "gives up after about reconnectTimeout (generous bound for a loaded machine)")
    }

    @Test("a wrong password is not retried: the client fails at once")
    func clientDoesNotRetryWrongPassword() async throws {
        try await withRedisServer(["requirepass right"]) { server in
            let client = RedisClient(
                address: server.address, configuration: server.connectionConfiguration(password: "wrong"),
                reconnectTimeout: .seconds(30))
            let started = ContinuousClock.now
            await #expect {
                _ = try await client.send(RedisCommands.ping())
            } throws: { error in
                if case .authenticationFailed = error as? RedisError { return true }
                return false
            }
            // Without the timeout this would wait forever. The bound is loose on purpose: in CI this suite shares
        // the process's event loops with the chaos suite's fault proxies, and it once took 5.3 s there.
        #expect(ContinuousClock.now - started < .seconds(20), "bounded by the 300 ms command timeout (loose bound for a loaded machine)")
        }
    }

    @Test("without Sentinel (a managed primary endpoint): READONLY drops the connection and asks for the address again; the write goes to the new primary")
    func readOnlyReconnects() async throws {
        try await withRedisServer { old in
            try await withRedisServer { new in
                // The "DNS name" of the primary endpoint: it moves from `old` to `new` when `old` is demoted.
                let primary = Mutex(old.address)
                let lookups = Mutex(0)
                let client = RedisClient(
                    addressProvider: {
                        lookups.withLock { $0 += 1 }
                        return primary.withLock { $0 }
                    },
                    configuration: old.connectionConfiguration())
                #expect(try await client.send(RedisCommands.set("k", "before")))
                try await old.cli("REPLICAOF", "127.0.0.1", String(new.address.port))
                primary.withLock { $0 = new.address }
                #expect(try await client.send(RedisCommands.set("k", "after")), "sent again after READONLY, to the new primary")
                #expect(try await new.cli("GET", "k") == "after")
                #expect(lookups.withLock { $0 } == 2, "the address was asked for again")
                #expect(await client.connectedAddress == new.address)
                let stats = try await old.cli("INFO", "commandstats")
                #expect(stats.contains("rejected_calls=1"), "one SET was refused by the demoted node: \(stats)")
                await client.close()
            }
        }
    }
}

@Suite("Malformed replies from a fake server")
struct GarbageServerTests {
    @Test("a server that answers with garbage gives a typed protocol error and a closed connection")
    func garbageReply() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(GarbageResponder())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let address = RedisAddress(host: "127.0.0.1", port: server.localAddress!.port!)
        do {
            _ = try await RedisConnection.connect(to: address, configuration: .init())
            Issue.record("connected to a garbage server")
        } catch {
            guard case .protocolViolation(let failed, let protocolError) = error else {
                Issue.record("expected protocolViolation, got \(error)")
                return
            }
            #expect(failed == address)
            #expect(protocolError.kind == .invalidTypeIdentifier(UInt8(ascii: "G")))
            #expect(error.description.contains("\(address)"))
        }
    }
}

@Suite("A server that accepts and never answers")
struct SilentServerTests {
    @Test("the handshake is bounded by the command timeout: connect fails with a timeout naming HELLO and the node")
    func silentServer() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let address = RedisAddress(host: "127.0.0.1", port: server.localAddress!.port!)
        let started = ContinuousClock.now
        do {
            _ = try await RedisConnection.connect(
                to: address, configuration: RedisConnectionConfiguration(commandTimeout: .milliseconds(300)))
            Issue.record("connected to a server that never answers")
        } catch {
            guard case .commandTimeout(let command, let failed, _) = error else {
                Issue.record("expected commandTimeout, got \(error)")
                return
            }
            #expect(command == "HELLO")
            #expect(failed == address)
            #expect(error.isTransient)
        }
        // Without the timeout this would wait forever. The bound is loose on purpose: in CI this suite shares
        // the process's event loops with the chaos suite's fault proxies, and it once took 5.3 s there.
        #expect(ContinuousClock.now - started < .seconds(20), "bounded by the 300 ms command timeout (loose bound for a loaded machine)")
    }
}

/// Answers anything with bytes that are not RESP.
final class GarbageResponder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "GARBAGE\u{0}\u{1}\r\n")), promise: nil)
    }
}
