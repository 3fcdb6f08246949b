import Foundation
import NIOPosix

/// A real `traefik-coordinator run` process with its own settings file and admin port.
public final class CoordinatorProcess: Sendable {
    public let process: ManagedProcess
    public let adminPort: Int
    public let directory: String
    public let instanceId: String

    /// The built binary, which `swift build --build-tests` puts beside the test bundle.
    public static var binary: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let binary = candidate.appendingPathComponent("traefik-coordinator").path
            if FileManager.default.isExecutableFile(atPath: binary) { return binary }
        }
        return bundleDirectory.appendingPathComponent("traefik-coordinator").path
    }

    private init(process: ManagedProcess, adminPort: Int, directory: String, instanceId: String) {
        self.process = process
        self.adminPort = adminPort
        self.directory = directory
        self.instanceId = instanceId
    }

    /// Starts `run --config` with `settings` (YAML; `admin.listen` and `coordinator.instanceId` are added) and
    /// waits until `/healthz` answers.
    public static func start(instanceId: String, settings: String, environment: [String: String] = [:]) async throws -> CoordinatorProcess {
        try await NIOThreadPool.singleton.runIfActive {
            let port = FreePort.next()
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("tc-coordinator-\(instanceId)-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let config = settings + "\nadmin:\n  listen: 127.0.0.1:\(port)\n" + (settings.contains("coordinator:") ? "" : "coordinator:\n  instanceId: \(instanceId)\n")
            try config.write(toFile: "\(directory)/settings.yaml", atomically: true, encoding: .utf8)
            let arguments = ["run", "--config", "\(directory)/settings.yaml", "--log-level", "info"]
            let process = try ManagedProcess(
                name: "coordinator \(instanceId)", executable: binary, arguments: arguments,
                logPath: "\(directory)/coordinator.log", workingDirectory: directory, environment: environment)
            let coordinator = CoordinatorProcess(process: process, adminPort: port, directory: directory, instanceId: instanceId)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                guard process.isRunning else { throw TestSupportError.startFailed(process.name, log: process.log) }
                if HTTPGet.get(port: port, path: "/healthz", host: "127.0.0.1")?.status == 200 { return coordinator }
                usleep(50_000)
            }
            throw TestSupportError.timedOut("\(process.name) did not answer /healthz. Log:\n\(process.log)")
        }
    }

    /// Runs the binary with `arguments` (a one-shot command such as `check`) and returns its exit status and
    /// combined output, which the ``SecretAudit`` records.
    public static func runCommand(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let result = try ChildProcess.run(binary, arguments, environment: environment)
        let isCheckJSON = arguments.first == "check" && arguments.contains("--json")
        SecretAudit.record(result.output, as: isCheckJSON ? .checkJSON : .cliOutput)
        return (result.status, result.output)
    }

    /// ``runCommand(_:environment:)`` on a thread of its own, for async tests: a command that runs for seconds
    /// must not hold one of the cooperative pool's few threads (two on a 2-core machine), nor a thread of
    /// `NIOThreadPool.singleton`, which the TLS code under test uses, or every other test in the process stalls.
    public static func runCommand(
        _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runCommand(arguments, environment: environment) })
            }
        }
    }

    /// `/status` as a dictionary (nil while the process does not answer).
    public func status() -> [String: Any]? {
        guard let body = statusText() else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }

    /// `/status` as served (nil while the process does not answer); recorded for the ``SecretAudit``.
    public func statusText() -> String? {
        guard let response = HTTPGet.get(port: adminPort, path: "/status", host: "127.0.0.1", timeoutSeconds: 2),
            response.status == 200
        else { return nil }
        SecretAudit.record(response.body, as: .status)
        return response.body
    }

    /// `/metrics` (Prometheus text; empty while the process does not answer); recorded for the ``SecretAudit``.
    public func metrics() -> String {
        guard let response = HTTPGet.get(port: adminPort, path: "/metrics", host: "127.0.0.1", timeoutSeconds: 2),
            response.status == 200
        else { return "" }
        SecretAudit.record(response.body, as: .metrics)
        return response.body
    }

    /// `/readyz`: its status code and body (nil while the process does not answer).
    public func readiness() -> HTTPGet.Response? {
        HTTPGet.get(port: adminPort, path: "/readyz", host: "127.0.0.1", timeoutSeconds: 2)
    }

    /// True when `/status` says `leader`.
    public var isLeader: Bool { status()?["role"] as? String == "leader" }

    public var log: String { process.log }

    /// Stops the process (SIGKILL), records its log for the ``SecretAudit`` and removes its directory.
    public func stop() async {
        try? await NIOThreadPool.singleton.runIfActive {
            self.process.stop()
            SecretAudit.record(self.process.log, as: .log)
            try? FileManager.default.removeItem(atPath: self.directory)
        }
    }
}
