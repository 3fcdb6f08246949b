/// Polls `condition` every `poll` until it holds, failing after `timeout` with `what` (a condition that throws
/// counts as not yet).
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(20), poll: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: poll)
    }
    throw TestSupportError.timedOut("\(what) within \(timeout)")
}
