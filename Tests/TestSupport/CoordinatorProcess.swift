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

    /// `/status` as a dictionary (nil while the process does not answer).
    public func status() -> [String: Any]? {
        guard let response = HTTPGet.get(port: adminPort, path: "/status", host: "127.0.0.1", timeoutSeconds: 2),
            response.status == 200
        else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any]
    }

    /// True when `/status` says `leader`.
    public var isLeader: Bool { status()?["role"] as? String == "leader" }

    public var log: String { process.log }

    /// Stops the process (SIGKILL) and removes its directory.
    public func stop() async {
        try? await NIOThreadPool.singleton.runIfActive {
            self.process.stop()
            try? FileManager.default.removeItem(atPath: self.directory)
        }
    }
}
