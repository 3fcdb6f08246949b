import Foundation
import Logging
import RESP
import RedisClient
import TestSupport
import Testing

/// TLS against real `redis-server` TLS ports, with certificates made by the `openssl` command line tool.
/// Every server also has a plaintext port, used only by `redis-cli` to check what the server saw.
@Suite(
    "TLS with a real redis-server",
    .enabled(if: ExternalTool.shouldRun("redis-server") && ExternalTool.shouldRun("openssl")),
    .timeLimit(.minutes(2))
)
struct TLSRedisTests {
    /// Long, so that a failure that waited for a reply instead of failing fast stands out from the bounds below.
    static let commandTimeout = Duration.seconds(30)
    /// "Fails fast": far below ``commandTimeout``, with room for a loaded 2-core machine.
    static let fast = Duration.seconds(10)

    static func connect(
        _ address: RedisAddress, tls: TLSConfiguration?, logger: Logger = Logger(label: "test")
    ) async throws -> RedisConnection {
        let transport: any RedisTransport = try tls.map { try TLSTransport(configuration: $0) } ?? PlainTCPTransport()
        return try await RedisConnection.connect(
            to: address,
            configuration: RedisConnectionConfiguration(
                connectTimeout: .seconds(2), commandTimeout: Self.commandTimeout, transport: transport),
            logger: logger)
    }

    /// Writes a key through `connection` and reads it back with redis-cli on the plaintext port.
    static func expectRoundTrip(_ connection: RedisConnection, server: RedisServerProcess, key: String) async throws {
        let value = UUID().uuidString
        #expect(try await connection.send(RedisCommands.set(key, value)))
        #expect(try await connection.send(RedisCommands.get(key)) == value)
        #expect(try await server.cli("GET", key) == value)
    }

    /// Runs a connection attempt that must fail, returning its error and how long it took.
    static func failure(_ attempt: () async throws -> RedisConnection) async -> (RedisError?, Duration) {
        let start = ContinuousClock.now
        do {
            let connection = try await attempt()
            await connection.close()
            return (nil, ContinuousClock.now - start)
        } catch {
            if ProcessInfo.processInfo.environment["TC_TEST_VERBOSE"] != nil { print("connection failed as expected: \(error)") }
            return (error as? RedisError, ContinuousClock.now - start)
        }
    }

    /// The server executed no command from us: no HELLO, AUTH or SET reached it.
    static func expectNoCommandReached(_ server: RedisServerProcess) async throws {
        let stats = try await server.cli("INFO", "commandstats")
        #expect(!stats.contains("cmdstat_hello"), "a command reached the server: \(stats)")
        #expect(!stats.contains("cmdstat_set"), "a command reached the server: \(stats)")
    }

    // MARK: - Working connections

    @Test("server-auth TLS by IP address (IP SAN) and by host name (DNS SAN)")
    func serverAuthentication() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        try await withRedisServer(tls: .init(server: fixtures.server)) { server in
            let tlsAddress = try #require(server.tlsAddress)
            let byIP = try await Self.connect(tlsAddress, tls: TLSConfiguration(caFile: fixtures.ca.certificate))
            try await Self.expectRoundTrip(byIP, server: server, key: "by-ip")
            await byIP.close()
            let byName = try await Self.connect(
                RedisAddress(host: "localhost", port: tlsAddress.port), tls: TLSConfiguration(caFile: fixtures.ca.certificate))
            try await Self.expectRoundTrip(byName, server: server, key: "by-name")
            await byName.close()
            // The plaintext port cannot see TLS clients: the TLS port is the one that served them.
            #expect(try await server.cli("INFO", "commandstats").contains("cmdstat_set:calls=2"))
        }
    }

    @Test("serverName overrides the name checked: a certificate for redis.internal, reached at 127.0.0.1")
    func serverNameOverride() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        try await withRedisServer(tls: .init(server: fixtures.namedServer)) { server in
            let connection = try await Self.connect(
                try #require(server.tlsAddress),
                tls: TLSConfiguration(caFile: fixtures.ca.certificate, serverName: "redis.internal"))
            try await Self.expectRoundTrip(connection, server: server, key: "override")
            await connection.close()
        }
    }

    @Test("mTLS with tls-auth-clients yes: our client certificate is accepted")
    func mutualTLS() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let tls = RedisServerProcess.TLSSettings(
            server: fixtures.server, clientCA: fixtures.clientCA.certificate, authenticateClients: true)
        try await withRedisServer(tls: tls) { server in
            let connection = try await Self.connect(
                try #require(server.tlsAddress),
                tls: TLSConfiguration(
                    caFile: fixtures.ca.certificate, certificateFile: fixtures.client.certificate,
                    privateKeyFile: fixtures.client.privateKey))
            try await Self.expectRoundTrip(connection, server: server, key: "mtls")
            await connection.close()
        }
    }

    @Test("insecureSkipVerify connects to a server we cannot verify, and warns on every connect")
    func insecureSkipVerify() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        try await withRedisServer(tls: .init(server: fixtures.expiredServer)) { server in
            let logs = CapturedLogs()
            let transport = try TLSTransport(configuration: TLSConfiguration(insecureSkipVerify: true))
            for key in ["first", "second"] {
                let connection = try await RedisConnection.connect(
                    to: try #require(server.tlsAddress), configuration: RedisConnectionConfiguration(transport: transport),
                    logger: logs.logger())
                try await Self.expectRoundTrip(connection, server: server, key: key)
                await connection.close()
            }
            let warnings = logs.entries.filter { $0.level == .warning && $0.message.contains("verification is OFF") }
            #expect(warnings.count == 2)
        }
    }

    @Test("TLS 1.2 is the default minimum; minimumVersion 1.3 refuses a TLS 1.2-only server")
    func minimumVersion() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        try await withRedisServer(["tls-protocols TLSv1.2"], tls: .init(server: fixtures.server)) { server in
            let address = try #require(server.tlsAddress)
            let tls12 = try await Self.connect(address, tls: TLSConfiguration(caFile: fixtures.ca.certificate))
            try await Self.expectRoundTrip(tls12, server: server, key: "tls12")
            await tls12.close()
            let (error, _) = await Self.failure {
                try await Self.connect(address, tls: TLSConfiguration(caFile: fixtures.ca.certificate, minimumVersion: .tls13))
            }
            guard case .tls(address, .handshakeFailed(let reasons, nil, _, _)) = error else {
                Issue.record("expected a protocol version failure, got \(String(describing: error))")
                return
            }
            #expect(reasons.contains { $0.contains("protocol version") })
            #expect(error!.description.contains("redis.tls.minimumVersion"))
        }
    }

    // MARK: - Failures: each clear, fast, and with nothing sent in plaintext

    @Test("a server certificate from another CA is rejected, naming the CA setting")
    func wrongCA() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        try await withRedisServer(tls: .init(server: fixtures.server)) { server in
            let address = try #require(server.tlsAddress)
            let (error, elapsed) = await Self.failure {
                try await Self.connect(address, tls: TLSConfiguration(caFile: fixtures.otherCA.certificate))
            }
            guard case .tls(address, .handshakeFailed(_, let verifyResult?, "127.0.0.1", _)) = error else {
                Issue.record("expected a certificate verification failure, got \(String(describing: error))")
                return
            }
            #expect(verifyResult.contains("unable to get local issuer certificate"))
            #expect(error!.description.contains("not signed by a CA in redis.tls.ca"))
            #expect(error!.description.contains(address.description))
            #expect(!error!.isTransient, "a certificate problem is configuration, not retried")
            #expect(elapsed < Self.fast)
            try await Self.expectNoCommandReached(server)
        }
    }

    @Test("a host name the certificate does not list is rejected, suggesting serverName")
    func hostNameMismatch() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        try await withRedisServer(tls: .init(server: fixtures.namedServer)) { server in
            let tlsAddress = try #require(server.tlsAddress)
            let address = RedisAddress(host: "localhost", port: tlsAddress.port)
            let (error, elapsed) = await Self.failure {
                try await Self.connect(address, tls: TLSConfiguration(caFile: fixtures.ca.certificate))
            }
            guard case .tls(_, .handshakeFailed(_, let verifyResult?, "localhost", _)) = error else {
                Issue.record("expected a host name mismatch, got \(String(describing: error))")
                return
            }
            #expect(verifyResult == "hostname mismatch")
            #expect(error!.description.contains("does not list 'localhost'"))
            #expect(error!.description.contains("redis.tls.serverName"))
            #expect(elapsed < Self.fast)
            try await Self.expectNoCommandReached(server)
        }
    }

    @Test("an IP address missing from the certificate's SANs is rejected")
    func ipNotInSANs() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        try await withRedisServer(tls: .init(server: fixtures.namedServer)) { server in
            let address = try #require(server.tlsAddress)
            let (error, _) = await Self.failure {
                try await Self.connect(address, tls: TLSConfiguration(caFile: fixtures.ca.certificate))
            }
            guard case .tls(_, .handshakeFailed(_, let verifyResult?, "127.0.0.1", _)) = error else {
                Issue.record("expected an IP address mismatch, got \(String(describing: error))")
                return
            }
            #expect(verifyResult == "IP address mismatch")
            #expect(error!.description.contains("no IP subjectAltName for 127.0.0.1"))
            try await Self.expectNoCommandReached(server)
        }
    }

    @Test("an expired server certificate is rejected")
    func expiredCertificate() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        try await withRedisServer(tls: .init(server: fixtures.expiredServer)) { server in
            let address = try #require(server.tlsAddress)
            let (error, _) = await Self.failure {
                try await Self.connect(address, tls: TLSConfiguration(caFile: fixtures.ca.certificate))
            }
            guard case .tls(_, .handshakeFailed(_, let verifyResult?, _, _)) = error else {
                Issue.record("expected an expired certificate, got \(String(describing: error))")
                return
            }
            #expect(verifyResult == "certificate has expired")
            #expect(error!.description.contains("has expired: renew it"))
            try await Self.expectNoCommandReached(server)
        }
    }

    @Test("a server requiring a client certificate refuses us without one, and with one from an untrusted CA")
    func clientCertificateRequired() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let tls = RedisServerProcess.TLSSettings(
            server: fixtures.server, clientCA: fixtures.clientCA.certificate, authenticateClients: true)
        try await withRedisServer(tls: tls) { server in
            let address = try #require(server.tlsAddress)
            let (missing, elapsed) = await Self.failure {
                try await Self.connect(address, tls: TLSConfiguration(caFile: fixtures.ca.certificate))
            }
            // TLS 1.3 refuses a missing certificate after the client's handshake finished: the alert arrives
            // when our HELLO is already on its way. Usually we read the alert; when the server's reset overtakes
            // it, the connection is lost at the first command. Both say what to set.
            switch missing {
            case .tls(address, let tlsError):
                #expect(tlsError.description.contains("requires a client certificate: set redis.tls.cert and redis.tls.key"))
                #expect(!tlsError.isTransient)
            case .closedAtFirstCommand(address, let hint):
                #expect(hint.contains("if it requires client certificates (tls-auth-clients yes), set redis.tls.cert and redis.tls.key"))
                #expect(missing?.persistsAsConfiguration == true)
            default:
                Issue.record("expected the missing client certificate to be named, got \(String(describing: missing))")
            }
            #expect(elapsed < Self.fast)
            let (rogue, _) = await Self.failure {
                try await Self.connect(
                    address,
                    tls: TLSConfiguration(
                        caFile: fixtures.ca.certificate, certificateFile: fixtures.rogueClient.certificate,
                        privateKeyFile: fixtures.rogueClient.privateKey))
            }
            let rogueReported = rogue?.description.contains("unknown ca") == true
                || rogue?.description.contains("it may have refused our client certificate (redis.tls.cert)") == true
            #expect(rogueReported, "\(String(describing: rogue))")
            try await Self.expectNoCommandReached(server)
        }
    }

    @Test("a plaintext client to a TLS port fails fast and says TLS may be needed")
    func plaintextClientToTLSPort() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        try await withRedisServer(tls: .init(server: fixtures.server)) { server in
            let address = try #require(server.tlsAddress)
            let (error, elapsed) = await Self.failure { try await Self.connect(address, tls: nil) }
            guard case .closedAtFirstCommand(address, let hint) = error else {
                Issue.record("expected the TLS port to close the connection, got \(String(describing: error))")
                return
            }
            #expect(hint.contains("if it expects TLS, configure redis.tls or use a rediss:// endpoint"))
            #expect(error?.persistsAsConfiguration == true, "retried a little (a server going down closes connections too), then a configuration error")
            #expect(elapsed < Self.fast)
            try await Self.expectNoCommandReached(server)
        }
    }

    @Test("a TLS client to a plaintext port fails within the handshake timeout, saying the port has no TLS")
    func tlsClientToPlaintextPort() async throws {
        let fixtures = try TLSTestFixtures.shared.get()
        try await withRedisServer { server in
            let (error, elapsed) = await Self.failure {
                try await Self.connect(
                    server.address, tls: TLSConfiguration(caFile: fixtures.ca.certificate, handshakeTimeout: .seconds(2)))
            }
            // Redis reads the ClientHello as an inline command: it answers `-ERR` when the random bytes hold a
            // newline, and otherwise waits for one; after the handshake timeout a plaintext PING tells a
            // plaintext Redis port (`+PONG`) from an overloaded TLS one. Either way: not TLS, not retried.
            switch error {
            case .tls(server.address, .notTLS(let said)):
                #expect(said.hasPrefix("-ERR") || said == "+PONG", "\(said)")
                #expect(error?.isTransient == false)
            default:
                Issue.record("expected notTLS, got \(String(describing: error))")
            }
            #expect(elapsed < Self.fast)
            try await Self.expectNoCommandReached(server)
        }
    }

    @Test("bad TLS files are configuration errors naming the setting and the file")
    func badFiles() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let missing = "\(fixtures.certificates.directory)/missing.crt"
        #expect(throws: TLSError.configuration(setting: "redis.tls.ca", reason: "cannot read '\(missing)': system library: No such file or directory")) {
            try TLSTransport(configuration: TLSConfiguration(caFile: missing))
        }
        let error = try #require(throws: TLSError.self) {
            try TLSTransport(
                configuration: TLSConfiguration(
                    certificateFile: fixtures.client.certificate, privateKeyFile: fixtures.rogueClient.privateKey,
                    settingsPath: "redis.sentinel.tls"))
        }
        #expect(error.description.hasPrefix("redis.sentinel.tls.key: the private key in"))
        #expect(error.description.contains("does not match the certificate"))
        #expect(throws: TLSError.self) {
            try TLSTransport(configuration: TLSConfiguration(caFile: fixtures.client.privateKey))  // a key, not a CA
        }
        #expect(throws: TLSError.configuration(setting: "redis.tls.key", reason: "a client certificate needs its private key: set redis.tls.key")) {
            try TLSTransport(configuration: TLSConfiguration(certificateFile: fixtures.client.certificate))
        }
    }
}
