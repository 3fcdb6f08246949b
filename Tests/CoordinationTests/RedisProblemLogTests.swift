@testable import Coordination
import RedisClient
import TestSupport
import Testing

/// The reporting policy for repeated Redis failures, on an injected clock: once when a problem starts, at
/// most once per interval while it goes on (with the count), once when it clears; each activity on its own.
@Suite("RedisProblemLog: once, then once a minute, then cleared")
struct RedisProblemLogTests {
    static let wrongPassword = RedisError.authenticationFailed(
        RedisAddress(host: "127.0.0.1", port: 6379), username: nil, serverMessage: "WRONGPASS invalid username-password pair")
    static let refused = RedisError.connectFailed(RedisAddress(host: "127.0.0.1", port: 6379), reason: "Connection refused")
    static let noChannel = RedisError.server(
        RedisServerError(message: "NOPERM this user has no permissions to access one of the channels used as arguments", command: "SUBSCRIBE", address: nil))

    @Test("121 failures over two minutes are three log lines; the problem's count and kind are kept; success clears it with one line")
    func policy() async {
        let logs = CapturedLogs()
        let log = RedisProblemLog(logger: logs.logger(), repeatInterval: .seconds(60))
        let start = ContinuousClock.now
        for second in 0...120 {
            await log.failed(.lease, error: Self.wrongPassword, now: start + .seconds(second))
        }
        let lines = logs.entries.filter { $0.level >= .warning }
        #expect(lines.count == 3, "at 0 s, 60 s and 120 s? \(lines)")
        #expect(lines.first?.level == .error)
        #expect(lines.dropFirst().first?.metadata.contains("failures=60") == true, "\(lines)")
        let problems = await log.problems
        #expect(problems.count == 1)
        #expect(problems.first?.kind == .configuration)
        #expect(problems.first?.count == 121)
        #expect(await log.needsConfigurationChange)

        await log.succeeded(.lease, now: start + .seconds(121))
        #expect(await log.problems.isEmpty)
        #expect(!(await log.needsConfigurationChange))
        #expect(logs.entries.last?.message == "Redis problem cleared")
        #expect(logs.entries.last?.metadata.contains("failures=121") == true)
        await log.succeeded(.lease, now: start + .seconds(122))
        #expect(logs.entries.filter { $0.message == "Redis problem cleared" }.count == 1, "a success without a problem logs nothing")
    }

    @Test("kinds: transient is a warning and keeps readiness; NOPERM is a permission problem with its fix; activities are separate")
    func kinds() async {
        let logs = CapturedLogs()
        let log = RedisProblemLog(logger: logs.logger())
        await log.failed(.health, error: Self.refused)
        #expect(logs.entries.last?.level == .warning)
        #expect(!(await log.needsConfigurationChange))
        await log.failed(.releaseChannel, error: Self.noChannel, fix: "ACL SETUSER c &x")
        let problems = await log.problems
        #expect(problems.map(\.activity) == [.health, .releaseChannel])
        #expect(problems.last?.kind == .permission)
        #expect(problems.last?.fix == "ACL SETUSER c &x")
        #expect(await log.needsConfigurationChange)
        await log.succeeded(.health)
        #expect(await log.problems.map(\.activity) == [.releaseChannel], "one activity's recovery does not clear another's")
        // A different error of the same activity is logged at once, keeping the start time and the count.
        let since = await log.problems.first?.since
        await log.failed(.releaseChannel, error: Self.wrongPassword)
        #expect(logs.entries.last?.message.description.contains("configuration error") == true)
        #expect(await log.problems.first?.since == since)
        #expect(await log.problems.first?.count == 2)
    }

    @Test("a follower backs off while the lease keeps failing: the retry period first, then longer, capped at 30 s")
    func leaseBackoff() async throws {
        try await withRedisServer(["requirepass right-password"]) { server in
            var configuration = RedisConnectionConfiguration()
            configuration.password = "wrong-password"
            let client = RedisClient(address: server.address, configuration: configuration)
            let timing = CoordinatorSettings.Lease(duration: .seconds(3), renewDeadline: .seconds(2), retryPeriod: .milliseconds(250))
            let elector = LeaseElector(
                redis: client, keys: StateKeys(prefix: "test:backoff:"), instanceId: "b", timing: timing, logger: CapturedLogs().logger())
            #expect(await elector.nextDelay() == .milliseconds(250))
            var delays: [Duration] = []
            for _ in 0..<10 {
                await elector.step()
                delays.append(await elector.nextDelay())
            }
            #expect(await elector.lastFailure?.kind == .configuration)
            #expect(delays.first == .milliseconds(250), "the first failure is retried at the retry period")
            #expect(delays.last! > .seconds(5), "\(delays)")
            #expect(delays.allSatisfy { $0 <= .seconds(30) }, "\(delays)")
            await client.close()
        }
    }
}
