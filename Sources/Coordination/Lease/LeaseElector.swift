public import Logging
public import RedisClient
import RESP

/// What the lease did, for the coordinator to react to.
public enum LeaseEvent: Sendable, Hashable {
    /// We hold the lease for `term`.
    case elected(term: Int64, token: String)
    /// We no longer act as leader.
    case steppedDown(reason: String)
}

/// Runs the lease protocol against Redis: `SET NX PX` with the term `INCR` in one script, compare-and-PEXPIRE
/// renewals every retry period, compare-and-DEL on release. Decisions come from ``LeaseStateMachine``.
public actor LeaseElector {
    /// Our identity in the token `<instanceId>:<term>`.
    public nonisolated let instanceId: String
    /// Elections and step-downs, in order.
    public nonisolated let events: AsyncStream<LeaseEvent>

    private let redis: any RedisCommandExecutor
    private let keys: StateKeys
    private let logger: Logger
    private let eventSink: AsyncStream<LeaseEvent>.Continuation
    private var machine: LeaseStateMachine
    /// Bound on one acquire or renew: long enough to ride out a brief Redis stall (a large atomic publish
    /// blocks the server for a few hundred milliseconds), short enough to retry before the renew deadline.
    private var commandTimeout: Duration {
        max(machine.timing.retryPeriod, machine.timing.renewDeadline - machine.timing.retryPeriod)
    }
    /// The token in the lease key when we last looked (another leader's, while we follow).
    public private(set) var observedHolder: String?
    /// Why the last acquisition or renewal failed to reach an answer (nil after one that got an answer):
    /// the one-shot `publish --once` tells "could not talk to Redis" from "the lease is held".
    public private(set) var lastFailure: RedisError?
    /// Failures in a row, for the follower's backoff.
    private var consecutiveFailures = 0
    /// Where repeated failures are reported (once, then at most once a minute) instead of logged each time.
    private let problems: RedisProblemLog?
    /// The fix to name when the release announcement is refused (the ACL rule for the channel).
    private let announcementFix: String?

    /// Creates an elector (a follower until ``run()`` acquires the lease).
    public init(
        redis: any RedisCommandExecutor, keys: StateKeys, instanceId: String, timing: CoordinatorSettings.Lease,
        logger: Logger, problems: RedisProblemLog? = nil, announcementFix: String? = nil
    ) {
        self.redis = redis
        self.keys = keys
        self.instanceId = instanceId
        self.logger = logger
        self.problems = problems
        self.announcementFix = announcementFix
        self.machine = LeaseStateMachine(timing: timing)
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// The current term and token, only while we may act as leader (within the renew deadline).
    public func leadership(now: ContinuousClock.Instant = .now) -> (term: Int64, token: String)? {
        machine.mayAct(now: now) ? machine.leadership : nil
    }

    /// Takes part in the election until the calling task is cancelled: one step every retry period, and a
    /// step at the renew deadline so a leader that cannot renew stops acting on time.
    ///
    /// A follower whose attempts keep failing backs off exponentially with jitter: up to the lease duration
    /// for transient failures (it never sleeps through a whole term), up to 30 s for configuration errors.
    /// A leader keeps the retry period, so a renewal failing for a moment is retried before the deadline.
    public func run() async {
        while !Task.isCancelled {
            await step()
            try? await Task.sleep(for: nextDelay())
        }
    }

    /// The wait before the next step.
    func nextDelay() -> Duration {
        let retry = machine.timing.retryPeriod
        guard let lastFailure, consecutiveFailures > 1, machine.leadership == nil else { return retry }
        let cap = lastFailure.isTransient ? max(retry, machine.timing.duration) : max(retry, .seconds(30))
        return RedisBackoff(initial: retry, maximum: cap).delay(attempt: consecutiveFailures - 1)
    }

    /// One election step: acquire as a follower, renew as a leader, or step down at the deadline.
    public func step() async {
        let sentAt = ContinuousClock.now
        switch machine.tick(now: sentAt) {
        case .acquire:
            await acquire(sentAt: sentAt)
        case .renew(let token):
            await renew(token: token, sentAt: sentAt)
        case .stepDown(let reason):
            announceStepDown(reason)
        case .lead:
            break
        }
    }

    /// The fence refused a publish: someone else holds the lease on this node. Step down at once.
    public func fenceRefused(reason: String) {
        if let action = machine.lost(reason: reason), case .stepDown(let reason) = action { announceStepDown(reason) }
    }

    /// Gives the lease up (compare-and-DEL), so a successor does not wait for it to expire.
    public func release() async {
        guard let (_, token) = machine.leadership else { return }
        do {
            let reply = try await redis.evaluate(
                LeaseScripts.release, keys: [keys.lease, keys.releasedChannel], arguments: [.string(token)],
                timeout: .seconds(2))
            if let refusal = reply.string {
                logger.error(
                    "released the lease, but the announcement was refused: followers take over only at their next retry",
                    metadata: [
                        "channel": "\(keys.releasedChannel)", "error": "\(refusal)",
                        "fix": "\(announcementFix ?? "allow the channel for the coordinator's ACL user")",
                    ])
                await problems?.failed(
                    .releaseAnnouncement, kind: .permission, message: "PUBLISH \(keys.releasedChannel): \(refusal)", fix: announcementFix)
            } else {
                logger.info("released the lease", metadata: ["released": "\(reply.int == 1)"])
            }
        } catch {
            logger.warning("could not release the lease; it expires by itself", metadata: ["error": "\(error)"])
        }
        if let action = machine.lost(reason: "released on shutdown"), case .stepDown(let reason) = action {
            announceStepDown(reason)
        }
    }

    /// Ends ``events``.
    public func finish() {
        eventSink.finish()
    }

    private func acquire(sentAt: ContinuousClock.Instant) async {
        do {
            let reply = try await redis.evaluate(
                LeaseScripts.acquire, keys: [keys.lease, keys.term],
                arguments: [.string(instanceId), .integer(machine.timing.duration.milliseconds)],
                timeout: commandTimeout)
            // The script returns our own token or nil; anything else (a reply matched to the wrong request
            // on a confused connection) must not make us believe we lead.
            await answered()
            guard let token = reply.string, LeaseToken.instance(of: token) == instanceId, let term = LeaseToken.term(of: token)
            else {
                observedHolder = try? await redis.send(RedisCommands.get(keys.lease))
                return
            }
            if case .lead(let term, let token) = machine.acquired(term: term, token: token, sentAt: sentAt) {
                observedHolder = token
                logger.notice(
                    "elected leader",
                    metadata: ["term": "\(term)", "token": "\(token)", "atMs": "\(WallClock.milliseconds())"])
                eventSink.yield(.elected(term: term, token: token))
            }
        } catch {
            await failed(error, "lease acquisition failed")
        }
    }

    private func renew(token: String, sentAt: ContinuousClock.Instant) async {
        do {
            let reply = try await redis.evaluate(
                LeaseScripts.renew, keys: [keys.lease],
                arguments: [.string(token), .integer(machine.timing.duration.milliseconds)],
                timeout: commandTimeout)
            await answered()
            if reply.int == 1 {
                machine.renewed(sentAt: sentAt)
            } else if let action = machine.lost(reason: "the lease no longer holds our token"), case .stepDown(let reason) = action {
                announceStepDown(reason)
            }
        } catch {
            await failed(error, "lease renewal failed; retrying until the renew deadline")
        }
    }

    /// Redis answered an acquire or renew.
    private func answered() async {
        lastFailure = nil
        consecutiveFailures = 0
        await problems?.succeeded(.lease)
    }

    /// An acquire or renew got no answer: reported to the problem log when there is one (once, then once a
    /// minute), else logged.
    private func failed(_ error: any Error, _ message: Logger.Message) async {
        lastFailure = error as? RedisError
        consecutiveFailures += 1
        if let problems {
            await problems.failed(.lease, error: error)
        } else {
            logger.warning(message, metadata: ["error": "\(error)", "error.kind": "\(RedisProblemLog.kind(of: error).rawValue)"])
        }
    }

    private func announceStepDown(_ reason: String) {
        logger.warning("stepped down", metadata: ["reason": "\(reason)", "atMs": "\(WallClock.milliseconds())"])
        eventSink.yield(.steppedDown(reason: reason))
    }
}
