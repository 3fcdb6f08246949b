import Foundation

/// The suite-wide secret audit: tests register every password and private key they hand to a process, and
/// record everything a coordinator exposed (its log, `/status`, `/metrics`, CLI output such as `check --json`).
/// After the whole suite, `scripts/test` runs `SecretAuditTests`, which scans every recorded exposure for every
/// registered secret.
///
/// Both go to files under `TC_SECRET_AUDIT_DIR` (set by `scripts/test`), because the suite runs in one process
/// and the audit in another. Without the variable nothing is written and the audit is skipped.
public enum SecretAudit {
    /// What was exposed.
    public enum Exposure: String, Sendable, CaseIterable {
        case log, status, metrics, checkJSON = "check-json", cliOutput = "cli"
    }

    /// Passwords shorter than this are ordinary words in the tests that use them (`right`, `s3cret`) and
    /// would match unrelated text; the processes the audit covers use long, distinctive ones.
    public static let minimumPasswordLength = 8

    /// The audit directory, when the audit is on.
    public static var directory: String? {
        ProcessInfo.processInfo.environment["TC_SECRET_AUDIT_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Registers a password that some process was given.
    public static func registerPassword(_ password: String) {
        guard password.count >= minimumPasswordLength else { return }
        write(password, under: "secrets", name: "password")
    }

    /// Registers a private key file's PEM text.
    public static func registerPrivateKey(file: String) {
        guard let pem = try? String(contentsOfFile: file, encoding: .utf8) else { return }
        write(pem, under: "secrets", name: "key")
    }

    /// Records text that a coordinator exposed.
    public static func record(_ text: String, as exposure: Exposure) {
        write(text, under: "exposures", name: exposure.rawValue)
    }

    /// The strings whose presence in an exposure is a leak: each password, and for each PEM key the key
    /// markers and every base64 line of its body (one line is 48 bytes of key material).
    public static func needles(fromSecret secret: String, kind: String) -> [String] {
        guard kind == "key" else { return [secret] }
        let body = secret.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("-----") && $0.count >= 16 }
        return ["PRIVATE KEY-----"] + body
    }

    /// What a scan of an audit directory found.
    public struct Report: Sendable {
        /// How many exposures of each kind were scanned.
        public var exposures: [String: Int] = [:]
        /// How many secrets of each kind (`password`, `key`) were looked for.
        public var secrets: [String: Int] = [:]
        /// Each leak: the exposure file and the secret's kind with its first characters (never the whole).
        public var leaks: [String] = []
    }

    /// Scans every recorded exposure in `directory` for every registered secret.
    public static func scan(directory: String) throws -> Report {
        var report = Report()
        var needles: [(kind: String, needle: String)] = []
        for file in try files(in: "\(directory)/secrets") {
            let kind = String(file.name.prefix { $0 != "-" })
            report.secrets[kind, default: 0] += 1
            needles += Self.needles(fromSecret: file.text, kind: kind).map { (kind, $0) }
        }
        for file in try files(in: "\(directory)/exposures") {
            let kind = String(file.name.split(separator: "-").dropLast(5).joined(separator: "-"))
            report.exposures[kind, default: 0] += 1
            for (secretKind, needle) in needles where file.text.contains(needle) {
                report.leaks.append("\(file.name): \(secretKind) starting \(needle.prefix(4))…")
            }
        }
        return report
    }

    private static func files(in folder: String) throws -> [(name: String, text: String)] {
        guard FileManager.default.fileExists(atPath: folder) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map {
            ($0, try String(contentsOfFile: "\(folder)/\($0)", encoding: .utf8))
        }
    }

    private static func write(_ text: String, under folder: String, name: String) {
        guard let directory else { return }
        let folderPath = "\(directory)/\(folder)"
        try? FileManager.default.createDirectory(atPath: folderPath, withIntermediateDirectories: true)
        // A secret registered many times (every server of a cluster) is one file: named by its content.
        let suffix = folder == "secrets" ? contentName(text) : UUID().uuidString
        try? text.write(toFile: "\(folderPath)/\(name)-\(suffix)", atomically: true, encoding: .utf8)
    }

    /// A stable name for `text` (64-bit FNV-1a, in the shape of a UUID so ``scan(directory:)`` parses it).
    private static func contentName(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "fnv-0-0-0-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
