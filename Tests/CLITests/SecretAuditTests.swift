import Foundation
import TestSupport
import Testing

/// The suite-wide secret audit (see ``SecretAudit``). `scripts/test` runs the whole suite with
/// `TC_SECRET_AUDIT_DIR` set, then this suite alone with `TC_SECRET_AUDIT_SCAN=1`, so the scan sees every log,
/// `/status`, `/metrics` and `check --json` output the suite produced.
@Suite("secret audit over the whole suite")
struct SecretAuditTests {
    static var scanRequested: Bool {
        ProcessInfo.processInfo.environment["TC_SECRET_AUDIT_SCAN"] == "1" && SecretAudit.directory != nil
    }

    @Test(
        "no password or private key material in any coordinator log, /status, /metrics or check --json output of the suite",
        .enabled(if: scanRequested))
    func wholeSuite() throws {
        let report = try SecretAudit.scan(directory: try #require(SecretAudit.directory))
        print("secret audit: scanned \(report.exposures) for \(report.secrets)")
        // The scan means something only if the suite produced each kind of output and used each kind of secret.
        for exposure in [SecretAudit.Exposure.log, .status, .metrics, .checkJSON] {
            #expect(report.exposures[exposure.rawValue, default: 0] > 0, "the suite recorded no \(exposure.rawValue) output")
        }
        #expect(report.secrets["password", default: 0] > 0 && report.secrets["key", default: 0] > 0)
        #expect(report.leaks.isEmpty, "leaks: \(report.leaks.prefix(20))")
    }

    @Test("the scan finds a planted password and a planted line of a key, and nothing in clean text")
    func scanFindsPlantedSecrets() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-audit-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for folder in ["secrets", "exposures"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(folder)", withIntermediateDirectories: true)
        }
        let keyLine = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3b1x"
        let key = "-----BEGIN PRIVATE KEY-----\n\(keyLine)\nhRDaTpL0wQ2c5E1uFz3f0mOQ\n-----END PRIVATE KEY-----\n"
        try "planted-pw-1234".write(toFile: "\(directory)/secrets/password-\(UUID())", atomically: true, encoding: .utf8)
        try key.write(toFile: "\(directory)/secrets/key-\(UUID())", atomically: true, encoding: .utf8)
        try "level=info connected; password=<redacted>".write(
            toFile: "\(directory)/exposures/log-\(UUID())", atomically: true, encoding: .utf8)
        #expect(try SecretAudit.scan(directory: directory).leaks.isEmpty)

        try "error: AUTH planted-pw-1234 failed".write(
            toFile: "\(directory)/exposures/log-\(UUID())", atomically: true, encoding: .utf8)
        try "{\"tls\": \"\(keyLine)\"}".write(toFile: "\(directory)/exposures/check-json-\(UUID())", atomically: true, encoding: .utf8)
        let report = try SecretAudit.scan(directory: directory)
        #expect(report.exposures == ["log": 2, "check-json": 1])
        #expect(report.secrets == ["password": 1, "key": 1])
        #expect(report.leaks.count == 2)
        #expect(report.leaks.contains { $0.hasPrefix("log-") && $0.contains("password starting plan…") })
        #expect(report.leaks.contains { $0.hasPrefix("check-json-") && $0.contains("key starting MIGH…") })
        #expect(!report.leaks.joined().contains("planted-pw-1234"), "a report never repeats the secret")
    }
}
