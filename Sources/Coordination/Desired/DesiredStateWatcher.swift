import Foundation

/// Notices changes to the dynamic-configuration file or directory by polling file metadata, which also sees
/// Kubernetes ConfigMap updates (the kubelet swaps a `..data` symlink; inotify on the files would miss it).
/// A burst of changes is debounced: the callback runs once the files have been stable for `debounce`.
public struct DesiredStateWatcher: Sendable {
    /// The file or directory.
    public let path: String
    public let debounce: Duration
    public let pollInterval: Duration

    /// Creates a watcher.
    public init(path: String, debounce: Duration, pollInterval: Duration = .milliseconds(250)) {
        self.path = path
        self.debounce = debounce
        self.pollInterval = pollInterval
    }

    /// Calls `onChange` after each settled change, until the calling task is cancelled.
    public func run(onChange: @Sendable () async -> Void) async {
        var settled = Self.fingerprint(of: path)
        var pending: (fingerprint: [String], since: ContinuousClock.Instant)?
        while !Task.isCancelled {
            try? await Task.sleep(for: wait(settlingSince: pending?.since, now: .now))
            let now = ContinuousClock.now
            let current = Self.fingerprint(of: path)
            if current != (pending?.fingerprint ?? settled) {
                pending = (current, now)
            } else if let waiting = pending, now - waiting.since >= debounce {
                settled = waiting.fingerprint
                pending = nil
                await onChange()
            }
        }
    }

    /// How long to sleep before the next look. While a change settles (`settlingSince`), look again when its
    /// debounce ends, not a whole interval later: with the default 250 ms interval, a 50 ms debounce used to
    /// wait 250 ms.
    func wait(settlingSince: ContinuousClock.Instant?, now: ContinuousClock.Instant) -> Duration {
        guard let settlingSince else { return pollInterval }
        return min(pollInterval, max(.zero, settlingSince + debounce - now))
    }

    /// Path, size, modification time and inode of every file the loader would read (symlinks followed).
    static func fingerprint(of path: String) -> [String] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { return ["missing"] }
        var files = [path]
        if isDirectory.boolValue {
            files = ((try? manager.contentsOfDirectory(atPath: path)) ?? [])
                .filter { !$0.hasPrefix(".") }
                .sorted()
                .map { "\(path)/\($0)" }
        }
        return files.map { file in
            let resolved = (try? manager.destinationOfSymbolicLink(atPath: file)).map { _ in
                URL(fileURLWithPath: file).resolvingSymlinksInPath().path
            } ?? file
            let attributes = (try? manager.attributesOfItem(atPath: resolved)) ?? [:]
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let inode = (attributes[.systemFileNumber] as? NSNumber)?.int64Value ?? 0
            return "\(file)|\(resolved)|\(size)|\(modified)|\(inode)"
        }
    }
}
