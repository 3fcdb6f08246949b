@testable import Coordination
import Foundation
import Synchronization
import Testing

@Suite("Desired-state watcher")
struct DesiredStateWatcherTests {
    @Test("a Kubernetes ConfigMap update (..data symlink swap) is noticed once, after the debounce; invalid files are rejected with their problems")
    func configMapSwap() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-watch-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let manager = FileManager.default
        func publish(_ version: String, _ text: String) throws {
            try manager.createDirectory(atPath: "\(directory)/..\(version)", withIntermediateDirectories: true)
            try text.write(toFile: "\(directory)/..\(version)/routes.yaml", atomically: true, encoding: .utf8)
            try? manager.removeItem(atPath: "\(directory)/..data_tmp")
            try manager.createSymbolicLink(atPath: "\(directory)/..data_tmp", withDestinationPath: "..\(version)")
            guard rename("\(directory)/..data_tmp", "\(directory)/..data") == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try publish("v1", "http:\n  routers:\n    web:\n      rule: \"Host(`v1.test`)\"\n      service: web\n  services:\n    web:\n      loadBalancer:\n        servers:\n          - url: \"http://127.0.0.1:1\"\n")
        try manager.createSymbolicLink(atPath: "\(directory)/routes.yaml", withDestinationPath: "..data/routes.yaml")
        let first = try DesiredState.load(path: directory, rootKey: "traefik").get()

        let changes = Mutex<[ContinuousClock.Instant]>([])
        let watcher = DesiredStateWatcher(path: directory, debounce: .milliseconds(300), pollInterval: .milliseconds(50))
        let watching = Task { await watcher.run { changes.withLock { $0.append(.now) } } }
        defer { watching.cancel() }
        try await Task.sleep(for: .milliseconds(200))
        let swapped = ContinuousClock.now
        try publish("v2", "http:\n  routers:\n    web:\n      rule: \"Host(`v2.test`)\"\n      service: web\n  services:\n    web:\n      loadBalancer:\n        servers:\n          - url: \"http://127.0.0.1:1\"\n")
        let deadline = ContinuousClock.now + .seconds(10)
        while changes.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(500))
        let fired = changes.withLock { $0 }
        #expect(fired.count == 1, "one settled change, one callback")
        #expect(fired.first.map { $0 - swapped >= .milliseconds(300) } == true, "not before the debounce")
        let second = try DesiredState.load(path: directory, rootKey: "traefik").get()
        #expect(second.hash != first.hash)
        #expect(second.pairs.contains { $0.value == "Host(`v2.test`)" })

        try publish("v3", "http:\n  routers:\n    web:\n      rule: \"Host(`v3.test`)\"\n      bogus: 1\n")
        guard case .failure(let error) = DesiredState.load(path: directory, rootKey: "traefik") else {
            Issue.record("an unknown field was accepted")
            return
        }
        #expect(error.problems.contains { $0.contains("bogus") && $0.contains("routes.yaml") })
    }

    @Test("a settling change is looked at again when its debounce ends, not a poll interval later")
    func debounceShorterThanInterval() {
        // Computed, not timed: a wall-clock version of this test measured 3.1 s and 8.2 s for a 5.1 s wait in CI.
        let watcher = DesiredStateWatcher(path: "/nonexistent", debounce: .milliseconds(100), pollInterval: .seconds(5))
        let now = ContinuousClock.now
        #expect(watcher.wait(settlingSince: nil, now: now) == .seconds(5))
        #expect(watcher.wait(settlingSince: now - .milliseconds(30), now: now) == .milliseconds(70))
        #expect(watcher.wait(settlingSince: now - .seconds(1), now: now) == .zero)
        let slow = DesiredStateWatcher(path: "/nonexistent", debounce: .seconds(30), pollInterval: .seconds(5))
        #expect(slow.wait(settlingSince: now, now: now) == .seconds(5), "a long debounce still polls every interval")
    }
}
