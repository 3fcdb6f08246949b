import Foundation
import Logging
import RedisClient
import TestSupport
import Testing

/// The chaos suite's own tool, tested against a real redis-server: each fault does what it says.
@Suite("FaultProxy", .enabled(if: ExternalTool.shouldRun("redis-server")), .timeLimit(.minutes(1)))
struct FaultProxyTests {
    static func connect(_ proxy: FaultProxy, commandTimeout: Duration = .seconds(5)) async throws -> RedisConnection {
        try await RedisConnection.connect(
            to: proxy.address,
            configuration: RedisConnectionConfiguration(connectTimeout: .seconds(2), commandTimeout: commandTimeout),
            logger: Logger(label: "test"))
    }

    @Test("no fault: many connections relay commands both ways; latency delays each round trip; hold keeps, then delivers in order; reset cuts")
    func faults() async throws {
        try await withRedisServer { redis in
            let proxy = try await FaultProxy.start(to: redis.address)
            defer { Task { await proxy.stop() } }
            // Several connections at once, each with its own traffic.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        let connection = try await Self.connect(proxy)
                        for index in 0..<20 {
                            _ = try await connection.send(RedisCommands.set("proxy:\(client):\(index)", "v\(index)"))
                            #expect(try await connection.send(RedisCommands.get("proxy:\(client):\(index)")) == "v\(index)")
                        }
                        await connection.close()
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await redis.cli("DBSIZE") == "160")

            let connection = try await Self.connect(proxy, commandTimeout: .seconds(1))
            proxy.set(.latency(.milliseconds(300)))
            let started = ContinuousClock.now
            #expect(try await connection.send(RedisCommands.ping()) == "PONG")
            #expect(ContinuousClock.now - started >= .milliseconds(600), "300 ms each way")

            proxy.set(.hold)
            await #expect(throws: (any Error).self, "no reply while held") {
                _ = try await connection.send(RedisCommands.set("held", "1"), timeout: .milliseconds(500))
            }
            #expect(try await redis.cli("EXISTS", "held") == "0", "the held command has not reached Redis")
            proxy.set(.none)
            try await waitUntil("the held command delivered once the fault is lifted", timeout: .seconds(5)) {
                try await redis.cli("GET", "held") == "1"
            }

            let fresh = try await Self.connect(proxy)
            proxy.set(.reset)
            await #expect(throws: (any Error).self, "an open connection is reset") {
                _ = try await fresh.send(RedisCommands.ping())
            }
            await #expect(throws: (any Error).self, "a new connection is refused") {
                let refused = try await Self.connect(proxy)
                _ = try await refused.send(RedisCommands.ping())
            }
            proxy.set(.none)
            let again = try await Self.connect(proxy)
            #expect(try await again.send(RedisCommands.ping()) == "PONG")
            await again.close()
            await fresh.close()
            await connection.close()
        }
    }
}
