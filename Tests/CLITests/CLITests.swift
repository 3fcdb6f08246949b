import Foundation
import TestSupport
import Testing

/// Runs the built `traefik-coordinator` binary, which `swift build --build-tests` puts beside the test bundle.
enum CoordinatorBinary {
    static var path: String { CoordinatorProcess.binary }

    /// Runs the binary and returns its exit status and combined output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try CoordinatorProcess.runCommand(arguments)
    }
}

@Suite("traefik-coordinator command line")
struct CLITests {
    @Test("--help describes the tool and lists the version subcommand")
    func help() throws {
        let (status, output) = try CoordinatorBinary.run(["--help"])
        #expect(status == 0)
        #expect(output.contains("USAGE: traefik-coordinator <subcommand>"))
        #expect(output.contains("version"))
        #expect(output.contains("Traefik"))
    }

    @Test("version and --version print the same version")
    func version() throws {
        let (status, output) = try CoordinatorBinary.run(["version"])
        #expect(status == 0)
        #expect(output.hasPrefix("traefik-coordinator 0."))
        let (flagStatus, flagOutput) = try CoordinatorBinary.run(["--version"])
        #expect(flagStatus == 0)
        #expect(output.contains(flagOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test("an unknown subcommand fails with a usage error")
    func unknownSubcommand() throws {
        let (status, output) = try CoordinatorBinary.run(["frobnicate"])
        #expect(status != 0)
        #expect(output.contains("frobnicate"))
    }
}

/// The binary links the system OpenSSL (libssl.so.3), never BoringSSL.
@Suite("OpenSSL linkage", .enabled(if: ExternalTool.shouldRun("ldd")))
struct OpenSSLLinkageTests {
    @Test("ldd shows the system libssl.so.3 and libcrypto.so.3; no BoringSSL symbol is in the binary")
    func linkage() throws {
        let ldd = try ChildProcess.run(try ExternalTool.require("ldd", package: "libc-bin"), [CoordinatorBinary.path])
        #expect(ldd.status == 0)
        let libssl = ldd.output.split(separator: "\n").first { $0.contains("libssl.so.3") }
        #expect(libssl != nil, "ldd output:\n\(ldd.output)")
        #expect(libssl?.contains("=> /") == true, "libssl.so.3 must resolve to a system path: \(libssl ?? "")")
        #expect(ldd.output.contains("libcrypto.so.3"))
        // Symbol names are in the binary's string tables; BoringSSL's would carry its prefixes.
        let binary = try Data(contentsOf: URL(fileURLWithPath: CoordinatorBinary.path))
        for marker in ["CNIOBoringSSL", "BORINGSSL_", "boringssl"] {
            #expect(binary.range(of: Data(marker.utf8)) == nil, "found \(marker) in the binary")
        }
        #expect(binary.range(of: Data("SSL_set1_host".utf8)) != nil, "the OpenSSL 3 symbols we call are dynamic imports")
    }

    @Test("version names the OpenSSL loaded at run time")
    func versionShowsOpenSSL() throws {
        let (status, output) = try CoordinatorBinary.run(["version"])
        #expect(status == 0)
        #expect(output.contains("TLS: OpenSSL 3."))
    }
}

/// `diff` and `publish --once` against a real redis-server.
@Suite("diff and publish --once", .enabled(if: ExternalTool.shouldRun("redis-server")), .timeLimit(.minutes(1)))
struct PublishCLITests {
    @Test("diff shows what publish --once writes; after the publish diff is clean; a foreign key is reported, not deleted")
    func diffThenPublish() async throws {
        try await withRedisServer { server in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-cli-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try "http:\n  routers:\n    web:\n      rule: \"Host(`web.test`)\"\n      service: web\n  services:\n    web:\n      loadBalancer:\n        servers:\n          - url: \"http://127.0.0.1:1\"\n"
                .write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
            try "redis:\n  endpoints: [\"\(server.address)\"]\ntraefik:\n  dynamic: \(directory)/routes.yaml\n"
                .write(toFile: "\(directory)/settings.yaml", atomically: true, encoding: .utf8)
            try await server.cli("SET", "traefik/http/routers/manual/rule", "Host(`manual.test`)")
            let settings = ["--config", "\(directory)/settings.yaml", "--log-level", "error"]

            let before = try CoordinatorBinary.run(["diff"] + settings)
            #expect(before.status == 1, "\(before.output)")
            #expect(before.output.contains("+ traefik/http/routers/web/rule = Host(`web.test`)"))
            #expect(before.output.contains("? traefik/http/routers/manual/rule"))
            #expect(before.output.contains("4 to add, 0 to change, 0 to delete, 1 foreign"))

            let publish = try CoordinatorBinary.run(
                ["publish", "--once", "--config", "\(directory)/settings.yaml", "--log-format", "json", "--log-level", "info"])
            #expect(publish.status == 0, "\(publish.output)")
            #expect(publish.output.contains("published"))
            // --log-format json: one JSON object per line, with the message and the metadata as fields.
            let logLines = publish.output.split(separator: "\n").filter { $0.hasPrefix("{") }
            let published = logLines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { $0["message"] as? String == "published" }
            #expect(published?["written"] as? String == "4")
            #expect(published?["level"] as? String == "info")
            #expect(try await server.cli("GET", "traefik/http/routers/web/rule") == "Host(`web.test`)")
            #expect(try await server.cli("EXISTS", "coordinator:traefik:lease") == "0", "the lease was released")

            let after = try CoordinatorBinary.run(["diff"] + settings)
            #expect(after.status == 0, "\(after.output)")
            #expect(after.output.contains("0 to add, 0 to change, 0 to delete, 1 foreign, 4 unchanged"))
            #expect(try await server.cli("GET", "traefik/http/routers/manual/rule") == "Host(`manual.test`)")
        }
    }

    @Test("invalid settings exit 2 naming the key and the line; an invalid configuration makes publish exit 1")
    func invalid() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-cli-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "redis:\n  endpoints: [\"127.0.0.1:1\"]\n  pasword: secret\n".write(toFile: "\(directory)/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try CoordinatorBinary.run(["diff", "--config", "\(directory)/bad.yaml"])
        #expect(bad.status == 2)
        #expect(bad.output.contains("bad.yaml:3: redis.pasword: not a known setting (did you mean redis.password?)"))
        #expect(!bad.output.contains("secret"))
        try "http:\n  routers:\n    web:\n      rule: \"Host(`x`)\"\n      bogus: 1\n".write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
        try "redis:\n  endpoints: [\"127.0.0.1:1\"]\ntraefik:\n  dynamic: \(directory)/routes.yaml\n"
            .write(toFile: "\(directory)/settings.yaml", atomically: true, encoding: .utf8)
        let invalid = try CoordinatorBinary.run(["publish", "--once", "--config", "\(directory)/settings.yaml"])
        #expect(invalid.status == 1)
        #expect(invalid.output.contains("bogus"))
        #expect(invalid.output.contains("nothing was published"))

        // `validate --config` checks the settings offline, then the dynamic configuration they name.
        let badSettings = try CoordinatorBinary.run(["validate", "--config", "\(directory)/bad.yaml"])
        #expect(badSettings.status == 1)
        #expect(badSettings.output.contains("redis.pasword: not a known setting"))
        #expect(!badSettings.output.contains("secret"))
        let badDynamic = try CoordinatorBinary.run(["validate", "--config", "\(directory)/settings.yaml"])
        #expect(badDynamic.status == 1)
        #expect(badDynamic.output.contains("settings valid") && badDynamic.output.contains("bogus"))
        try "http:\n  routers:\n    web:\n      rule: \"Host(`x`)\"\n      service: noop@internal\n"
            .write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
        let good = try CoordinatorBinary.run(["validate", "--config", "\(directory)/settings.yaml"])
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output.contains("valid: 1 file"))
    }
}

/// `check` against a real redis-server.
@Suite("check", .enabled(if: ExternalTool.shouldRun("redis-server")), .timeLimit(.minutes(1)))
struct CheckCLITests {
    @Test("notifications off on the master: exit 2 naming the master and the remedy; --json has the same verdict; no password in any output")
    func notificationsOff() async throws {
        try await withRedisServer(["notify-keyspace-events \"\"", "requirepass check-secret-pw"]) { server in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-check-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try "check-secret-pw\n".write(toFile: "\(directory)/password", atomically: true, encoding: .utf8)
            try "redis:\n  endpoints: [\"\(server.address)\"]\n  passwordFile: \(directory)/password\n"
                .write(toFile: "\(directory)/settings.yaml", atomically: true, encoding: .utf8)
            let text = try CoordinatorBinary.run(["check", "--config", "\(directory)/settings.yaml"])
            #expect(text.status == 2, "\(text.output)")
            #expect(text.output.contains("master \(server.address): notifications MISSINGCLASSES"))
            #expect(text.output.contains("remedy: run `CONFIG SET notify-keyspace-events KEA` on \(server.address)"))
            let json = try CoordinatorBinary.run(["check", "--config", "\(directory)/settings.yaml", "--json"])
            #expect(json.status == 2)
            let report = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
            let nodes = report?["nodes"] as? [[String: Any]]
            #expect((nodes?.first?["notifications"] as? [String: Any])?["state"] as? String == "missingClasses")
            for output in [text.output, json.output] { #expect(!output.contains("check-secret-pw")) }

            try "redis:\n  endpoints: [\"\(server.address)\"]\n  passwordFile: \(directory)/password\nnotifications:\n  autoFix: true\n"
                .write(toFile: "\(directory)/settings.yaml", atomically: true, encoding: .utf8)
            let fixed = try CoordinatorBinary.run(["check", "--config", "\(directory)/settings.yaml"])
            #expect(fixed.output.contains("master \(server.address): notifications ok (config)"), "\(fixed.output)")
            #expect(fixed.status == 1, "only warnings remain (no lease holder): \(fixed.output)")
        }
    }
}
