import Foundation
import Synchronization

/// A child process started by a test, stopped by pid whatever happens.
///
/// Every process is recorded in a registry; `stop()` ends it (SIGTERM, then SIGKILL after a grace period),
/// and an `atexit` hook kills whatever a failing test left behind, so no server outlives the test run.
public final class ManagedProcess: Sendable {
    /// The child's process id.
    public let pid: Int32
    /// What it is, for messages (`redis-server :6390`).
    public let name: String
    /// Where its standard output and error go.
    public let logPath: String

    private static let registry = Mutex<[Int32: String]>([:])
    private static let cleanupInstalled = Mutex(false)

    /// Starts `executable` with `arguments`, output appended to `logPath`.
    public init(
        name: String, executable: String, arguments: [String], logPath: String, workingDirectory: String? = nil,
        environment: [String: String] = [:]
    ) throws {
        Self.installCleanup()
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        try Self.withSignalsUnblocked { try process.run() }
        try? log.close()
        self.pid = process.processIdentifier
        self.name = name
        self.logPath = logPath
        Self.registry.withLock { $0[pid] = name }
    }

    /// Runs `body` with no signal blocked on the calling thread. A child inherits its parent thread's signal
    /// mask, and the threads tests run on (Swift concurrency's, NIO's) block nearly every signal: a child
    /// started there could not be stopped by SIGINT or SIGTERM, and neither could anything it starts (found
    /// by `DemoTests`: the demo ignored Ctrl-C). Children start as they would from a shell.
    static func withSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// True while the process exists (and is not a zombie waiting to be reaped).
    public var isRunning: Bool {
        guard kill(pid, 0) == 0 else { return false }
        // A zombie still answers kill(0); /proc tells the state.
        if let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = status.lastIndex(of: ")")
        {
            let state = status[status.index(close, offsetBy: 2)...].prefix(1)
            return state != "Z" && state != "X"
        }
        return true
    }

    /// Sends a signal (SIGSTOP, SIGCONT, SIGKILL, ...).
    public func signal(_ signal: Int32) {
        _ = kill(pid, signal)
    }

    /// Ends the process and waits until it is gone: SIGKILL at once by default (test data is disposable);
    /// with a `grace`, SIGTERM first and SIGKILL only if it is still there after `grace`.
    public func stop(grace: Duration = .zero) {
        signal(SIGCONT)  // a stopped process cannot handle SIGTERM
        if grace > .zero {
            signal(SIGTERM)
            let deadline = ContinuousClock.now + grace
            while isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        }
        if isRunning {
            signal(SIGKILL)
            let hardDeadline = ContinuousClock.now + .seconds(5)
            while isRunning && ContinuousClock.now < hardDeadline { usleep(10_000) }
        }
        _ = Self.registry.withLock { $0.removeValue(forKey: pid) }
    }

    /// Waits (up to `timeout`) until `port` on loopback accepts a connection while the process runs.
    ///
    /// - Throws: ``TestSupportError/startFailed(_:log:)`` when the process exits first, or
    ///   ``TestSupportError/timedOut(_:)``, each with the process's log.
    public func waitUntilListening(port: Int, timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard isRunning else { throw TestSupportError.startFailed(name, log: log) }
            if let fd = FreePort.connectLoopback(port: port) {
                close(fd)
                return
            }
            usleep(50_000)
        }
        throw TestSupportError.timedOut("\(name) did not listen on \(port) within \(timeout). Log:\n\(log)")
    }

    /// The lines of a file the process writes into (a test server's record of what it received), or none.
    public static func lines(ofFile path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The process's output so far.
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    private static func installCleanup() {
        cleanupInstalled.withLock { installed in
            guard !installed else { return }
            installed = true
            atexit {
                let leftovers = ManagedProcess.registry.withLock { $0 }
                for pid in leftovers.keys {
                    kill(pid, SIGCONT)
                    kill(pid, SIGKILL)
                }
            }
        }
    }
}
