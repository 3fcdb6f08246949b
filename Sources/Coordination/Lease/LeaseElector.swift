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

    /// Creates an elector (a follower until ``run()`` acquires the lease).
    public init(
        redis: any RedisCommandExecutor, keys: StateKeys, instanceId: String, timing: CoordinatorSettings.Lease,
        logger: Logger
    ) {
        self.redis = redis
        self.keys = keys
        self.instanceId = instanceId
        self.logger = logger
        self.machine = LeaseStateMachine(timing: timing)
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// The current term and token, only while we may act as leader (within the renew deadline).
    public func leadership(now: ContinuousClock.Instant = .now) -> (term: Int64, token: String)? {
        machine.mayAct(now: now) ? machine.leadership : nil
    }

    /// Takes part in the election until the calling task is cancelled: one step every retry period, and a
    /// step at the renew deadline so a leader that cannot renew stops acting on time.
    public func run() async {
        while !Task.isCancelled {
            await step()
            try? await Task.sleep(for: machine.timing.retryPeriod)
        }
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
            logger.info("released the lease", metadata: ["released": "\(reply.int == 1)"])
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
            logger.warning("lease acquisition failed", metadata: ["error": "\(error)"])
        }
    }

    private func renew(token: String, sentAt: ContinuousClock.Instant) async {
        do {
            let reply = try await redis.evaluate(
                LeaseScripts.renew, keys: [keys.lease],
                arguments: [.string(token), .integer(machine.timing.duration.milliseconds)],
                timeout: commandTimeout)
            if reply.int == 1 {
                machine.renewed(sentAt: sentAt)
            } else if let action = machine.lost(reason: "the lease no longer holds our token"), case .stepDown(let reason) = action {
                announceStepDown(reason)
            }
        } catch {
            logger.warning("lease renewal failed; retrying until the renew deadline", metadata: ["error": "\(error)"])
        }
    }

    private func announceStepDown(_ reason: String) {
        logger.warning("stepped down", metadata: ["reason": "\(reason)", "atMs": "\(WallClock.milliseconds())"])
        eventSink.yield(.steppedDown(reason: reason))
    }
}
