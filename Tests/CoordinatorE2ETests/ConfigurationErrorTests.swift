import Foundation
import RedisClient
import TestSupport
import Testing

/// The one-shot commands as a newcomer meets them: a configuration error Redis reports (a wrong password, an
/// endpoint that is not Redis, TLS on the wrong side, a certificate that fails verification, an unknown
/// Sentinel master, a refused sentinel password, an ACL refusal) ends `publish --once`, `diff` and `check`
/// within seconds with exit 2 and one line that names the cause and the setting; a transient error is
/// retried within `--timeout`.
@Suite(
    "one-shot commands: configuration errors fail fast, transient errors are retried",
    .enabled(if: ExternalTool.shouldRun("redis-server") && ExternalTool.shouldRun("openssl")), .timeLimit(.minutes(4))
)
struct ConfigurationErrorTests {
    /// A generous liveness bound for CI (the commands end in well under a second, or after one 5 s TLS
    /// handshake timeout plus a 1 s plaintext probe): far below the 30 s lease wait they used to spend.
    static let bound: Duration = .seconds(15)
    static let password = "config-error-pw-77a1"

    /// A dynamic configuration with one router, in a temporary directory.
    static func dynamicDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-config-errors-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "http:\n  routers:\n    a:\n      rule: \"Host(`a.test`)\"\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: \"http://127.0.0.1:1\"\n"
            .write(toFile: "\(directory)/a.yaml", atomically: true, encoding: .utf8)
        return directory
    }

    /// Runs `command` with `settings` and checks its exit code, that its last line says `kind` and every
    /// fragment, and that it ended within ``bound``.
    static func expect(
        _ command: [String], settings: String, exitCode: Int32, fragments: [String], kind: String = "configuration error (not retried)",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let dynamic = try dynamicDirectory()
        defer { try? FileManager.default.removeItem(atPath: dynamic) }
        let file = "\(dynamic)/settings.yaml"
        try (settings + "\ntraefik:\n  dynamic: \(dynamic)/a.yaml\n").write(toFile: file, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        let (status, output) = try await CoordinatorProcess.runCommand(command + ["--config", file])
        let elapsed = ContinuousClock.now - started
        #expect(status == exitCode, "\(command) exited \(status): \(output)", sourceLocation: sourceLocation)
        #expect(elapsed < bound, "\(command) took \(elapsed)", sourceLocation: sourceLocation)
        #expect(!output.contains("held by unknown"), "the wrong cause: \(output)", sourceLocation: sourceLocation)
        let causeLine = output.split(separator: "\n").last { $0.contains(kind) || $0.hasPrefix("FAIL: cannot reach") } ?? ""
        if command.first != "check" {
            #expect(causeLine.contains(kind), "\(command): no line says \(kind): \(output)", sourceLocation: sourceLocation)
        }
        for fragment in fragments {
            #expect(causeLine.contains(fragment), "\(command): the cause line lacks '\(fragment)': \(output)", sourceLocation: sourceLocation)
        }
        #expect(!output.contains(password), "a password leaked", sourceLocation: sourceLocation)
    }

    static let commands: [[String]] = [["publish", "--once"], ["diff"], ["check"]]

    @Test("a wrong password (WRONGPASS) names redis.password", arguments: commands)
    func wrongPassword(command: [String]) async throws {
        try await withRedisServer(["requirepass \(Self.password)"]) { server in
            try await Self.expect(
                command, settings: "redis:\n  endpoints: [\"\(server.address)\"]\n  password: not-the-password\n",
                exitCode: 2, fragments: ["WRONGPASS", "redis.password"])
        }
    }

    @Test("a user without the commands it needs (NOPERM) says so, with ACL SETUSER", arguments: [["publish", "--once"], ["diff"]])
    func noPermission(command: [String]) async throws {
        let acl = ["user default on nopass ~* &* +@all", "user powerless on >\(Self.password) resetchannels -@all +hello +auth"]
        try await withRedisServer(acl) { server in
            try await Self.expect(
                command, settings: "redis:\n  endpoints: [\"\(server.address)\"]\n  username: powerless\n  password: \(Self.password)\n",
                exitCode: 2, fragments: ["NOPERM", "ACL SETUSER"])
        }
    }

    @Test("an endpoint that does not speak RESP (an HTTP server)", arguments: commands)
    func notRedis(command: [String]) async throws {
        let http = try await HTTPBackendProcess.start(files: ["index.html": "not redis\n"])
        defer { http.stopBlocking() }
        try await Self.expect(
            command, settings: "redis:\n  endpoints: [\"127.0.0.1:\(http.port)\"]\n", exitCode: 2,
            fragments: ["127.0.0.1:\(http.port)", "invalid reply"])
    }

    @Test("plaintext to a TLS port, and TLS to a plaintext port", .enabled(if: RedisServerProcess.supportsTLS), arguments: commands)
    func tlsOnTheWrongSide(command: [String]) async throws {
        let certificates = try TestCertificates(removeAtExit: true)
        let ca = try certificates.makeCA("wrong-side-ca")
        let server = try certificates.issue("wrong-side-server", by: ca, subjectAltNames: ["IP:127.0.0.1"])
        try await withRedisServer(tls: .init(server: server)) { redis in
            let tlsPort = try #require(redis.tlsAddress)
            // Retried briefly (a server going down closes connections too), then a configuration error.
            try await Self.expect(
                command, settings: "redis:\n  endpoints: [\"\(tlsPort)\"]\n", exitCode: 2,
                fragments: ["closed the connection at our first command", "redis.tls"],
                kind: "configuration error (every attempt ended the same way)")
            try await Self.expect(
                command, settings: "redis:\n  endpoints: [\"\(redis.address)\"]\n  tls:\n    ca: \(ca.certificate)\n", exitCode: 2,
                fragments: ["does not speak TLS"])
        }
    }

    @Test(
        "a server certificate that fails verification: another CA, another host, expired", .enabled(if: RedisServerProcess.supportsTLS),
        arguments: commands)
    func certificateRejected(command: [String]) async throws {
        let certificates = try TestCertificates(removeAtExit: true)
        let ca = try certificates.makeCA("verify-ca")
        let otherCA = try certificates.makeCA("verify-other-ca")
        let cases: [(CertificateFiles, [String])] = [
            (try certificates.issue("verify-by-other", by: otherCA, subjectAltNames: ["IP:127.0.0.1"]), ["not signed by a CA in redis.tls.ca"]),
            (try certificates.issue("verify-elsewhere", by: ca, subjectAltNames: ["DNS:elsewhere.test"]), ["redis.tls.serverName"]),
            (try certificates.issue("verify-expired", by: ca, subjectAltNames: ["IP:127.0.0.1"], days: -1), ["expired"]),
        ]
        for (serverCertificate, fragments) in cases {
            try await withRedisServer(tls: .init(server: serverCertificate)) { redis in
                let tlsPort = try #require(redis.tlsAddress)
                try await Self.expect(
                    command, settings: "redis:\n  endpoints: [\"\(tlsPort)\"]\n  tls:\n    ca: \(ca.certificate)\n", exitCode: 2,
                    fragments: ["TLS handshake failed"] + fragments)
            }
        }
    }

    @Test("an unknown Sentinel master name, and a sentinel password that is refused", arguments: commands)
    func sentinelErrors(command: [String]) async throws {
        let cluster = try await SentinelCluster.start(.init(sentinelPassword: Self.password))
        defer { Task { await cluster.stop() } }
        let endpoints = cluster.sentinelAddresses.map { "\"\($0)\"" }.joined(separator: ", ")
        try await Self.expect(
            command,
            settings: "redis:\n  endpoints: [\(endpoints)]\n  sentinel:\n    masterName: not-\(cluster.masterName)\n    password: \(Self.password)\n",
            exitCode: 2, fragments: ["not-\(cluster.masterName)", "redis.sentinel.masterName"])
        try await Self.expect(
            command,
            settings: "redis:\n  endpoints: [\(endpoints)]\n  sentinel:\n    masterName: \(cluster.masterName)\n    password: wrong-sentinel-password\n",
            exitCode: 2, fragments: ["redis.sentinel.password"])
        await cluster.stop()
    }

    @Test("transient: a refused port is retried for the whole --timeout, then exit 1 naming the kind", arguments: [["publish", "--once"], ["diff"]])
    func refusedIsRetried(command: [String]) async throws {
        let port = FreePort.next()
        let started = ContinuousClock.now
        try await Self.expect(
            command + ["--timeout", "3s"], settings: "redis:\n  endpoints: [\"127.0.0.1:\(port)\"]\n",
            exitCode: command.first == "diff" ? 2 : 1, fragments: ["127.0.0.1:\(port)", "within 3s"], kind: "transient error, retried")
        #expect(ContinuousClock.now - started >= .seconds(3), "retried until --timeout, not given up at the first refusal")
    }

    @Test("transient: no sentinel reachable is retried for the whole --timeout, then exit 1 naming the kind")
    func noSentinelIsRetried() async throws {
        let ports = [FreePort.next(), FreePort.next()]
        let started = ContinuousClock.now
        try await Self.expect(
            ["publish", "--once", "--timeout", "3s"],
            settings: "redis:\n  endpoints: [\"127.0.0.1:\(ports[0])\", \"127.0.0.1:\(ports[1])\"]\n  sentinel:\n    masterName: mymaster\n",
            exitCode: 1, fragments: ["no sentinel could be asked", "redis.endpoints"], kind: "transient error, retried")
        #expect(ContinuousClock.now - started >= .seconds(3))
    }

    @Test("transient: a server that comes up during --timeout is published to")
    func serverComesUpLater() async throws {
        let dynamic = try Self.dynamicDirectory()
        defer { try? FileManager.default.removeItem(atPath: dynamic) }
        try await withRedisServer { server in
            server.process.stop()  // down while the command starts: refused, retried
            let file = "\(dynamic)/settings.yaml"
            try "redis:\n  endpoints: [\"\(server.address)\"]\ntraefik:\n  dynamic: \(dynamic)/a.yaml\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let command = Task { try await CoordinatorProcess.runCommand(["publish", "--once", "--timeout", "20s", "--config", file]) }
            try await Task.sleep(for: .seconds(2))
            try await server.restart()
            let (status, output) = try await command.value
            #expect(status == 0, "\(output)")
            #expect(output.contains("published"), "\(output)")
            #expect(try await server.cli("GET", "traefik/http/routers/a/rule") == "Host(`a.test`)")
        }
    }
}
