import Foundation
import Logging

/// Delays that tests inject into a real process, to put a pause exactly where a real one would hurt.
///
/// `TC_FAULT_PUBLISH_DELAY_MS=N` holds every publish step for N ms between the local leadership check and the
/// fenced write — the window in which a paused leader (GC pause, SIGSTOP, a frozen VM) wakes up with a stale
/// token. The process tests use it to prove that the fence in Redis, not the local check, stops such a
/// write. Unset in production: the variable is read once and costs nothing when absent.
enum FaultInjection {
    static let publishDelay: Duration? = ProcessInfo.processInfo.environment["TC_FAULT_PUBLISH_DELAY_MS"]
        .flatMap { Int($0) }
        .map { .milliseconds($0) }

    static func holdPublish(logger: Logger) async {
        guard let publishDelay else { return }
        logger.warning("fault injection: holding the publish between the leadership check and the write", metadata: ["delay": "\(publishDelay)"])
        try? await Task.sleep(for: publishDelay)
    }
}
