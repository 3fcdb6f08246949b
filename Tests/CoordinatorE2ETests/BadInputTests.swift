import Foundation
import TestSupport
import Testing

/// Hostile input end to end, against a running `run` process: whatever lands in the dynamic-configuration
/// directory, or answers on the Redis port, the process stays up, says what is wrong and where, and the last
/// good configuration stays in Redis.
@Suite(
    "bad input: the process stays up and the last good configuration stays in Redis",
    .enabled(if: ExternalTool.shouldRun("redis-server")), .serialized, .timeLimit(.minutes(3))
)
struct BadInputTests {
    static let good = "http:\n  routers:\n    web:\n      rule: \"Host(`good.test`)\"\n      service: noop@internal\n"

    @Test("malformed YAML, TOML and JSON, a TOML header that aborted toml++, keys of keys and aliases of aliases that stalled Yams, binary junk with NUL bytes, a 50 MB file: each is reported by file; Redis keeps the last good configuration; a good edit is published after them")
    func badFiles() async throws {
        try await withRedisServer { server in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-bad-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try Self.good.write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
            let coordinator = try await CoordinatorProcess.start(
                instanceId: "bad",
                settings: """
                    redis:
                      endpoints: ["\(server.address)"]
                    traefik:
                      dynamic: \(directory)
                    coordinator: {debounce: 100ms}
                    lease: {duration: 3s, renewDeadline: 2s, retryPeriod: 250ms}
                    """)
            defer { Task { await coordinator.stop() } }
            let ruleKey = "traefik/http/routers/web/rule"
            try await waitUntil("the good configuration in Redis") { try await server.cli("GET", ruleKey) == "Host(`good.test`)" }

            var junk = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })
            junk[10] = 0
            let fiftyMegabytes = String(repeating: "A", count: 50 * 1024 * 1024)
            let keysOfKeys = "http:\n" + String(repeating: "  ? ? ? - ? ? - ? ?\n", count: 200)
            let laughs = (1...30).reduce("a0: &a0 [x, x]\n") { $0 + "a\($1): &a\($1) [*a\($1 - 1), *a\($1 - 1)]\n" }
            let cases: [(file: String, contents: Data, expected: String)] = [
                ("routes.yaml", Data("http:\n  routers: [web\n    rule: x\n".utf8), "routes.yaml"),
                ("extra.toml", Data("[([tcp.routers.r]]\nrule = \"HostSNI(`*`)\"\n".utf8), "at line 1: a table header"),
                ("broken.toml", Data("[http.routers.other]\nrule = \"Host(`x`)\nservice = \n".utf8), "broken.toml: not valid TOML"),
                ("broken.json", Data("{\"http\": {\"routers\": {\"other\": }}".utf8), "broken.json: not valid YAML/JSON"),
                ("keys.yaml", Data(keysOfKeys.utf8), "keys.yaml: not supported YAML at line 2: an explicit key"),
                ("laughs.yaml", Data(laughs.utf8), "excessive aliasing"),
                ("junk.json", junk, "junk.json"),
                ("huge.yaml", Data(fiftyMegabytes.utf8), "huge.yaml"),
            ]
            let badFiles = cases.map(\.file).filter { $0 != "routes.yaml" }
            for item in cases {
                // Only this bad file next to the good one.
                for name in badFiles { try? FileManager.default.removeItem(atPath: "\(directory)/\(name)") }
                try Self.good.write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
                try item.contents.write(to: URL(fileURLWithPath: "\(directory)/\(item.file)"))
                try await waitUntil("\(item.file) reported", timeout: .seconds(60)) {
                    let errors = coordinator.status()?["desiredErrors"] as? [String] ?? []
                    return errors.contains { $0.contains(item.expected) }
                }
                #expect(coordinator.process.isRunning, "the process stays up after \(item.file)")
                #expect(coordinator.readiness() != nil, "/readyz answers")
                #expect(try await server.cli("GET", ruleKey) == "Host(`good.test`)", "the last good configuration stays after \(item.file)")
            }
            for name in badFiles { try? FileManager.default.removeItem(atPath: "\(directory)/\(name)") }
            try Self.good.replacingOccurrences(of: "good.test", with: "fixed.test")
                .write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
            try await waitUntil("the fixed configuration published") { try await server.cli("GET", ruleKey) == "Host(`fixed.test`)" }
            #expect((coordinator.status()?["desiredErrors"] as? [String])?.isEmpty == true)
            let log = coordinator.log
            #expect(!log.contains(String(repeating: "A", count: 1000)), "the 50 MB file is not echoed into the log")
        }
    }

    @Test("a server that answers garbage instead of RESP: check names the host and the problem, run stays up and not ready")
    func garbageServer() async throws {
        let port = FreePort.next()
        let python = try ExternalTool.require("python3", package: "python3")
        let script = """
            import socket, threading
            server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", \(port))); server.listen(16)
            def answer(connection):
                try:
                    connection.recv(65536); connection.sendall(b"HTTP/1.1 400 Bad Request\\r\\n\\x00\\xff\\xfe garbage\\r\\n")
                    connection.recv(65536)
                except OSError: pass
                connection.close()
            while True:
                connection, _ = server.accept(); threading.Thread(target=answer, args=(connection,), daemon=True).start()
            """
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-garbage-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fake = try ManagedProcess(
            name: "garbage server", executable: python, arguments: ["-c", script], logPath: "\(directory)/fake.log")
        defer { fake.stop() }
        try await waitUntil("the garbage server to listen") {
            guard let socket = FreePort.connectLoopback(port: port) else { return false }
            close(socket)
            return true
        }
        try Self.good.write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
        let settings = "redis:\n  endpoints: [\"127.0.0.1:\(port)\"]\ntraefik:\n  dynamic: \(directory)\n"
        try settings.write(toFile: "\(directory)/settings.yaml", atomically: true, encoding: .utf8)

        let check = try await CoordinatorProcess.runCommand(["check", "--config", "\(directory)/settings.yaml"])
        #expect(check.status == 2)
        #expect(check.output.contains("127.0.0.1:\(port)"), "\(check.output)")
        #expect(check.output.lowercased().contains("protocol") || check.output.contains("RESP"), "\(check.output)")

        let coordinator = try await CoordinatorProcess.start(instanceId: "garbage", settings: settings)
        defer { Task { await coordinator.stop() } }
        try await Task.sleep(for: .seconds(3))
        #expect(coordinator.process.isRunning)
        #expect(coordinator.readiness()?.status == 503)
        #expect(coordinator.log.contains("127.0.0.1:\(port)"), "the log names the server: \(coordinator.log.suffix(1500))")
    }
}
