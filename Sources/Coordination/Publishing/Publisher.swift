import Foundation
public import Logging
public import RedisClient
import RESP
public import TraefikConfig

/// Why a publish did not happen.
public enum PublishError: Error, Sendable, CustomStringConvertible {
    /// The fence refused: the lease on the node does not hold our token. We must step down.
    case notLeader(serverSaid: String)
    /// We do not hold the lease (or passed the renew deadline) at the moment of writing.
    case noLeadership
    /// Redis failed; nothing or part of a chunked publish was applied (each chunk is atomic).
    case redis(String)

    public var description: String {
        switch self {
        case .notLeader(let message): return "the fence refused the publish (\(message)): another instance leads"
        case .noLeadership: return "not the leader (or past the renew deadline): nothing was written"
        case .redis(let message): return "Redis failed during the publish: \(message)"
        }
    }
}

/// What a publish did.
public struct PublishResult: Sendable, Hashable, Codable {
    /// The desired configuration's hash.
    public var hash: String
    public var term: Int64
    public var written: Int
    public var deleted: Int
    public var adopted: Int
    /// Keys under the root key that are neither desired nor ours (left alone).
    public var foreign: [String]
    /// Atomic steps used (1 unless the diff exceeded `coordinator.atomicLimit`).
    public var chunks: Int
    public var milliseconds: Int64
}

/// Writes the desired keys to Redis: only what changed, in one fenced atomic step (or ordered fenced chunks
/// for very large diffs), with the manifest and the published-hash record updated in the same step.
public actor Publisher {
    private let redis: any RedisCommandExecutor
    private let keys: StateKeys
    private let rootKey: String
    private let prune: CoordinatorSettings.Prune
    private let atomicLimit: Int
    private let logger: Logger
    /// What Redis held after our last successful publish, the term it was made in, and the record it wrote.
    /// An incremental publish plans against it instead of reading every key again; the fenced step checks
    /// that the record is still there, so a view that no longer holds (a failover that lost the write,
    /// another writer) is refused with `STALE` and the publish starts over from a fresh read.
    private var lastWritten: (term: Int64, record: String, snapshot: RedisSnapshot)?

    /// Creates a publisher.
    public init(
        redis: any RedisCommandExecutor, keys: StateKeys, rootKey: String, prune: CoordinatorSettings.Prune,
        atomicLimit: Int, logger: Logger
    ) {
        self.redis = redis
        self.keys = keys
        self.rootKey = rootKey
        self.prune = prune
        self.atomicLimit = atomicLimit
        self.logger = logger
    }

    /// The desired keys as published: the rendered configuration plus the placeholder.
    public static func desiredPairs(_ configuration: DynamicConfiguration, rootKey: String) -> [KVPair] {
        withPlaceholder(KVRenderer.render(configuration, rootKey: rootKey), rootKey: rootKey)
    }

    /// `rendered` (in key order, as rendered) with the placeholder inserted in key order, so that planning can
    /// tell in one pass that no key repeats.
    public static func withPlaceholder(_ rendered: [KVPair], rootKey: String) -> [KVPair] {
        var pairs = rendered
        let placeholder = Placeholder.pair(rootKey: rootKey)
        pairs.insert(placeholder, at: pairs.firstIndex { $0.key > placeholder.key } ?? pairs.endIndex)
        return pairs
    }

    /// What a publish of `desired` would change now.
    public func plan(desired: [KVPair]) async throws -> PublishPlan {
        let snapshot = try await RedisSnapshot.read(from: redis, rootKey: rootKey, keys: keys)
        return PublishPlan.make(desired: desired, snapshot: snapshot, rootKey: rootKey, prune: prune)
    }

    /// Publishes `desired` if anything differs.
    ///
    /// - Parameters:
    ///   - incremental: plan against the view left by our last publish in this term (commands and bytes grow
    ///     with the change, not with the configuration). Reconciliation passes `false`: a fresh read of every
    ///     key is what finds and repairs changes made behind our back.
    ///   - leadership: asked before every atomic step; `nil` stops the publish (no write happens without a
    ///     current lease, and the script checks the lease on the node itself).
    public func publish(
        desired: [KVPair], hash: String, instanceId: String, incremental: Bool = false,
        leadership: @Sendable () async -> (term: Int64, token: String)?
    ) async throws(PublishError) -> PublishResult {
        let started = ContinuousClock.now
        guard let first = await leadership() else { throw .noLeadership }
        var cached: (record: String, snapshot: RedisSnapshot)?
        if incremental, let last = lastWritten, last.term == first.term { cached = (last.record, last.snapshot) }
        lastWritten = nil  // set again only when this publish succeeds
        if let cached, var result = try await publish(
            desired: desired, snapshot: cached.snapshot, expectedRecord: cached.record, hash: hash, term: first.term,
            instanceId: instanceId, leadership: leadership)
        {
            result.milliseconds = (ContinuousClock.now - started).milliseconds
            return result
        }
        let snapshot: RedisSnapshot
        do {
            snapshot = try await RedisSnapshot.read(from: redis, rootKey: rootKey, keys: keys)
        } catch {
            throw .redis("\(error)")
        }
        guard var result = try await publish(
            desired: desired, snapshot: snapshot, expectedRecord: "", hash: hash, term: first.term,
            instanceId: instanceId, leadership: leadership)
        else { throw .redis("the published record changed during a publish from a fresh read") }
        result.milliseconds = (ContinuousClock.now - started).milliseconds
        return result
    }

    /// Plans against `snapshot` and applies the plan; nil when the script found the published record is not
    /// `expectedRecord` (only possible when that is not empty).
    private func publish(
        desired: [KVPair], snapshot: RedisSnapshot, expectedRecord: String, hash: String, term: Int64,
        instanceId: String, leadership: @Sendable () async -> (term: Int64, token: String)?
    ) async throws(PublishError) -> PublishResult? {
        let plan = PublishPlan.make(desired: desired, snapshot: snapshot, rootKey: rootKey, prune: prune)
        var result = PublishResult(
            hash: hash, term: term, written: 0, deleted: 0, adopted: 0, foreign: plan.foreign, chunks: 0,
            milliseconds: 0)
        if !plan.foreign.isEmpty && expectedRecord.isEmpty {
            logger.warning(
                "keys under the root key that we do not own are left alone",
                metadata: ["foreign.count": "\(plan.foreign.count)", "foreign.first": "\(plan.foreign.prefix(5))"])
        }
        if plan.isEmpty, let current = await currentRecord(hash: hash, term: term) {
            lastWritten = (term, current, snapshot)
            return result  // nothing to write, and the record already says so: no write at all
        }
        let record = Self.record(hash: hash, term: term, instanceId: instanceId)
        let chunks = plan.isEmpty ? [PublishPlan.Chunk()] : plan.chunks(limit: atomicLimit)
        for (index, chunk) in chunks.enumerated() {
            guard let (_, token) = await leadership() else { throw .noLeadership }
            await FaultInjection.holdPublish(logger: logger)
            let isLast = index == chunks.count - 1
            guard try await apply(
                chunk, token: token, term: term, record: isLast ? record : "", expectedRecord: expectedRecord)
            else {
                logger.info("the cached view is stale; publishing from a fresh read")
                return nil
            }
            result.written += chunk.sets.count
            result.deleted += chunk.deletes.count
            result.adopted += chunk.adopt.count
            result.chunks += 1
        }
        lastWritten = (term, record, snapshot.applying(plan))
        logger.info(
            "published",
            metadata: [
                "hash": "\(hash.prefix(12))", "term": "\(term)", "written": "\(result.written)",
                "deleted": "\(result.deleted)", "unchanged": "\(plan.unchanged)", "chunks": "\(result.chunks)",
                "incremental": "\(!expectedRecord.isEmpty)",
            ])
        return result
    }

    /// Runs the fenced script for `chunk` and logs the attempt; false when it refused with `STALE`.
    private func apply(
        _ chunk: PublishPlan.Chunk, token: String, term: Int64, record: String, expectedRecord: String
    ) async throws(PublishError) -> Bool {
        let attempt = PublishAttemptLog(logger: logger, token: token, term: term, keys: chunk.sets.count + chunk.deletes.count)
        var arguments: [RESPArgument] = [
            .string(token), .integer(Int64(chunk.sets.count)), .integer(Int64(chunk.deletes.count)),
            .integer(Int64(chunk.adopt.count)), .string(record), .string(expectedRecord),
        ]
        arguments.reserveCapacity(6 + chunk.sets.count * 2 + chunk.deletes.count + chunk.adopt.count)
        for pair in chunk.sets {
            arguments.append(.string(pair.key))
            arguments.append(.string(pair.value))
        }
        for key in chunk.deletes { arguments.append(.string(key)) }
        for key in chunk.adopt { arguments.append(.string(key)) }
        do {
            _ = try await redis.evaluate(
                PublishScripts.apply, keys: [keys.lease, keys.manifest, keys.published], arguments: arguments,
                timeout: .seconds(60))
            attempt.finish(.accepted)
            return true
        } catch let error as RedisError {
            if let message = error.serverError?.message, message.hasPrefix("NOTLEADER") {
                attempt.finish(.refused)
                throw .notLeader(serverSaid: message)
            }
            if let message = error.serverError?.message, message.hasPrefix("STALE") {
                attempt.finish(.stale)
                return false
            }
            attempt.finish(error.serverError == nil ? .unanswered : .failed)
            throw .redis(error.description)
        } catch {
            attempt.finish(.unanswered)
            throw .redis("\(error)")
        }
    }

    /// The text of `<prefix>published` when it already records `hash` in `term`, else nil.
    private func currentRecord(hash: String, term: Int64) async -> String? {
        guard let text = try? await redis.send(RedisCommands.get(keys.published)), let data = text.data(using: .utf8),
            let record = try? JSONDecoder().decode(PublishedRecord.self, from: data),
            record.hash == hash && record.term == term
        else { return nil }
        return text
    }

    /// `{"hash":…,"term":…,"instance":…,"at":<unix ms>}`: who published what, when.
    static func record(hash: String, term: Int64, instanceId: String) -> String {
        let record = PublishedRecord(
            hash: hash, term: term, instance: instanceId, at: WallClock.milliseconds())
        guard let data = try? JSONEncoder().encode(record) else { return hash }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The value of `<prefix>published`.
public struct PublishedRecord: Sendable, Hashable, Codable {
    public var hash: String
    public var term: Int64
    public var instance: String
    /// Unix time in milliseconds.
    public var at: Int64
}
