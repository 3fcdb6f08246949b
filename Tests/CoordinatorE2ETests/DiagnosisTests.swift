import Foundation
import TestSupport
import Testing

/// What `run` and `check` say about Redis problems that retrying cannot fix: a wrong password is reported a
/// handful of times (not every retry), turns readiness false, shows in `/status` and `/metrics`, and clears
/// when the password file is fixed; ACL users without the channels or commands they need are named with the
/// `ACL SETUSER` line that fixes them — the coordinator's own user and Traefik's (`traefik.redisUsername`).
@Suite(
    "run and check diagnose wrong passwords and missing ACL rights",
    .enabled(if: ExternalTool.shouldRun("redis-server")), .timeLimit(.minutes(5))
)
struct DiagnosisTests {
    static let password = "diagnosis-pw-5c19"
    static let wrongPassword = "diagnosis-wrong-3e07"

    /// A directory with one router's dynamic configuration and `settings.yaml`.
    static func workspace() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-diagnosis-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: "\(directory)/dynamic", withIntermediateDirectories: true)
        try "http:\n  routers:\n    a:\n      rule: \"Host(`a.test`)\"\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: \"http://127.0.0.1:1\"\n"
            .write(toFile: "\(directory)/dynamic/a.yaml", atomically: true, encoding: .utf8)
        return directory
    }

    /// The log lines at warning level or above.
    static func warningLines(_ log: String) -> [Substring] {
        log.split(separator: "\n").filter { $0.contains(" warning ") || $0.contains(" error ") || $0.contains(" critical ") }
    }

    static func problems(_ coordinator: CoordinatorProcess) -> [[String: Any]] {
        coordinator.status()?["redisProblems"] as? [[String: Any]] ?? []
    }

    @Test("20 s of a wrong password: a handful of log lines, /readyz false, the error in /status and /metrics; fixing the password file recovers without a restart")
    func wrongPasswordThenFixed() async throws {
        try await withRedisServer(["requirepass \(Self.password)"]) { server in
            let directory = try Self.workspace()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let passwordFile = "\(directory)/password"
            try Self.wrongPassword.write(toFile: passwordFile, atomically: true, encoding: .utf8)
            let coordinator = try await CoordinatorProcess.start(
                instanceId: "wrongpw",
                settings: """
                    redis:
                      endpoints: ["\(server.address)"]
                      passwordFile: \(passwordFile)
                    traefik:
                      dynamic: \(directory)/dynamic
                    lease:
                      duration: 3s
                      renewDeadline: 2s
                      retryPeriod: 250ms
                    notifications:
                      checkInterval: 2s
                    """)
            defer { Task { await coordinator.stop() } }
            try await Task.sleep(for: .seconds(20))
            let lines = Self.warningLines(coordinator.log)
            print("20 s of a wrong password: \(lines.count) warning/error lines:\n\(lines.joined(separator: "\n"))")
            #expect(lines.count <= 8, "a handful, not one per retry (45 before): \(lines.joined(separator: "\n"))")
            #expect(lines.contains { $0.contains("WRONGPASS") && $0.contains("error.kind=configuration") })
            #expect(coordinator.readiness()?.status == 503)
            let problems = Self.problems(coordinator)
            let lease = problems.first { $0["activity"] as? String == "lease" }
            #expect(lease?["kind"] as? String == "configuration", "\(problems)")
            #expect((lease?["message"] as? String)?.contains("redis.password") == true, "\(problems)")
            #expect(((lease?["count"] as? Int) ?? 0) > 3, "every failure counted, even those not logged: \(problems)")
            let metrics = coordinator.metrics()
            #expect(metrics.contains("traefik_coordinator_redis_problem{activity=\"lease\",kind=\"configuration\"} 1"), "\(metrics.prefix(3000))")
            #expect(metrics.contains("traefik_coordinator_redis_errors_total{activity=\"lease\",kind=\"configuration\"}"))
            #expect(!coordinator.log.contains(Self.wrongPassword) && !coordinator.log.contains(Self.password))

            // Fixed in the file, as a Kubernetes Secret update does: the next attempt authenticates.
            try Self.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
            try await waitUntil("the coordinator to lead and publish with the fixed password", timeout: .seconds(75)) {
                guard coordinator.isLeader else { return false }
                return try await server.cli("GET", "traefik/http/routers/a/rule", password: Self.password) == "Host(`a.test`)"
            }
            try await waitUntil("every problem cleared and ready again", timeout: .seconds(75)) {
                Self.problems(coordinator).isEmpty && coordinator.readiness()?.status == 200
            }
            #expect(coordinator.log.contains("Redis problem cleared"))
            #expect(coordinator.metrics().contains("traefik_coordinator_redis_problem{activity=\"lease\",kind=\"configuration\"} 0"))
        }
    }

    /// conf/users.acl's coordinator user, with the test password and the given channel rules.
    static func coordinatorUser(channels: String, extra: String = "") throws -> String {
        let text = try String(contentsOfFile: Repository.path("conf/users.acl"), encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("user coordinator ") })
        // Redis 6.2 has no key selectors (`%R~`): read and write access to the same patterns instead.
        let selectors = RedisServerProcess.defaultMajorVersion >= 7
        var rules = line.split(separator: " ").map(String.init).filter { !$0.hasPrefix("&") && !$0.hasPrefix(">") }
            .map { selectors || !$0.hasPrefix("%R~") ? $0 : String($0.dropFirst(2)) }
        rules.insert(">\(password)", at: 3)
        return (rules + [channels, extra]).filter { !$0.isEmpty }.joined(separator: " ")
    }

    @Test("a coordinator user without channel rights: /status, the log and check name the missing channels with the ACL line; the refused release announcement is said on shutdown")
    func coordinatorWithoutChannels() async throws {
        // Without CONFIG GET too, as on managed Redis: the notification probe's channels are refused as well.
        let user = try Self.coordinatorUser(channels: "").replacingOccurrences(of: " +config|get", with: "")
        try await withRedisServer(["user default on nopass ~* &* +@all", user, "notify-keyspace-events KEA"]) { server in
            let directory = try Self.workspace()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let settings = """
                redis:
                  endpoints: ["\(server.address)"]
                  username: coordinator
                  password: \(Self.password)
                traefik:
                  dynamic: \(directory)/dynamic
                lease:
                  duration: 3s
                  renewDeadline: 2s
                  retryPeriod: 250ms
                """
            let coordinator = try await CoordinatorProcess.start(instanceId: "nochannels", settings: settings)
            defer { Task { await coordinator.stop() } }
            // It publishes (its commands and keys are allowed) ...
            try await waitUntil("the configuration published", timeout: .seconds(20)) {
                try await server.cli("GET", "traefik/http/routers/a/rule") == "Host(`a.test`)"
            }
            // ... but cannot subscribe, and says so, with the rule that fixes it.
            try await waitUntil("the three refused subscriptions in /status", timeout: .seconds(20)) {
                let activities = Set(Self.problems(coordinator).compactMap { $0["activity"] as? String })
                return activities.isSuperset(of: ["releaseChannel", "keyspaceChannel", "probeChannel"])
            }
            let problems = Self.problems(coordinator)
            let release = problems.first { $0["activity"] as? String == "releaseChannel" }
            #expect(release?["kind"] as? String == "permission")
            #expect((release?["fix"] as? String)?.contains("ACL SETUSER coordinator &coordinator:traefik:released") == true, "\(problems)")
            let keyspace = problems.first { $0["activity"] as? String == "keyspaceChannel" }
            #expect((keyspace?["fix"] as? String)?.contains("&__keyspace@0__:traefik*") == true, "\(problems)")
            let probe = problems.first { $0["activity"] as? String == "probeChannel" }
            #expect((probe?["fix"] as? String)?.contains("ACL SETUSER coordinator &__keyspace@0__:coordinator:traefik:* &coordinator:traefik:*") == true, "\(problems)")
            #expect(coordinator.readiness()?.status == 503, "a permission problem is not ready")
            #expect(coordinator.log.contains("NOPERM") && coordinator.log.contains("ACL SETUSER coordinator"))

            let file = "\(directory)/settings.yaml"
            try settings.write(toFile: file, atomically: true, encoding: .utf8)
            let (status, output) = try await CoordinatorProcess.runCommand(["check", "--config", file])
            #expect(status == 2, "\(output)")
            #expect(output.contains("FAIL: the coordinator's Redis user 'coordinator' lacks permissions"), "\(output)")
            #expect(output.contains("ACL SETUSER coordinator &coordinator:traefik:released &__keyspace@0__:traefik*"), "\(output)")

            // Shutdown: the lease is released, but the announcement is refused, and the log says so.
            try await waitUntil("it leads", timeout: .seconds(10)) { coordinator.isLeader }
            await Task.detached { coordinator.process.stop(grace: .seconds(10)) }.value
            #expect(coordinator.log.contains("released the lease, but the announcement was refused"), "\(coordinator.log.suffix(2000))")
            #expect(try await server.cli("EXISTS", "coordinator:traefik:lease") == "0", "released all the same")
        }
    }

    @Test(
        "check names what Traefik's user (traefik.redisUsername) lacks: +psubscribe, the keyspace channel; and says when it cannot verify",
        .enabled(if: RedisServerProcess.defaultMajorVersion >= 7, "ACL DRYRUN and key selectors exist from Redis 7.0 on"))
    func traefikUser() async throws {
        let verifier = try Self.coordinatorUser(
            channels: "&__keyspace@0__:traefik* &__keyspace@0__:coordinator:traefik:* &coordinator:traefik:*", extra: "+acl|dryrun +acl|log")
        let plain = try Self.coordinatorUser(channels: "&__keyspace@0__:traefik* &__keyspace@0__:coordinator:traefik:* &coordinator:traefik:*")
            .replacingOccurrences(of: "user coordinator ", with: "user plaincoordinator ")
        let lines = [
            "user default on nopass ~* &* +@all", verifier, plain, "notify-keyspace-events KEA",
            "user traefik on >\(Self.password) resetchannels &__keyspace*:traefik* -@all +hello +auth +exists +scan +mget +psubscribe %R~traefik/*",
            "user nopsub on >\(Self.password) resetchannels &__keyspace*:traefik* -@all +hello +auth +exists +scan +mget %R~traefik/*",
            "user nochannel on >\(Self.password) resetchannels -@all +hello +auth +exists +scan +mget +psubscribe %R~traefik/*",
        ]
        try await withRedisServer(lines) { server in
            let directory = try Self.workspace()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            func check(as coordinatorUser: String, traefikUser: String) async throws -> (Int32, String) {
                let file = "\(directory)/settings-\(coordinatorUser)-\(traefikUser).yaml"
                try """
                    redis:
                      endpoints: ["\(server.address)"]
                      username: \(coordinatorUser)
                      password: \(Self.password)
                    traefik:
                      dynamic: \(directory)/dynamic
                      redisUsername: \(traefikUser)
                    """.write(toFile: file, atomically: true, encoding: .utf8)
                return try await CoordinatorProcess.runCommand(["check", "--config", file])
            }
            let (_, good) = try await check(as: "coordinator", traefikUser: "traefik")
            #expect(good.contains("acl user traefik (traefik): permissions ok"), "\(good)")
            #expect(good.contains("acl user coordinator (coordinator): permissions ok"), "\(good)")
            #expect(!good.contains("lacks permissions"), "\(good)")

            let (noPsubscribeStatus, noPsubscribe) = try await check(as: "coordinator", traefikUser: "nopsub")
            #expect(noPsubscribeStatus == 2)
            #expect(noPsubscribe.contains("FAIL: Traefik's Redis user 'nopsub' (traefik.redisUsername) lacks permissions"), "\(noPsubscribe)")
            #expect(noPsubscribe.contains("ACL SETUSER nopsub +psubscribe"), "\(noPsubscribe)")

            let (_, noChannel) = try await check(as: "coordinator", traefikUser: "nochannel")
            #expect(noChannel.contains("ACL SETUSER nochannel &__keyspace*:traefik*"), "\(noChannel)")

            // A least-privilege coordinator may not run ACL DRYRUN: a warning that says what it could not verify.
            let (_, unverified) = try await check(as: "plaincoordinator", traefikUser: "nopsub")
            #expect(unverified.contains("WARN: could not verify Traefik's Redis user 'nopsub'"), "\(unverified)")
            #expect(unverified.contains("+acl|dryrun"), "\(unverified)")

            // ACL LOG: a denial of Traefik's user is reported.
            _ = try? await server.cli(arguments: ["GET", "traefik/http/routers/a/rule"], password: Self.password, user: "nopsub")
            let (_, logged) = try await check(as: "coordinator", traefikUser: "nopsub")
            #expect(logged.contains("WARN: ACL LOG: user 'nopsub' was denied"), "\(logged)")
        }
    }
}
