import Foundation
import Synchronization
import Testing

/// What one scenario measured and found, for its row in the table.
final class ScenarioRecord: Sendable {
    private let state = Mutex((times: [(String, Duration, Duration)](), failures: [String]()))

    /// Records a convergence time against its bound (the bound itself is checked by ``ChaosDeployment/converge(within:from:)``).
    func time(_ label: String, _ elapsed: Duration, bound: Duration) {
        state.withLock { $0.times.append((label, elapsed, bound)) }
    }

    /// `#expect`, remembered for the table.
    func expect(_ condition: Bool, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(condition, "\(message)", sourceLocation: sourceLocation)
        if !condition { state.withLock { $0.failures.append(message) } }
    }

    var times: [(String, Duration, Duration)] { state.withLock { $0.times } }
    var failures: [String] { state.withLock { $0.failures } }
}

/// The scenario table: each scenario adds its row to the Markdown file named by `TC_CHAOS_REPORT` (created
/// by `scripts/chaos` with the header) and prints it.
enum ChaosReport {
    static let header = """
        | Scenario | Invariant checked | Result | Convergence (bound) | Publish attempts |
        |---|---|---|---|---|
        """

    static func record(scenario: String, invariant: String, passed: Bool, times: [(String, Duration, Duration)], checker: PublishAttemptChecker) {
        let timeText = times.map { label, elapsed, bound in
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let boundSeconds = Double(bound.components.seconds)
            return (label.isEmpty ? "" : "\(label): ") + String(format: "%.1f s (≤ %.0f s)", seconds, boundSeconds)
        }.joined(separator: "; ")
        let attempts = "\(checker.accepted) accepted, \(checker.refused) fenced off, \(checker.failed) failed"
        let row = "| \(scenario) | \(invariant) | \(passed ? "pass" : "**FAIL**") | \(timeText) | \(attempts) |"
        print("chaos: \(row)")
        guard let path = ProcessInfo.processInfo.environment["TC_CHAOS_REPORT"], let handle = FileHandle(forWritingAtPath: path) else {
            return
        }
        handle.seekToEndOfFile()
        handle.write(Data((row + "\n").utf8))
        try? handle.close()
    }
}
