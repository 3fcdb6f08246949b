import Foundation
import TestSupport
import Testing

/// Invariants 1–10 of ARCHITECTURE.md under faults: real redis-server, redis-sentinel and three
/// `traefik-coordinator run` processes, with a ``FaultProxy`` per coordinator and data node.
///
/// Every scenario ends with the ``PublishAttemptChecker`` over all logs (zero writes accepted from a superseded
/// token) and the convergence check (the master and every live replica hold exactly the desired keys, one
/// leader), timed against the scenario's bound. `scripts/chaos` runs the suite and puts the table in the
/// README; `scripts/test` runs it too.
@Suite(
    "Chaos: faults against Sentinel, Redis and three coordinators",
    .enabled(if: ExternalTool.shouldRun("redis-sentinel")), .serialized, .timeLimit(.minutes(3))
)
struct ChaosTests {
    static let oneWriter = "one writer"

    /// Starts a deployment, runs `body`, checks the publish log and records the row.
    static func scenario(
        _ name: String, invariant: String, options: ChaosDeployment.Options = .init(),
        _ body: (ChaosDeployment, ScenarioRecord) async throws -> Void
    ) async throws {
        let deployment = try await ChaosDeployment.start(options)
        let record = ScenarioRecord()
        var failure: (any Error)?
        do {
            try await body(deployment, record)
        } catch {
            failure = error
        }
        let checker = PublishAttemptChecker(logs: deployment.coordinatorLogs())
        record.expect(checker.violations.isEmpty, "writes by superseded tokens: \(checker.violations)")
        record.expect(checker.accepted > 0, "the checker saw accepted publish attempts (\(checker.summary))")
        print("chaos: \(name): \(checker.summary)")
        let passed = failure == nil && record.failures.isEmpty && record.times.allSatisfy { $0.1 <= $0.2 }
        ChaosReport.record(
            scenario: name, invariant: "\(invariant); zero writes from a superseded token", passed: passed,
            times: record.times, checker: checker)
        if !passed { print(deployment.logs()) }
        await deployment.stop()
        if let failure { throw failure }
    }

    /// The number of times `text` appears in coordinator `index`'s log.
    static func occurrences(_ text: String, in deployment: ChaosDeployment, coordinator index: Int) -> Int {
        deployment.coordinators[index].log.components(separatedBy: text).count - 1
    }

    /// Writes the next generation and waits until the leader holds its publish (`TC_FAULT_PUBLISH_DELAY_MS`)
    /// between its leadership check and the fenced write: the moment to strike.
    static func writeNextGenerationAndWaitForHeldPublish(_ deployment: ChaosDeployment, leader: Int) async throws {
        let held = occurrences("holding the publish", in: deployment, coordinator: leader)
        let generation = try deployment.writeNextGeneration()
        try await waitUntil("the leader to hold the publish of generation \(generation)", timeout: .seconds(10)) {
            occurrences("holding the publish", in: deployment, coordinator: leader) > held
        }
    }

    static func wallClockMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// A field of a health report node's `notifications` verdict.
    static func notifications(_ node: [String: Any], _ field: String) -> String? {
        (node["notifications"] as? [String: Any])?[field] as? String
    }

    /// Waits for a condition on the coordinators' health reports; on timeout, prints them.
    static func waitForHealth(
        _ what: String, _ deployment: ChaosDeployment, timeout: Duration, _ condition: @escaping ([[String: Any]]) -> Bool
    ) async throws {
        func nodes(_ index: Int) -> [[String: Any]] {
            ((deployment.coordinators[index].status()?["health"] as? [String: Any])?["nodes"] as? [[String: Any]]) ?? []
        }
        do {
            try await waitUntil(what, timeout: timeout) { deployment.liveCoordinators.allSatisfy { condition(nodes($0)) } }
        } catch {
            for index in deployment.liveCoordinators {
                print("chaos: health of c\(index + 1): \(deployment.coordinators[index].statusText() ?? "no /status")")
            }
            throw error
        }
    }

    // MARK: - Redis and Sentinel faults

    @Test("kill -9 of the master while idle")
    func killMasterIdle() async throws {
        try await Self.scenario("kill -9 the master (idle)", invariant: "desired keys on the new master and replicas") { deployment, record in
            let master = try #require(try await deployment.agreedMasterIndex())
            let start = ContinuousClock.now
            await deployment.cluster.dataNodes[master].kill()
            try deployment.writeNextGeneration()
            record.time("", try await deployment.converge(within: .seconds(15), from: start), bound: .seconds(15))
        }
    }

    @Test("a failover during a multi-key publish: readers see all-old or all-new")
    func failoverDuringPublish() async throws {
        var options = ChaosDeployment.Options()
        options.routers = 300
        options.environment = ["TC_FAULT_PUBLISH_DELAY_MS": "1500"]
        try await Self.scenario(
            "failover during a 300-router publish", invariant: "every MGET of all rules sees one generation", options: options
        ) { deployment, record in
            let leader = try await deployment.waitForLeader()
            let reader = GenerationReader(deployment)
            try await Self.writeNextGenerationAndWaitForHeldPublish(deployment, leader: leader)
            let start = ContinuousClock.now
            try await deployment.cluster.sentinelCLI(0, "SENTINEL", "FAILOVER", "mymaster")
            record.time("", try await deployment.converge(within: .seconds(20), from: start), bound: .seconds(20))
            let (reads, mixed) = await reader.stop()
            print("chaos: \(reads) reads of all 300 rules during the failover")
            record.expect(reads >= 10, "the reader read (\(reads) reads)")
            record.expect(mixed.isEmpty, "mixed generations seen: \(mixed.prefix(5))")
        }
    }

    @Test("SIGSTOP of the master past down-after-milliseconds, then SIGCONT: it returns as a replica")
    func pauseMaster() async throws {
        try await Self.scenario(
            "SIGSTOP the master past down-after, then SIGCONT", invariant: "old master returns as a replica with the desired keys"
        ) { deployment, record in
            let master = try #require(try await deployment.agreedMasterIndex())
            deployment.pause(.dataNode(master))
            let start = ContinuousClock.now
            try await waitUntil("a failover", timeout: .seconds(20)) { try await deployment.agreedMasterIndex().map { $0 != master } ?? false }
            try deployment.writeNextGeneration()
            record.time("failover", try await deployment.converge(within: .seconds(15), from: start), bound: .seconds(15))
            deployment.resume(.dataNode(master))
            let resumed = ContinuousClock.now
            // Sentinel converts a returning old master after it has reported the master role for a while
            // (about 8 s, checked on its 10 s INFO period): Redis's timing, not ours, dominates this part.
            try await waitUntil("the old master to return as a replica", timeout: .seconds(40)) {
                try await deployment.cluster.cli(deployment.cluster.dataNodes[master], "ROLE").hasPrefix("slave")
            }
            record.time("reconverted by Sentinel", ContinuousClock.now - resumed, bound: .seconds(25))
            let reconverted = ContinuousClock.now
            record.time("then resynced", try await deployment.converge(within: .seconds(10), from: reconverted), bound: .seconds(10))
        }
    }

    @Test("replica lag with min-replicas-to-write 1: the master refuses writes; the last good configuration stays")
    func replicaLag() async throws {
        try await Self.scenario(
            "replica lag, `min-replicas-to-write 1`", invariant: "refused writes leave the last good keys; converges after"
        ) { deployment, record in
            let master = try #require(try await deployment.agreedMasterIndex())
            let node = deployment.cluster.dataNodes[master]
            try await deployment.cluster.cli(node, "CONFIG", "SET", "min-replicas-to-write", "1", "min-replicas-max-lag", "2")
            let replicas = deployment.cluster.dataNodes.indices.filter { $0 != master }
            for replica in replicas { deployment.pause(.dataNode(replica)) }
            try await waitUntil("the master to count no good replica", timeout: .seconds(15)) {
                try await deployment.cluster.cli(node, "INFO", "replication").contains("min_slaves_good_slaves:0")
            }
            let previous = deployment.generation
            try deployment.writeNextGeneration()
            try await Task.sleep(for: .seconds(4))
            let keys = try await deployment.keys(onNode: master)
            record.expect(keys == deployment.desiredKeys(generation: previous), "the master still holds generation \(previous), whole")
            for replica in replicas { deployment.resume(.dataNode(replica)) }
            let healed = ContinuousClock.now
            record.time("after the lag", try await deployment.converge(within: .seconds(15), from: healed), bound: .seconds(15))
        }
    }

    @Test("kill the first sentinel, then two of three")
    func killSentinels() async throws {
        try await Self.scenario(
            "kill the first sentinel, then two of three", invariant: "publishing goes on through the sentinels left"
        ) { deployment, record in
            await deployment.cluster.sentinels[0].kill()
            var start = ContinuousClock.now
            try deployment.writeNextGeneration()
            record.time("one killed", try await deployment.converge(within: .seconds(10), from: start), bound: .seconds(10))
            await deployment.cluster.sentinels[1].kill()
            start = ContinuousClock.now
            try deployment.writeNextGeneration()
            record.time("two killed", try await deployment.converge(within: .seconds(10), from: start), bound: .seconds(10))
        }
    }

    @Test("a sentinel paused across a failover")
    func sentinelPausedAcrossFailover() async throws {
        try await Self.scenario(
            "first sentinel paused across a failover (kill -9 master)", invariant: "no write to a stale master; desired keys everywhere"
        ) { deployment, record in
            deployment.pause(.sentinel(0))
            let master = try #require(try await deployment.agreedMasterIndex())
            let start = ContinuousClock.now
            await deployment.cluster.dataNodes[master].kill()
            try deployment.writeNextGeneration()
            record.time("failover", try await deployment.converge(within: .seconds(20), from: start), bound: .seconds(20))
            deployment.resume(.sentinel(0))
            let resumed = ContinuousClock.now
            record.time("sentinel back", try await deployment.converge(within: .seconds(15), from: resumed), bound: .seconds(15))
        }
    }

    @Test("the master restarted empty before the sentinels notice")
    func masterRestartedEmpty() async throws {
        try await Self.scenario(
            "master restarted empty before the sentinels notice", invariant: "lease lost with the data; keys republished"
        ) { deployment, record in
            let master = try #require(try await deployment.agreedMasterIndex())
            let start = ContinuousClock.now
            try await deployment.cluster.dataNodes[master].restart()
            print("chaos: the master was down for \(ContinuousClock.now - start)")
            record.time("", try await deployment.converge(within: .seconds(15), from: start), bound: .seconds(15))
        }
    }

    // MARK: - Coordinator faults

    @Test("SIGSTOP of the leader in the middle of a publish, past its lease, then SIGCONT")
    func pauseLeader() async throws {
        var options = ChaosDeployment.Options()
        options.environment = ["TC_FAULT_PUBLISH_DELAY_MS": "1000"]
        try await Self.scenario(
            "SIGSTOP the leader mid-publish past its lease, then SIGCONT", invariant: "the resumed ex-leader writes nothing",
            options: options
        ) { deployment, record in
            let leader = try await deployment.waitForLeader()
            try await Self.writeNextGenerationAndWaitForHeldPublish(deployment, leader: leader)
            deployment.pause(.coordinator(leader))
            let pausedAt = Self.wallClockMs()
            let start = ContinuousClock.now
            record.time("successor", try await deployment.converge(within: .seconds(12), from: start), bound: .seconds(12))
            try await Task.sleep(for: .seconds(1))
            deployment.resume(.coordinator(leader))
            let resumed = ContinuousClock.now
            try await Task.sleep(for: .seconds(2))  // the resumed process finishes its held publish
            record.time("resumed", try await deployment.converge(within: .seconds(10), from: resumed), bound: .seconds(10))
            let checker = PublishAttemptChecker(logs: deployment.coordinatorLogs())
            let oldToken = try #require(checker.tokens(of: "c\(leader + 1)").last)
            record.expect(checker.accepted(by: oldToken, after: pausedAt) == 0, "the paused leader's token \(oldToken) wrote after the pause")
        }
    }

    @Test("proxy latency above the renew interval, then above the renew deadline")
    func latency() async throws {
        try await Self.scenario(
            "leader's link: 0.4 s latency, then 3 s", invariant: "keeps the lease under 0.8 s RTT; steps down under 6 s RTT"
        ) { deployment, record in
            let leader = try await deployment.waitForLeader()
            let stepDowns = Self.occurrences("stepped down", in: deployment, coordinator: leader)
            deployment.setFault(.latency(.milliseconds(400)), coordinator: leader)
            var start = ContinuousClock.now
            try deployment.writeNextGeneration()
            record.time("0.4 s", try await deployment.converge(within: .seconds(10), from: start), bound: .seconds(10))
            try await Task.sleep(for: .seconds(3))
            record.expect(deployment.leaders() == [leader], "the slowed leader still leads")
            record.expect(Self.occurrences("stepped down", in: deployment, coordinator: leader) == stepDowns, "no step-down at 0.4 s")
            deployment.setFault(.latency(.seconds(3)), coordinator: leader)
            start = ContinuousClock.now
            try deployment.writeNextGeneration()
            record.time("3 s", try await deployment.converge(within: .seconds(15), from: start), bound: .seconds(15))
            record.expect(!deployment.leaders().contains(leader), "the leader behind 3 s of latency stepped down")
            deployment.setFault(.none, coordinator: leader)
            start = ContinuousClock.now
            try await Task.sleep(for: .seconds(2))
            record.time("healed", try await deployment.converge(within: .seconds(10), from: start), bound: .seconds(10))
        }
    }

    @Test("a partition of the leader from Redis, then healed (held packets delivered late)")
    func partitionLeader() async throws {
        try await Self.scenario(
            "partition of the leader from Redis, healed", invariant: "a successor publishes; late packets are fenced off"
        ) { deployment, record in
            let leader = try await deployment.waitForLeader()
            deployment.setFault(.hold, coordinator: leader)
            var start = ContinuousClock.now
            try deployment.writeNextGeneration()
            record.time("partitioned", try await deployment.converge(within: .seconds(12), from: start), bound: .seconds(12))
            record.expect(!deployment.leaders().contains(leader), "the partitioned leader stepped down")
            deployment.setFault(.none, coordinator: leader)
            start = ContinuousClock.now
            try await Task.sleep(for: .seconds(2))
            try deployment.writeNextGeneration()
            record.time("healed", try await deployment.converge(within: .seconds(10), from: start), bound: .seconds(10))
        }
    }

    @Test("random faults on whoever leads, under a configuration that changes every 500 ms")
    func faultsUnderChurn() async throws {
        var options = ChaosDeployment.Options()
        options.environment = ["TC_FAULT_PUBLISH_DELAY_MS": "150"]  // widens the window between check and write
        try await Self.scenario(
            "random leader faults for 30 s under a change every 500 ms", invariant: "many elections, every late write fenced off",
            options: options
        ) { deployment, record in
            let seed = ProcessInfo.processInfo.environment["TC_CHAOS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
            var random = SplitMix64(seed: seed)
            print("chaos: fault schedule seed \(seed) (TC_CHAOS_SEED=\(seed) repeats it)")
            let writer = Task {
                while !Task.isCancelled {
                    _ = try? deployment.writeNextGeneration()
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            let end = ContinuousClock.now + .seconds(30)
            var faults: [String] = []
            while ContinuousClock.now < end {
                guard let leader = deployment.leaders().first else {
                    try await Task.sleep(for: .milliseconds(200))
                    continue
                }
                let hold = Duration.milliseconds(Int64.random(in: 1_000...4_500, using: &random))
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    faults.append("SIGSTOP c\(leader + 1) \(hold)")
                    deployment.pause(.coordinator(leader))
                    try await Task.sleep(for: hold)
                    deployment.resume(.coordinator(leader))
                case 1:
                    faults.append("partition c\(leader + 1) \(hold)")
                    deployment.setFault(.hold, coordinator: leader)
                    try await Task.sleep(for: hold)
                    deployment.setFault(.none, coordinator: leader)
                default:
                    faults.append("3 s latency c\(leader + 1) \(hold)")
                    deployment.setFault(.latency(.seconds(3)), coordinator: leader)
                    try await Task.sleep(for: hold)
                    deployment.setFault(.none, coordinator: leader)
                }
                try await Task.sleep(for: .milliseconds(Int64.random(in: 200...1_500, using: &random)))
            }
            writer.cancel()
            await writer.value
            print("chaos: faults: \(faults.joined(separator: ", "))")
            let stopped = ContinuousClock.now
            record.time("after the last change", try await deployment.converge(within: .seconds(10), from: stopped), bound: .seconds(10))
            let checker = PublishAttemptChecker(logs: deployment.coordinatorLogs())
            record.expect(checker.elections.count >= 3, "leadership changed hands (\(checker.summary))")
            record.expect(checker.accepted >= 15, "publishes went on (\(checker.summary))")
        }
    }

    @Test("SIGTERM handover")
    func sigtermHandover() async throws {
        try await Self.scenario("SIGTERM the leader", invariant: "lease released; successor publishes") { deployment, record in
            let leader = try await deployment.waitForLeader()
            deployment.coordinators[leader].process.signal(SIGTERM)
            let start = ContinuousClock.now
            try deployment.writeNextGeneration()
            record.time("", try await deployment.converge(within: .seconds(5), from: start), bound: .seconds(5))
            try await waitUntil("the old leader to exit", timeout: .seconds(10)) { !deployment.coordinators[leader].process.isRunning }
            record.expect(deployment.coordinators[leader].log.contains("released the lease"), "the old leader released the lease")
        }
    }

    // MARK: - Managed-Redis quirks, credentials, TLS

    @Test("CONFIG renamed away: notifications verified by probe, repairs still work")
    func configRenamed() async throws {
        var options = ChaosDeployment.Options()
        options.cluster = .init(dataConfiguration: ["rename-command CONFIG \"\"", "notify-keyspace-events KEA"])
        try await Self.scenario(
            "`CONFIG` renamed away", invariant: "every node verified by probe; a manual edit is repaired", options: options
        ) { deployment, record in
            let start = ContinuousClock.now
            try await Self.waitForHealth("every coordinator to verify three nodes by probe", deployment, timeout: .seconds(15)) { nodes in
                nodes.count == 3 && nodes.allSatisfy { Self.notifications($0, "state") == "healthy" && Self.notifications($0, "method") == "probe" }
            }
            record.time("probe", ContinuousClock.now - start, bound: .seconds(15))
            let master = try #require(try await deployment.agreedMasterIndex())
            try await deployment.cluster.cli(deployment.cluster.dataNodes[master], "SET", "traefik/http/routers/r0/rule", "Host(`tampered.test`)")
            let edited = ContinuousClock.now
            record.time("repair", try await deployment.converge(within: .seconds(6), from: edited), bound: .seconds(6))
        }
    }

    @Test("notify-keyspace-events set on the master only, then a failover")
    func notificationsOnMasterOnly() async throws {
        var options = ChaosDeployment.Options()
        options.cluster = .init(dataConfiguration: ["notify-keyspace-events \"\""])
        try await Self.scenario(
            "notify-keyspace-events on the master only, then failover", invariant: "the new master is reported with the remedy",
            options: options
        ) { deployment, record in
            let master = try #require(try await deployment.agreedMasterIndex())
            try await deployment.cluster.cli(deployment.cluster.dataNodes[master], "CONFIG", "SET", "notify-keyspace-events", "KEA")
            var start = ContinuousClock.now
            try await Self.waitForHealth("the replicas reported, the master healthy", deployment, timeout: .seconds(15)) { nodes in
                nodes.count == 3 && nodes.filter { Self.notifications($0, "state") == "healthy" }.count == 1
                    && nodes.contains { $0["role"] as? String == "master" && Self.notifications($0, "state") == "healthy" }
            }
            record.time("replicas flagged", ContinuousClock.now - start, bound: .seconds(15))
            try await deployment.cluster.sentinelCLI(0, "SENTINEL", "FAILOVER", "mymaster")
            try await waitUntil("the failover", timeout: .seconds(20)) { try await deployment.agreedMasterIndex().map { $0 != master } ?? false }
            start = ContinuousClock.now
            try await Self.waitForHealth("the new master reported with the remedy", deployment, timeout: .seconds(15)) { nodes in
                nodes.contains {
                    $0["role"] as? String == "master" && Self.notifications($0, "state") != "healthy"
                        && Self.notifications($0, "remedy")?.contains("CONFIG SET notify-keyspace-events") == true
                }
            }
            record.time("new master flagged", ContinuousClock.now - start, bound: .seconds(8))
            // Sentinel turns the old master into a replica only after it has reported the master role for a
            // while (Redis's timing); the publish is timed from then.
            try await waitUntil("the old master to become a replica", timeout: .seconds(40)) {
                try await deployment.cluster.cli(deployment.cluster.dataNodes[master], "ROLE").hasPrefix("slave")
            }
            start = ContinuousClock.now
            try deployment.writeNextGeneration()
            record.time("publish", try await deployment.converge(within: .seconds(10), from: start), bound: .seconds(10))
        }
    }

    static let aclPassword = "coord-acl-pw-71c3a9e2"
    static let wrongPassword = "coord-wrong-pw-0b5e44"

    @Test("a wrong password, and the ACL user disabled at run time")
    func credentials() async throws {
        SecretAudit.registerPassword(Self.wrongPassword)
        let secrets = FileManager.default.temporaryDirectory.appendingPathComponent("tc-chaos-secrets-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: secrets) }
        try Self.aclPassword.write(toFile: "\(secrets)/good", atomically: true, encoding: .utf8)
        try Self.wrongPassword.write(toFile: "\(secrets)/wrong", atomically: true, encoding: .utf8)
        var options = ChaosDeployment.Options()
        options.cluster = .init(dataConfiguration: ["user coord on >\(Self.aclPassword) ~* &* +@all"])
        options.redisSettings = "  username: coord\n  passwordFile: \(secrets)/good"
        try await Self.scenario(
            "wrong password; ACL user disabled at run time", invariant: "clear error, no write, no secret shown; converges when re-enabled",
            options: options
        ) { deployment, record in
            // A fourth coordinator with the wrong password: up, never ready, says which setting, writes nothing.
            let settingsPath = "\(deployment.coordinators[0].directory)/settings.yaml"
            let wrongSettings = try String(contentsOfFile: settingsPath, encoding: .utf8)
                .replacingOccurrences(of: "\(secrets)/good", with: "\(secrets)/wrong")
                .replacingOccurrences(of: "instanceId: c1", with: "instanceId: wrong")
                .components(separatedBy: "\nadmin:").first!
            let wrong = try await CoordinatorProcess.start(instanceId: "wrong", settings: wrongSettings)
            do {
                try await Self.wrongPasswordThenDisabledUser(deployment, record, wrong: wrong)
            } catch {
                await wrong.stop()
                throw error
            }
            await wrong.stop()
        }
    }

    /// The second half of ``credentials()``.
    static func wrongPasswordThenDisabledUser(_ deployment: ChaosDeployment, _ record: ScenarioRecord, wrong: CoordinatorProcess) async throws {
        let started = ContinuousClock.now
        try await waitUntil("the wrong password reported", timeout: .seconds(10)) { wrong.log.contains("redis.password") }
        record.time("wrong password reported", ContinuousClock.now - started, bound: .seconds(10))
        record.expect(wrong.process.isRunning && wrong.readiness()?.status != 200, "up and not ready")
        record.expect(!wrong.log.contains(Self.wrongPassword) && !wrong.log.contains(Self.aclPassword), "no password in the log")
        record.expect(!(wrong.statusText() ?? "").contains(Self.wrongPassword), "no password in /status")

        // The user disabled on every node at run time, its connections killed: nobody can write.
        let previous = deployment.generation
        for node in deployment.cluster.dataNodes {
            try await deployment.cluster.cli(node, "ACL", "SETUSER", "coord", "off")
            try await deployment.cluster.cli(node, "CLIENT", "KILL", "USER", "coord")
        }
        try deployment.writeNextGeneration()
        try await waitUntil("every coordinator to step down or stay a follower", timeout: .seconds(10)) { deployment.leaders().isEmpty }
        try await Task.sleep(for: .seconds(2))
        let master = try #require(try await deployment.agreedMasterIndex())
        record.expect(
            try await deployment.keys(onNode: master) == deployment.desiredKeys(generation: previous),
            "generation \(previous) stays whole while the user is disabled")
        for node in deployment.cluster.dataNodes { try await deployment.cluster.cli(node, "ACL", "SETUSER", "coord", "on") }
        let enabled = ContinuousClock.now
        record.time("re-enabled", try await deployment.converge(within: .seconds(10), from: enabled), bound: .seconds(10))
        for coordinator in deployment.coordinators + [wrong] {
            record.expect(!coordinator.log.contains(Self.aclPassword) && !coordinator.log.contains(Self.wrongPassword), "no password in \(coordinator.instanceId)'s log")
        }
    }

    // MARK: - TLS

    @Test("TLS faults: wrong CA, expired server certificate, missing client certificate")
    func tlsFaults() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let dataCA = try certificates.makeCA("chaos-data-ca")
        let otherCA = try certificates.makeCA("chaos-other-ca")
        let server = try certificates.issue("chaos-data", by: dataCA, subjectAltNames: ["IP:127.0.0.1"])
        let expired = try certificates.issue("chaos-expired", by: dataCA, subjectAltNames: ["IP:127.0.0.1"], days: -1)
        let client = try certificates.issue("chaos-client", by: dataCA, subjectAltNames: [])
        let strict = try await RedisServerProcess.start(tls: .init(server: server, clientCA: dataCA.certificate, authenticateClients: true))
        let stale = try await RedisServerProcess.start(tls: .init(server: expired))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-chaos-tls-\(UUID().uuidString.prefix(8))").path
        var started: [CoordinatorProcess] = []
        let record = ScenarioRecord()
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/dynamic", withIntermediateDirectories: true)
            try ChaosDeployment.configuration(generation: 1, routers: 5)
                .write(toFile: "\(directory)/dynamic/routes.yaml", atomically: true, encoding: .utf8)
            func settings(_ id: String, _ target: RedisServerProcess, ca: String, withClientCertificate: Bool) -> String {
                """
                redis:
                  endpoints: ["\(target.tlsAddress!)"]
                  connectTimeout: 1s
                  tls:
                    ca: \(ca)
                \(withClientCertificate ? "    cert: \(client.certificate)\n    key: \(client.privateKey)" : "")
                traefik:
                  rootKey: traefik
                  dynamic: \(directory)/dynamic
                lease: {duration: 3s, renewDeadline: 2s, retryPeriod: 250ms}
                coordinator:
                  instanceId: \(id)
                log:
                  format: json
                """
            }
            let faults: [(name: String, target: RedisServerProcess, ca: String, clientCertificate: Bool, says: [String])] = [
                ("wrong CA", strict, otherCA.certificate, true, ["redis.tls.ca"]),
                ("expired server certificate", stale, dataCA.certificate, true, ["expired"]),
                ("no client certificate", strict, dataCA.certificate, false, ["client certificate", "closed the connection during the TLS handshake"]),
            ]
            for (index, fault) in faults.enumerated() {
                let begin = ContinuousClock.now
                let coordinator = try await CoordinatorProcess.start(
                    instanceId: "tls\(index)", settings: settings("tls\(index)", fault.target, ca: fault.ca, withClientCertificate: fault.clientCertificate))
                started.append(coordinator)
                try await waitUntil("\(fault.name) reported", timeout: .seconds(10)) {
                    fault.says.contains { coordinator.log.contains($0) } && coordinator.log.contains("\(fault.target.tlsAddress!)")
                }
                record.time(fault.name, ContinuousClock.now - begin, bound: .seconds(10))
            }
            try await Task.sleep(for: .seconds(2))
            for (coordinator, fault) in zip(started, faults) {
                record.expect(coordinator.process.isRunning && coordinator.readiness()?.status != 200, "\(fault.name): up, not ready")
            }
            for target in [strict, stale] {
                record.expect(try await target.cli("DBSIZE") == "0", "nothing written through a failed handshake (no plaintext fallback)")
            }
            // The control: the same settings with the right CA and a client certificate publish.
            let begin = ContinuousClock.now
            let good = try await CoordinatorProcess.start(
                instanceId: "tls-good", settings: settings("tls-good", strict, ca: dataCA.certificate, withClientCertificate: true))
            started.append(good)
            try await waitUntil("the control to publish", timeout: .seconds(10)) {
                try await strict.cli("GET", "traefik/http/routers/r0/rule") == "Host(`g1-r0.test`)"
            }
            record.time("control publishes", ContinuousClock.now - begin, bound: .seconds(10))
        } catch {
            record.expect(false, "\(error)")
        }
        let checker = PublishAttemptChecker(logs: started.map(\.log))
        record.expect(checker.violations.isEmpty, "\(checker.violations)")
        ChaosReport.record(
            scenario: "TLS: wrong CA, expired certificate, no client certificate",
            invariant: "fail closed with the reason and host; nothing written; the control publishes",
            passed: record.failures.isEmpty && record.times.allSatisfy { $0.1 <= $0.2 }, times: record.times, checker: checker)
        if !record.failures.isEmpty { print(started.map { "== \($0.instanceId)\n\($0.log.suffix(3000))" }.joined(separator: "\n")) }
        for coordinator in started { await coordinator.stop() }
        await strict.stop()
        await stale.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
