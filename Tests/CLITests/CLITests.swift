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
