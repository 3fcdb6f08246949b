/// Leader election decisions, without I/O: the clock is a parameter of every call (tests pass instants).
///
/// Timing follows Kubernetes leader election: the lease lasts `duration` in Redis; the leader renews every
/// `retryPeriod`; if no renewal *sent* within the last `renewDeadline` succeeded, it stops acting — before the
/// key can expire in Redis (`renewDeadline < duration`), so two instances never both believe they lead.
public struct LeaseStateMachine: Sendable {
    /// Who we are right now.
    public enum Role: Sendable, Hashable {
        case follower
        case leader(term: Int64, token: String)
    }

    /// What the lease loop should do next.
    public enum Action: Sendable, Hashable {
        /// Try to take the lease (we are a follower).
        case acquire
        /// Renew our lease with its token.
        case renew(token: String)
        /// We just became leader: publish the full configuration for this term.
        case lead(term: Int64, token: String)
        /// Stop acting as leader now (renew deadline passed, lease taken, fence refused).
        case stepDown(reason: String)
    }

    /// Lease timing.
    public let timing: CoordinatorSettings.Lease
    public private(set) var role: Role = .follower
    /// When the last successful acquisition or renewal was *sent*.
    private var lastConfirmedSentAt: ContinuousClock.Instant?

    /// Creates a follower.
    public init(timing: CoordinatorSettings.Lease) {
        self.timing = timing
    }

    /// The next periodic step at `now`: acquire as a follower, renew as a leader — or step down when the
    /// renew deadline passed.
    public mutating func tick(now: ContinuousClock.Instant) -> Action {
        switch role {
        case .follower:
            return .acquire
        case .leader(_, let token):
            if let sent = lastConfirmedSentAt, now - sent >= timing.renewDeadline {
                return stepDown(reason: "no lease renewal succeeded within the renew deadline (\(CoordinatorSettings.format(timing.renewDeadline)))")
            }
            return .renew(token: token)
        }
    }

    /// An acquisition sent at `sentAt` succeeded with `term`.
    public mutating func acquired(term: Int64, token: String, sentAt: ContinuousClock.Instant) -> Action {
        role = .leader(term: term, token: token)
        lastConfirmedSentAt = sentAt
        return .lead(term: term, token: token)
    }

    /// A renewal sent at `sentAt` succeeded: the deadline counts from then.
    public mutating func renewed(sentAt: ContinuousClock.Instant) {
        guard case .leader = role else { return }
        if lastConfirmedSentAt.map({ sentAt > $0 }) ?? true { lastConfirmedSentAt = sentAt }
    }

    /// The lease no longer holds our token (expired and taken, or deleted): step down at once.
    public mutating func lost(reason: String) -> Action? {
        guard case .leader = role else { return nil }
        return stepDown(reason: reason)
    }

    /// Whether a leader may write at `now`: leader, and within the renew deadline of the last confirmation.
    public func mayAct(now: ContinuousClock.Instant) -> Bool {
        guard case .leader = role, let sent = lastConfirmedSentAt else { return false }
        return now - sent < timing.renewDeadline
    }

    /// The current term and token, when leading.
    public var leadership: (term: Int64, token: String)? {
        if case .leader(let term, let token) = role { return (term, token) }
        return nil
    }

    private mutating func stepDown(reason: String) -> Action {
        role = .follower
        lastConfirmedSentAt = nil
        return .stepDown(reason: reason)
    }
}
