public import TraefikConfig

/// What a publish changes: the difference between the desired keys and a ``RedisSnapshot``.
///
/// Only keys whose value differs are written; only keys in the manifest are deleted (all undesired keys under
/// `<rootKey>/` with `prune: all`); desired keys already holding the right value are adopted into the manifest
/// without a write (a write would make every Traefik re-read for nothing). Keys under the root key that we
/// neither want nor own are reported as foreign and left alone.
public struct PublishPlan: Sendable, Hashable {
    /// New or changed keys.
    public var sets: [KVPair]
    /// Keys to delete (and remove from the manifest).
    public var deletes: [String]
    /// Keys with the desired value that the manifest lacks.
    public var adopt: [String]
    /// Keys matching `<rootKey>*` that are neither desired nor ours.
    public var foreign: [String]
    /// Desired keys already right.
    public var unchanged: Int
    /// The root key the keys are under.
    public var rootKey: String

    /// Nothing to write, delete or adopt.
    public var isEmpty: Bool { sets.isEmpty && deletes.isEmpty && adopt.isEmpty }
    /// Key operations in the plan.
    public var operationCount: Int { sets.count + deletes.count + adopt.count }

    /// The plan that turns `snapshot` into `desired`.
    public static func make(
        desired: [KVPair], snapshot: RedisSnapshot, rootKey: String, prune: CoordinatorSettings.Prune
    ) -> PublishPlan {
        var plan = PublishPlan(sets: [], deletes: [], adopt: [], foreign: [], unchanged: 0, rootKey: rootKey)
        var desiredInValues = 0
        var desiredInManifest = 0
        for pair in desired {
            let current = snapshot.values[pair.key]
            let owned = snapshot.manifest.contains(pair.key)
            if current != nil { desiredInValues += 1 }
            if owned { desiredInManifest += 1 }
            if current == pair.value {
                plan.unchanged += 1
                if !owned { plan.adopt.append(pair.key) }
            } else {
                plan.sets.append(pair)
            }
        }
        // When the desired keys are distinct and account for every key Redis holds and every key the manifest
        // lists, nothing is to be deleted or reported, and the walks below can be skipped. They cost a set of
        // every desired key and three lookups per key of the snapshot: most of an incremental plan's time
        // for 60,000 keys.
        let everyKeyDesired = desiredInValues == snapshot.values.count && desiredInManifest == snapshot.manifest.count
        if !(everyKeyDesired && keysAreSortedAndDistinct(desired)) {
            plan.addDeletions(desired: desired, snapshot: snapshot, prune: prune)
        }
        plan.sets.sort { $0.key < $1.key }
        plan.deletes.sort()
        plan.adopt.sort()
        plan.foreign.sort()
        return plan
    }

    /// True when every key is greater than the one before it: sorted, so no key appears twice. Rendered pairs
    /// are sorted; anything else (or a duplicate) answers false and takes the general path.
    static func keysAreSortedAndDistinct(_ pairs: [KVPair]) -> Bool {
        zip(pairs, pairs.dropFirst()).allSatisfy { $0.key < $1.key }
    }

    /// Adds the deletions (owned keys no longer desired, manifest entries whose keys are gone) and the foreign
    /// keys left alone.
    private mutating func addDeletions(desired: [KVPair], snapshot: RedisSnapshot, prune: CoordinatorSettings.Prune) {
        let wanted = Set(desired.lazy.map(\.key))
        for key in snapshot.values.keys where !wanted.contains(key) {
            if snapshot.manifest.contains(key) || (prune == .all && KVPair.isKey(key, under: rootKey)) {
                deletes.append(key)
            } else {
                foreign.append(key)
            }
        }
        // Manifest entries whose keys are gone: forget them (DEL of a missing key sends no notification).
        for key in snapshot.manifest where !wanted.contains(key) && snapshot.values[key] == nil {
            deletes.append(key)
        }
    }

    /// One fenced step of a publish.
    public struct Chunk: Sendable, Hashable {
        public var sets: [KVPair] = []
        public var deletes: [String] = []
        public var adopt: [String] = []
        var operationCount: Int { sets.count + deletes.count + adopt.count }
    }

    /// The plan in one chunk when it has at most `limit` operations; otherwise in chunks of at most `limit`,
    /// in an order Traefik can read between any two of them: new services, middlewares and the rest first,
    /// then routers, then deleted routers, then the rest of the deletions. A router never points at a
    /// service that is not there yet, or not there any more.
    public func chunks(limit: Int) -> [Chunk] {
        if operationCount <= limit { return [Chunk(sets: sets, deletes: deletes, adopt: adopt)] }
        enum Operation { case set(KVPair), delete(String), adopt(String) }
        var otherSets: [Operation] = [], routerSets: [Operation] = []
        for pair in sets {
            if isRouterKey(pair.key) { routerSets.append(.set(pair)) } else { otherSets.append(.set(pair)) }
        }
        var routerDeletes: [Operation] = [], otherDeletes: [Operation] = []
        for key in deletes {
            if isRouterKey(key) { routerDeletes.append(.delete(key)) } else { otherDeletes.append(.delete(key)) }
        }
        var ordered: [Operation] = adopt.map { .adopt($0) }
        ordered.reserveCapacity(operationCount)
        ordered += otherSets
        ordered += routerSets
        ordered += routerDeletes
        ordered += otherDeletes
        var chunks: [Chunk] = []
        var current = Chunk()
        for operation in ordered {
            switch operation {
            case .set(let pair): current.sets.append(pair)
            case .delete(let key): current.deletes.append(key)
            case .adopt(let key): current.adopt.append(key)
            }
            if current.operationCount == limit {
                chunks.append(current)
                current = Chunk()
            }
        }
        if current.operationCount > 0 { chunks.append(current) }
        return chunks
    }

    /// `<root>/http/routers/...`, `<root>/tcp/routers/...`, `<root>/udp/routers/...`.
    func isRouterKey(_ key: String) -> Bool {
        ConfigKeyPath.isRouterKey(key, rootKey: rootKey)
    }
}
