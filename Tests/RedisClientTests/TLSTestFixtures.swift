import Foundation
import RedisClient
import TestSupport

/// CAs and certificates for the TLS tests, made by the `openssl` command line tool.
struct TLSTestFixtures {
    let certificates: TestCertificates
    let ca: CertificateFiles
    let otherCA: CertificateFiles
    let clientCA: CertificateFiles
    /// Valid for `localhost` and 127.0.0.1.
    let server: CertificateFiles
    /// Valid for `redis.internal` only.
    let namedServer: CertificateFiles
    /// Valid for `localhost` and 127.0.0.1, expired yesterday.
    let expiredServer: CertificateFiles
    /// Signed by `clientCA`.
    let client: CertificateFiles
    /// Signed by `otherCA`, which the server does not trust.
    let rogueClient: CertificateFiles
    /// For sentinels in the Sentinel tests: signed by `otherCA` (the data nodes use `server`, from `ca`).
    let sentinel: CertificateFiles
    /// `ca` and `otherCA` in one file: what the sentinels trust (they verify data nodes and each other).
    let bothCAs: String

    /// Made once per test process (about 25 runs of `openssl`), removed when it exits.
    static let shared = Result { try TLSTestFixtures() }

    private init() throws {
        certificates = try TestCertificates(removeAtExit: true)
        ca = try certificates.makeCA("ca")
        otherCA = try certificates.makeCA("other-ca")
        clientCA = try certificates.makeCA("client-ca")
        server = try certificates.issue("server", by: ca, subjectAltNames: ["DNS:localhost", "IP:127.0.0.1"])
        namedServer = try certificates.issue("named-server", by: ca, subjectAltNames: ["DNS:redis.internal"])
        expiredServer = try certificates.issue(
            "expired-server", by: ca, subjectAltNames: ["DNS:localhost", "IP:127.0.0.1"], days: -1)
        client = try certificates.issue("client", by: clientCA, subjectAltNames: [])
        rogueClient = try certificates.issue("rogue-client", by: otherCA, subjectAltNames: [])
        sentinel = try certificates.issue("sentinel", by: otherCA, subjectAltNames: ["IP:127.0.0.1"])
        bothCAs = "\(certificates.directory)/both-cas.crt"
        let both = try String(contentsOfFile: ca.certificate, encoding: .utf8)
            + String(contentsOfFile: otherCA.certificate, encoding: .utf8)
        try both.write(toFile: bothCAs, atomically: true, encoding: .utf8)
    }

    func clientContext(ca: String? = nil) throws -> TLSContext {
        try TLSContext(client: TLSConfiguration(caFile: ca ?? self.ca.certificate))
    }

    func serverContext() throws -> TLSContext {
        try TLSContext(serverCertificateFile: server.certificate, privateKeyFile: server.privateKey)
    }
}
