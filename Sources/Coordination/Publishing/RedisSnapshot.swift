public import RedisClient

/// What Redis holds now: every string key matching `<rootKey>*` with its value, and our manifest.
public struct RedisSnapshot: Sendable, Hashable {
    /// Keys matching `<rootKey>*` (Traefik's own SCAN pattern) and their values.
    public var values: [String: String]
    /// Keys we wrote and may delete.
    public var manifest: Set<String>

    /// Creates a snapshot.
    public init(values: [String: String], manifest: Set<String>) {
        self.values = values
        self.manifest = manifest
    }

    /// Reads the keys the way Traefik does (`SCAN MATCH <rootKey>*`, then `MGET` in batches) and the manifest.
    /// Not atomic: a concurrent writer may change a key meanwhile; the next reconciliation sees it.
    public static func read(
        from redis: any RedisCommandExecutor, rootKey: String, keys: StateKeys
    ) async throws -> RedisSnapshot {
        let values = try await readValues(from: redis, rootKey: rootKey)
        let manifest = try await redis.send(RedisCommands.smembers(keys.manifest))
        return RedisSnapshot(values: values, manifest: Set(manifest))
    }

    /// The keys matching `<rootKey>*` and their values, read as Traefik reads them.
    static func readValues(from redis: any RedisCommandExecutor, rootKey: String) async throws -> [String: String] {
        var found: [String] = []
        for try await key in redis.scan(match: globEscaped(rootKey) + "*", count: 1000) { found.append(key) }
        var values: [String: String] = [:]
        values.reserveCapacity(found.count)
        var start = 0
        while start < found.count {
            let batch = Array(found[start..<min(start + 1000, found.count)])
            let replies = try await redis.send(RedisCommands.mget(batch))
            for (key, value) in zip(batch, replies) {
                if let value { values[key] = value }  // nil: gone meanwhile, or not a string
            }
            start += batch.count
        }
        return values
    }

    /// `text` with the glob characters of SCAN MATCH escaped.
    static func globEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

extension RedisSnapshot {
    /// What Redis holds once `plan` has been applied to this snapshot.
    func applying(_ plan: PublishPlan) -> RedisSnapshot {
        var next = self
        next.values.reserveCapacity(values.count + plan.sets.count)
        next.manifest.reserveCapacity(manifest.count + plan.sets.count + plan.adopt.count)
        for pair in plan.sets {
            next.values[pair.key] = pair.value
            next.manifest.insert(pair.key)
        }
        for key in plan.deletes {
            next.values[key] = nil
            next.manifest.remove(key)
        }
        next.manifest.formUnion(plan.adopt)
        return next
    }
}
