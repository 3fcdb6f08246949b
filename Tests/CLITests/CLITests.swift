import Foundation
import TestSupport
import Testing

/// Runs the built `traefik-coordinator` binary, which `swift build --build-tests` puts beside the test bundle.
enum CoordinatorBinary {
    static var path: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let binary = candidate.appendingPathComponent("traefik-coordinator").path
            if FileManager.default.isExecutableFile(atPath: binary) { return binary }
        }
        return bundleDirectory.appendingPathComponent("traefik-coordinator").path
    }

    /// Runs the binary and returns its exit status and combined output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try ChildProcess.run(path, arguments)
        return (result.status, result.output)
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
