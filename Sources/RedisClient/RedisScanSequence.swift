/// The keys matching a pattern, fetched batch by batch with `SCAN`.
///
/// `SCAN` may return a key more than once (while the server rehashes); with `unique` (the default) each key is
/// yielded once. Keys that exist for the whole iteration are always yielded.
public struct RedisScanSequence: AsyncSequence, Sendable {
    public typealias Element = String

    let executor: any RedisCommandExecutor
    let match: String?
    let count: Int?
    let unique: Bool

    public func makeAsyncIterator() -> Iterator {
        Iterator(executor: executor, match: match, count: count, unique: unique)
    }

    /// Fetches the next batch when the current one is used up.
    public struct Iterator: AsyncIteratorProtocol {
        let executor: any RedisCommandExecutor
        let match: String?
        let count: Int?
        let unique: Bool
        var cursor: String? = "0"
        var batch: [String] = []
        var seen: Set<String> = []

        init(executor: any RedisCommandExecutor, match: String?, count: Int?, unique: Bool) {
            self.executor = executor
            self.match = match
            self.count = count
            self.unique = unique
        }

        public mutating func next() async throws -> String? {
            while true {
                while let key = batch.popLast() {
                    if !unique || seen.insert(key).inserted { return key }
                }
                guard let current = cursor else { return nil }
                let (next, keys) = try await executor.send(RedisCommands.scan(cursor: current, match: match, count: count))
                cursor = next == "0" ? nil : next
                batch = keys.reversed()
            }
        }
    }
}

extension RedisCommandExecutor {
    /// Every key matching `match` (all keys when `nil`), via `SCAN` with `COUNT count`.
    public func scan(match: String? = nil, count: Int? = nil, unique: Bool = true) -> RedisScanSequence {
        RedisScanSequence(executor: self, match: match, count: count, unique: unique)
    }
}
