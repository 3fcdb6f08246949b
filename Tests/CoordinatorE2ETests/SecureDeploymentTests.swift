import Foundation
import TestSupport
import Testing

/// The deployment managed Redis pushes users to: TLS with client certificates on the sentinels and on the data
/// nodes (different CAs), passwords on both — and what the coordinator shows about it must name files and
/// settings, never a password or key material. Also: the order of a graceful shutdown.
@Suite(
    "mTLS and passwords everywhere; graceful shutdown",
    .enabled(if: ExternalTool.shouldRun("redis-sentinel") && ExternalTool.shouldRun("openssl")), .serialized,
    .timeLimit(.minutes(3))
)
struct SecureDeploymentTests {
    static let dataPassword = "mtls-data-pw-41c9"
    static let sentinelPassword = "mtls-sentinel-pw-7e02"

    @Test("over mTLS to sentinels and data nodes: publishes and checks; logs, /status, /metrics and check --json expose no password or key material, also when a key or password is wrong")
    func mutualTLSWithoutLeaks() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let dataCA = try certificates.makeCA("data-ca")
        let sentinelCA = try certificates.makeCA("sentinel-ca")
        let clientCA = try certificates.makeCA("client-ca")
        let dataServer = try certificates.issue("data", by: dataCA, subjectAltNames: ["IP:127.0.0.1"])
        let sentinelServer = try certificates.issue("sentinel", by: sentinelCA, subjectAltNames: ["IP:127.0.0.1"])
        let client = try certificates.issue("coordinator", by: clientCA, subjectAltNames: [])
        let stranger = try certificates.issue("stranger", by: clientCA, subjectAltNames: [])
        // Every server trusts every CA here: data nodes and sentinels present their server certificates as
        // client certificates to each other; the coordinator presents `client`.
        let allCAs = "\(certificates.directory)/all-cas.crt"
        try [dataCA, sentinelCA, clientCA].map { try String(contentsOfFile: $0.certificate, encoding: .utf8) }.joined()
            .write(toFile: allCAs, atomically: true, encoding: .utf8)
        let cluster = try await SentinelCluster.start(.init(
            dataPassword: Self.dataPassword, sentinelPassword: Self.sentinelPassword,
            dataTLS: .init(server: dataServer, clientCA: allCAs, authenticateClients: true),
            sentinelTLS: .init(server: sentinelServer, clientCA: allCAs, authenticateClients: true)))
        var coordinators: [CoordinatorProcess] = []
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-mtls-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/dynamic", withIntermediateDirectories: true)
            try """
                http:
                  routers:
                    secure:
                      rule: "Host(`secure.test`)"
                      service: secure
                  services:
                    secure:
                      loadBalancer:
                        servers:
                          - url: "http://127.0.0.1:8080"
                """.write(toFile: "\(directory)/dynamic/routes.yaml", atomically: true, encoding: .utf8)
            try Self.dataPassword.write(toFile: "\(directory)/redis-password", atomically: true, encoding: .utf8)
            try Self.sentinelPassword.write(toFile: "\(directory)/sentinel-password", atomically: true, encoding: .utf8)
            func settings(redisKey: String = client.privateKey, redisPasswordFile: String = "\(directory)/redis-password") -> String {
                """
                redis:
                  endpoints: [\(cluster.sentinelAddresses.map { "\"\($0)\"" }.joined(separator: ", "))]
                  passwordFile: \(redisPasswordFile)
                  tls:
                    ca: \(dataCA.certificate)
                    cert: \(client.certificate)
                    key: \(redisKey)
                  sentinel:
                    masterName: mymaster
                    passwordFile: \(directory)/sentinel-password
                    tls:
                      ca: \(sentinelCA.certificate)
                      cert: \(client.certificate)
                      key: \(client.privateKey)
                traefik:
                  rootKey: traefik
                  dynamic: \(directory)/dynamic
                lease: {duration: 3s, renewDeadline: 2s, retryPeriod: 250ms}
                notifications:
                  checkInterval: 1s
                """
            }
            try settings().write(toFile: "\(directory)/settings.yaml", atomically: true, encoding: .utf8)
            for index in 1...2 {
                coordinators.append(try await CoordinatorProcess.start(instanceId: "m\(index)", settings: settings()))
            }

            // It works: the router is in Redis (read over the plaintext port), each replica has a health
            // report covering all three data nodes.
            let master = try await cluster.currentMaster()
            try await waitUntil("the router published over mTLS") {
                try await cluster.cli(master, "GET", "traefik/http/routers/secure/rule") == "Host(`secure.test`)"
            }
            try await waitUntil("health reports for all three nodes") {
                coordinators.allSatisfy { (($0.status()?["health"] as? [String: Any])?["nodes"] as? [Any])?.count == 3 }
            }
            let clientsOnMaster = try await cluster.cli(master, "CLIENT", "LIST")
            #expect(clientsOnMaster.contains("name=traefik-coordinator") || clientsOnMaster.split(separator: "\n").count >= 3)

            let check = try await CoordinatorProcess.runCommand(["check", "--config", "\(directory)/settings.yaml", "--json"])
            let report = try #require(try? JSONSerialization.jsonObject(with: Data(check.output.utf8)) as? [String: Any], "\(check.output)")
            #expect((report["sentinels"] as? [[String: Any]])?.allSatisfy { $0["reachable"] as? Bool == true } == true, "\(check.output)")
            #expect(report["master"] as? String == cluster.clientAddress(of: master).description)
            #expect(report["leaseHolder"] != nil)
            // The data nodes run without keyspace notifications: a failure, with the remedy.
            #expect(check.status == 2)
            #expect(check.output.contains("notify-keyspace-events"))

            // Wrong inputs: the messages name the file or setting, not the secret.
            try settings(redisKey: stranger.privateKey).write(toFile: "\(directory)/wrong-key.yaml", atomically: true, encoding: .utf8)
            let wrongKey = try await CoordinatorProcess.runCommand(["check", "--config", "\(directory)/wrong-key.yaml", "--json"])
            #expect(wrongKey.status != 0)
            #expect(wrongKey.output.contains("does not match the certificate"), "\(wrongKey.output)")
            #expect(wrongKey.output.contains(stranger.privateKey), "names the file")
            try "not-the-password-3f1a".write(toFile: "\(directory)/wrong-password", atomically: true, encoding: .utf8)
            SecretAudit.registerPassword("not-the-password-3f1a")
            try settings(redisPasswordFile: "\(directory)/wrong-password")
                .write(toFile: "\(directory)/wrong-password.yaml", atomically: true, encoding: .utf8)
            let wrongPassword = try await CoordinatorProcess.runCommand(["check", "--config", "\(directory)/wrong-password.yaml", "--json"])
            #expect(wrongPassword.status == 2)
            #expect(wrongPassword.output.contains("redis.password"), "\(wrongPassword.output)")

            // Nothing shown contains a password or a line of any private key.
            let keys = [client, stranger, dataServer, sentinelServer, dataCA, sentinelCA, clientCA].map(\.privateKey)
            let needles = [Self.dataPassword, Self.sentinelPassword, "not-the-password-3f1a"]
                + keys.flatMap { SecretAudit.needles(fromSecret: (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "", kind: "key") }
            #expect(needles.count > 10)
            var shown = [check.output, wrongKey.output, wrongPassword.output]
            for coordinator in coordinators { shown += [coordinator.log, coordinator.statusText() ?? "", coordinator.metrics()] }
            for text in shown {
                for needle in needles { #expect(!text.contains(needle), "secret material shown: starts \(needle.prefix(4))… in \(text.prefix(200))") }
            }
            for coordinator in coordinators { await coordinator.stop() }
            await cluster.stop()
        } catch {
            for coordinator in coordinators {
                print("== \(coordinator.instanceId)\n\(coordinator.log.suffix(3000))")
                await coordinator.stop()
            }
            await cluster.stop()
            throw error
        }
    }

    @Test("SIGTERM: /readyz turns 503 while the leader still holds the lease, then the lease is released and the process exits")
    func gracefulShutdownOrder() async throws {
        try await withRedisServer(["notify-keyspace-events KEA"]) { server in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-shutdown-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try "http:\n  routers:\n    a:\n      rule: \"Host(`a.test`)\"\n      service: noop@internal\n"
                .write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
            let coordinator = try await CoordinatorProcess.start(
                instanceId: "stopper",
                settings: """
                    redis:
                      endpoints: ["\(server.address)"]
                    traefik:
                      dynamic: \(directory)
                    lease: {duration: 10s, renewDeadline: 5s, retryPeriod: 250ms}
                    """,
                environment: ["TC_FAULT_SHUTDOWN_DELAY_MS": "1500"])
            defer { Task { await coordinator.stop() } }
            try await waitUntil("leader and ready") { coordinator.isLeader && coordinator.readiness()?.status == 200 }
            let leaseKey = "coordinator:traefik:lease"
            #expect(try await server.cli("GET", leaseKey).contains("stopper"))

            coordinator.process.signal(SIGTERM)
            try await waitUntil("/readyz 503") { coordinator.readiness()?.status == 503 }
            let readiness = try #require(coordinator.readiness())
            #expect(readiness.body.contains("shutting down"))
            #expect(coordinator.status()?["stopping"] as? Bool == true)
            #expect(try await server.cli("GET", leaseKey).contains("stopper"), "not ready while the lease is still held")
            try await waitUntil("the lease released") { try await server.cli("GET", leaseKey).isEmpty }
            try await waitUntil("the process to exit") { !coordinator.process.isRunning }
            let log = coordinator.log
            let order = [
                log.range(of: "shutting down: not ready"), log.range(of: "released the lease"),
                log.range(of: "stopped", options: .backwards),
            ].map { $0?.lowerBound }
            #expect(order.allSatisfy { $0 != nil }, "\(log.suffix(2000))")
            if order.allSatisfy({ $0 != nil }) { #expect(order.map { $0! } == order.map { $0! }.sorted(), "\(log.suffix(2000))") }
        }
    }
}
