import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A certificate and its private key, as PEM files.
public struct CertificateFiles: Sendable, Hashable {
    public var certificate: String
    public var privateKey: String
}

/// Certificates made by the real `openssl` command line tool in a temporary directory: CAs, and server or
/// client certificates signed by them, with chosen subjectAltNames and validity.
///
/// Keys are EC P-256 (fast to make). Call ``remove()`` when done (tests use `defer`), or create the set with
/// `removeAtExit` when a whole suite shares it.
public final class TestCertificates: Sendable {
    /// Where the files are.
    public let directory: String
    private let openssl: String
    private static let removeAtExit = Mutex<[String]>([])
    private static let exitHookInstalled = Mutex(false)

    /// Creates the directory; fails when `openssl` is not installed. With `removeAtExit`, the directory is
    /// removed when the test process exits.
    public init(removeAtExit: Bool = false) throws {
        openssl = try ExternalTool.require("openssl", package: "openssl")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-certs-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if removeAtExit {
            Self.removeAtExit.withLock { $0.append(directory) }
            Self.exitHookInstalled.withLock { installed in
                guard !installed else { return }
                installed = true
                atexit {
                    for directory in TestCertificates.removeAtExit.withLock({ $0 }) {
                        try? FileManager.default.removeItem(atPath: directory)
                    }
                }
            }
        }
    }

    /// A self-signed CA.
    public func makeCA(_ name: String, days: Int = 30) throws -> CertificateFiles {
        let files = paths(name)
        try run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", files.privateKey, "-out", files.certificate, "-subj", "/CN=\(name)", "-days", "\(days)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        SecretAudit.registerPrivateKey(file: files.privateKey)
        return files
    }

    /// A leaf certificate signed by `ca`, valid for `subjectAltNames` (`DNS:localhost`, `IP:127.0.0.1`).
    /// A negative `days` makes a certificate that has already expired.
    public func issue(_ name: String, by ca: CertificateFiles, subjectAltNames: [String], days: Int = 30) throws -> CertificateFiles {
        let files = paths(name)
        let request = "\(directory)/\(name).csr"
        let extensions = "\(directory)/\(name).ext"
        var lines = [
            "basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage=serverAuth,clientAuth",
        ]
        if !subjectAltNames.isEmpty { lines.append("subjectAltName=" + subjectAltNames.joined(separator: ",")) }
        try lines.joined(separator: "\n").appending("\n").write(toFile: extensions, atomically: true, encoding: .utf8)
        try run([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", files.privateKey,
            "-out", request, "-subj", "/CN=\(name)",
        ])
        try run([
            "x509", "-req", "-in", request, "-CA", ca.certificate, "-CAkey", ca.privateKey, "-CAcreateserial",
            "-out", files.certificate, "-days", "\(days)", "-extfile", extensions,
        ])
        SecretAudit.registerPrivateKey(file: files.privateKey)
        return files
    }

    /// Removes every file.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func paths(_ name: String) -> CertificateFiles {
        CertificateFiles(certificate: "\(directory)/\(name).crt", privateKey: "\(directory)/\(name).key")
    }

    private func run(_ arguments: [String]) throws {
        let result = try ChildProcess.run(openssl, arguments)
        guard result.status == 0 else {
            throw TestSupportError.commandFailed("openssl \(arguments.prefix(2).joined(separator: " "))", output: result.output)
        }
    }
}
