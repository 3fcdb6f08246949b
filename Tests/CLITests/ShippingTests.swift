import Foundation
import TestSupport
import Testing

/// The release binary the container image and the demo use: `scripts/test` builds it with the Dockerfile's
/// command (`swift build -c release --static-swift-stdlib`) and passes its path in `TC_RELEASE_BINARY`.
@Suite("release binary and Dockerfile")
struct ReleaseBinaryTests {
    static var releaseBinary: String? { ProcessInfo.processInfo.environment["TC_RELEASE_BINARY"] }
    static let buildCommand = "swift build -c release --static-swift-stdlib --product traefik-coordinator --scratch-path .build-release"

    @Test(
        "the static-stdlib release binary needs only what the runtime image has: glibc, libstdc++ and the system OpenSSL",
        .enabled(if: releaseBinary != nil || ExternalTool.isCI))
    func staticStdlib() throws {
        let binary = try #require(Self.releaseBinary, "scripts/test sets TC_RELEASE_BINARY")
        let ldd = try ChildProcess.run(try ExternalTool.require("ldd", package: "libc-bin"), [binary])
        #expect(ldd.status == 0, "\(ldd.output)")
        let libraries = ldd.output.split(separator: "\n").compactMap { line in
            line.split(separator: " ").first.map { String($0.trimmingCharacters(in: .whitespaces)) }
        }
        // What debian:bookworm-slim plus libssl3 provides.
        let allowed = [
            "linux-vdso.so", "libc.so", "libm.so", "libstdc++.so", "libgcc_s.so", "ld-linux-x86-64.so", "libssl.so.3",
            "libcrypto.so.3", "libpthread.so", "libdl.so", "librt.so", "libutil.so", "/lib64/ld-linux-x86-64.so",
        ]
        for library in libraries {
            #expect(allowed.contains { library.hasPrefix($0) }, "the runtime image would lack \(library):\n\(ldd.output)")
        }
        #expect(!ldd.output.contains("libswift") && !ldd.output.contains("libFoundation"), "\(ldd.output)")
        #expect(libraries.contains { $0.hasPrefix("libssl.so.3") })
        let version = try ChildProcess.run(binary, ["version"])
        #expect(version.status == 0)
        #expect(version.output.contains("TLS: OpenSSL 3."))
    }

    @Test("the Dockerfile builds with that command, runs as non-root without a shell, on a runtime with libssl3 and CA certificates")
    func dockerfile() throws {
        let text = try String(contentsOfFile: Repository.path("Dockerfile"), encoding: .utf8)
        let script = try String(contentsOfFile: Repository.path("scripts/test"), encoding: .utf8)
        #expect(text.contains(Self.buildCommand))
        #expect(script.contains(Self.buildCommand), "scripts/test builds what the image builds")
        let stages = text.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(stages.last?.contains("debian:bookworm-slim") == true)
        let runtime = String(text[text.range(of: "FROM debian:bookworm-slim")!.lowerBound...])
        #expect(runtime.contains("libssl3") && runtime.contains("ca-certificates"))
        #expect(runtime.contains("USER 65532:65532"))
        #expect(runtime.contains("ENTRYPOINT [\"/usr/local/bin/traefik-coordinator\"]"), "exec form: no shell at run time")
        let ignored = try String(contentsOfFile: Repository.path(".dockerignore"), encoding: .utf8)
        #expect(ignored.contains(".build/") && ignored.contains(".build-*/"))
    }
}

/// The README's first command, run non-interactively: everything comes up, routes flow through both Traefik
/// instances, one coordinator leads, and Ctrl-C (SIGINT) leaves nothing running.
@Suite(
    "scripts/demo",
    .enabled(if: ReleaseBinaryTests.releaseBinary != nil && ExternalTool.shouldRun("redis-sentinel") && ExternalTool.shouldRun("traefik")),
    .timeLimit(.minutes(4))
)
struct DemoTests {
    /// 17 consecutive free loopback ports, below the kernel's ephemeral range: there, any outgoing connection
    /// or ``FreePort`` of a test running in parallel can take one of them before the demo binds it (seen in CI:
    /// Traefik could not bind its entry point).
    static func freePortBase() throws -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32_768
        let highest = max(10_017, range - 17)
        for _ in 0..<50 {
            let base = Int.random(in: 10_000...highest)
            if (base..<(base + 17)).allSatisfy({ FreePort.connectLoopback(port: $0).map { close($0); return false } ?? true }) {
                return base
            }
        }
        throw TestSupportError.timedOut("17 consecutive free ports")
    }

    @Test("up: a request through each Traefik reaches the backend and one coordinator leads; Ctrl-C: every process it started is gone")
    func demo() async throws {
        let base = try Self.freePortBase()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-demo-\(UUID().uuidString.prefix(8))").path
        let demo = try ManagedProcess(
            name: "scripts/demo", executable: "/bin/bash", arguments: [Repository.path("scripts/demo")],
            logPath: FileManager.default.temporaryDirectory.appendingPathComponent("tc-demo-\(base).log").path,
            workingDirectory: Repository.root,
            environment: [
                "DEMO_PORT_BASE": "\(base)", "DEMO_DIR": directory,
                "DEMO_BINARY": try #require(ReleaseBinaryTests.releaseBinary),
            ])
        defer {
            // Like Ctrl-C, so the demo stops what it started even when the test fails half-way.
            if demo.isRunning {
                demo.signal(SIGINT)
                let deadline = ContinuousClock.now + .seconds(30)
                while demo.isRunning && ContinuousClock.now < deadline { usleep(100_000) }
            }
            demo.stop()
        }
        let deadline = ContinuousClock.now + .seconds(150)
        while !demo.log.contains("demo ready") {
            guard demo.isRunning else { throw TestSupportError.startFailed("scripts/demo", log: demo.log) }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError.timedOut("the demo to say it is ready within 150 s; its output:\n\(demo.log)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let log = demo.log
        let pids = log.split(separator: "\n").compactMap { line -> Int32? in
            guard let range = line.range(of: " pid ") else { return nil }
            return Int32(line[range.upperBound...].trimmingCharacters(in: .whitespaces))
        }
        #expect(pids.count == 11, "2 Redis, 3 sentinels, backend, 2 Traefik, 3 coordinators:\n\(log)")

        // Through each Traefik to the backend.
        for web in [base + 6, base + 10] {
            let response = HTTPGet.get(port: web, path: "/", host: "whoami.localhost")
            #expect(response?.status == 200, "through :\(web)")
            #expect(response?.body.contains("demo backend") == true)
        }
        // One leader; everyone agrees on who it is.
        var roles: [String] = []
        var leaderIds: Set<String> = []
        for admin in (base + 14)...(base + 16) {
            let body = try #require(HTTPGet.get(port: admin, path: "/status", host: "127.0.0.1")?.body)
            SecretAudit.record(body, as: .status)
            let status = try #require(try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            roles.append(status["role"] as? String ?? "?")
            if let leader = status["leaderId"] as? String { leaderIds.insert(leader) }
        }
        #expect(roles.filter { $0 == "leader" }.count == 1, "\(roles)")
        #expect(leaderIds.count == 1, "\(leaderIds)")

        // Ctrl-C.
        demo.signal(SIGINT)
        try await waitUntil("the demo to exit", timeout: .seconds(30)) { !demo.isRunning }
        for pid in pids { #expect(kill(pid, 0) != 0, "pid \(pid) is still running") }
        #expect(!FileManager.default.fileExists(atPath: directory), "the demo removed its state directory")
        #expect(demo.log.contains("demo: stopped"))
    }
}
