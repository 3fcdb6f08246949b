import Foundation
import Logging

/// Delays that tests inject into a real process, to put a pause exactly where a real one would hurt.
///
/// `TC_FAULT_PUBLISH_DELAY_MS=N` holds every publish step for N ms between the local leadership check and the
/// fenced write — the window in which a paused leader (GC pause, SIGSTOP, a frozen VM) wakes up with a stale
/// token. The process tests use it to prove that the fence in Redis, not the local check, stops such a
/// write. `TC_FAULT_SHUTDOWN_DELAY_MS=N` holds a graceful shutdown for N ms after readiness turned false and
/// before the lease is released, so a test can watch the order. Unset in production: the variables are read
/// once and cost nothing when absent.
enum FaultInjection {
    static let publishDelay = delay("TC_FAULT_PUBLISH_DELAY_MS")
    static let shutdownDelay = delay("TC_FAULT_SHUTDOWN_DELAY_MS")

    static func holdPublish(logger: Logger) async {
        await hold(publishDelay, "holding the publish between the leadership check and the write", logger: logger)
    }

    static func holdShutdown(logger: Logger) async {
        await hold(shutdownDelay, "holding the shutdown before the lease is released", logger: logger)
    }

    private static func delay(_ variable: String) -> Duration? {
        ProcessInfo.processInfo.environment[variable].flatMap { Int($0) }.map { .milliseconds($0) }
    }

    private static func hold(_ delay: Duration?, _ what: String, logger: Logger) async {
        guard let delay else { return }
        logger.warning("fault injection: \(what)", metadata: ["delay": "\(delay)"])
        try? await Task.sleep(for: delay)
    }
}
