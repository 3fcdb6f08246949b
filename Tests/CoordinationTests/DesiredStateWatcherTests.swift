import Coordination
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

    @Test("a settled change is reported when its debounce ends, not a poll interval later")
    func debounceShorterThanInterval() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-watch-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "http: {}\n".write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
        let changes = Mutex<[ContinuousClock.Instant]>([])
        // Polls 5 s apart, debounce 100 ms, the change made before the first poll: it is seen at that poll, about
        // 5 s after the start, and reported 100 ms later; waiting for the next poll to confirm that it settled
        // would report it about 10 s after the start. The bound between the two leaves 2.5 s for a busy machine
        // to start the watcher late (in CI it once started 1 s late).
        let started = ContinuousClock.now
        let watcher = DesiredStateWatcher(path: directory, debounce: .milliseconds(100), pollInterval: .seconds(5))
        let watching = Task { await watcher.run { changes.withLock { $0.append(.now) } } }
        defer { watching.cancel() }
        try await Task.sleep(for: .milliseconds(500))  // the watcher has read the files before they change
        let changed = ContinuousClock.now
        try "http:\n  routers: {}\n".write(toFile: "\(directory)/routes.yaml", atomically: true, encoding: .utf8)
        let deadline = ContinuousClock.now + .seconds(20)
        while changes.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let fired = try #require(changes.withLock { $0.first }, "the change was never reported")
        #expect(fired - changed >= .milliseconds(100), "not before the debounce")
        #expect(fired - started < .milliseconds(7_500), "reported \(fired - started) after the start: one poll to see it, then only the debounce")
    }
}
