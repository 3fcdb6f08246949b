import Foundation
import Logging
import RedisClient
import TestSupport
import Testing

/// Certificate rotation as Kubernetes does it: the mounted secret's files are symlinks through `..data`,
/// which is swapped atomically to a new directory. New connections must use the new files; open ones carry on.
@Suite(
    "TLS certificate rotation",
    .enabled(if: ExternalTool.shouldRun("redis-server") && ExternalTool.shouldRun("openssl")),
    .timeLimit(.minutes(2))
)
struct TLSRotationTests {
    /// A directory laid out like a mounted Kubernetes secret: `ca.crt`, `tls.crt`, `tls.key` → `..data/…`.
    struct MountedSecret {
        let directory: String
        var ca: String { "\(directory)/ca.crt" }
        var certificate: String { "\(directory)/tls.crt" }
        var key: String { "\(directory)/tls.key" }

        init(directory: String) throws {
            self.directory = directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for name in ["ca.crt", "tls.crt", "tls.key"] {
                try FileManager.default.createSymbolicLink(atPath: "\(directory)/\(name)", withDestinationPath: "..data/\(name)")
            }
        }

        /// Writes a new version and swaps `..data` to it in one `rename`, as the kubelet does.
        func publish(version: String, ca: String, certificate: String, key: String) throws {
            let versionDirectory = "\(directory)/..\(version)"
            try FileManager.default.createDirectory(atPath: versionDirectory, withIntermediateDirectories: true)
            for (source, name) in [(ca, "ca.crt"), (certificate, "tls.crt"), (key, "tls.key")] {
                try Data(contentsOf: URL(fileURLWithPath: source)).write(to: URL(fileURLWithPath: "\(versionDirectory)/\(name)"))
            }
            let temporary = "\(directory)/..data_tmp"
            try? FileManager.default.removeItem(atPath: temporary)
            try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: "..\(version)")
            guard rename(temporary, "\(directory)/..data") == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
    }

    @Test("CA, client certificate and key replaced while connected: the next connection uses the new ones; a broken set keeps the old context and logs an error")
    func rotation() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let caV1 = try certificates.makeCA("ca-v1")
        let caV2 = try certificates.makeCA("ca-v2")
        let clientCAV1 = try certificates.makeCA("client-ca-v1")
        let clientCAV2 = try certificates.makeCA("client-ca-v2")
        let serverV1 = try certificates.issue("server-v1", by: caV1, subjectAltNames: ["IP:127.0.0.1"])
        let serverV2 = try certificates.issue("server-v2", by: caV2, subjectAltNames: ["IP:127.0.0.1"])
        let clientV1 = try certificates.issue("client-v1", by: clientCAV1, subjectAltNames: [])
        let clientV2 = try certificates.issue("client-v2", by: clientCAV2, subjectAltNames: [])
        let clientV4 = try certificates.issue("client-v4", by: clientCAV2, subjectAltNames: [])
        let secret = try MountedSecret(directory: "\(certificates.directory)/secret")
        try secret.publish(version: "v1", ca: caV1.certificate, certificate: clientV1.certificate, key: clientV1.privateKey)

        let serverTLS = RedisServerProcess.TLSSettings(
            server: serverV1, clientCA: clientCAV1.certificate, authenticateClients: true)
        try await withRedisServer(tls: serverTLS) { server in
            let logs = CapturedLogs()
            let transport = try TLSTransport(
                configuration: TLSConfiguration(caFile: secret.ca, certificateFile: secret.certificate, privateKeyFile: secret.key))
            let configuration = RedisConnectionConfiguration(transport: transport)
            let address = try #require(server.tlsAddress)
            func connect() async throws -> RedisConnection {
                try await RedisConnection.connect(to: address, configuration: configuration, logger: logs.logger())
            }

            let before = try await connect()
            #expect(try await before.send(RedisCommands.set("phase", "v1")))

            // The server moves to v2 on both sides: its certificate from caV2, client certificates from clientCAV2.
            try await server.cli(
                "CONFIG", "SET", "tls-cert-file", serverV2.certificate, "tls-key-file", serverV2.privateKey,
                "tls-ca-cert-file", clientCAV2.certificate)
            let stale = await Self.attempt(connect)
            #expect(stale?.description.contains("not signed by a CA in redis.tls.ca") == true, "with the v1 files still mounted, the v2 server must be refused")

            // The secret rotates: the very next connection verifies with caV2 and presents clientV2.
            try secret.publish(version: "v2", ca: caV2.certificate, certificate: clientV2.certificate, key: clientV2.privateKey)
            let after = try await connect()
            #expect(try await after.send(RedisCommands.set("phase", "v2")))
            #expect(transport.contexts.generation == 2)
            #expect(try await before.send(RedisCommands.get("phase")) == "v2", "the connection opened before rotation carries on")

            // A broken rotation (key of another certificate): new connections keep using v2, and it is logged once.
            try secret.publish(version: "v3", ca: caV2.certificate, certificate: clientV2.certificate, key: clientV1.privateKey)
            let third = try await connect()
            let fourth = try await connect()
            #expect(try await fourth.send(RedisCommands.get("phase")) == "v2")
            #expect(transport.contexts.generation == 2)
            let errors = logs.entries.filter { $0.level == .error }
            #expect(errors.count == 1)
            #expect(errors.first?.message.contains("keep the previous certificates") == true)
            #expect(errors.first?.metadata.contains("redis.tls.key: the private key in") == true)
            #expect(errors.first.map { !$0.description.contains("PRIVATE KEY") } == true)

            // Fixed, with a renewed client certificate: picked up by the next connection.
            try secret.publish(version: "v4", ca: caV2.certificate, certificate: clientV4.certificate, key: clientV4.privateKey)
            let fifth = try await connect()
            #expect(try await fifth.send(RedisCommands.ping()) == "PONG")
            #expect(transport.contexts.generation == 3)
            for connection in [before, after, third, fourth, fifth] { await connection.close() }
        }
    }

    /// The error of a connection attempt expected to fail (`nil` if it succeeded).
    static func attempt(_ connect: () async throws -> RedisConnection) async -> RedisError? {
        do {
            let connection = try await connect()
            await connection.close()
            return nil
        } catch {
            return error as? RedisError
        }
    }
}
