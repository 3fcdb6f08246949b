import Foundation
public import Logging
import Metrics
import RedisClient

/// The daemon's record of what keeps failing against Redis, one entry per activity, reported without
/// flooding the log.
///
/// A failure is logged once when it starts (an error for a configuration or permission problem, a warning
/// for a transient one), then at most once per ``repeatInterval`` with the count of failures since, and once
/// when it clears. The open problems show in `/status` (``problems``), turn readiness false when any of them
/// needs a configuration change, and are counted by `traefik_coordinator_redis_errors_total{activity,kind}`
/// with `traefik_coordinator_redis_problem{activity,kind}` at 1 while open.
public actor RedisProblemLog {
    /// What was being done when Redis failed. Each has its own entry, so one activity's recovery never hides
    /// another's failure.
    public enum Activity: String, Sendable, Hashable, Codable, CaseIterable {
        /// Acquiring or renewing the lease.
        case lease
        /// The health check (notifications, drift, replicas).
        case health
        /// Writing the configuration.
        case publish
        /// Subscribing to the lease's release announcements.
        case releaseChannel
        /// Subscribing to keyspace events under the root key (verification after every change).
        case keyspaceChannel
        /// Announcing our release of the lease on shutdown.
        case releaseAnnouncement
        /// Subscribing to the notification probe's channels (where CONFIG is not allowed).
        case probeChannel
    }

    /// How a problem is classified for operators.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// May cure itself; retried with backoff.
        case transient
        /// A setting, certificate or password must change.
        case configuration
        /// The ACL user lacks a command, key or channel permission; `fix` names the ACL rule.
        case permission
    }

    /// One open problem, as `/status` shows it.
    public struct Problem: Sendable, Hashable, Codable {
        public var activity: Activity
        public var kind: Kind
        /// The latest failure's message (never a secret: ``RedisError`` carries none).
        public var message: String
        /// The ACL line or setting that fixes it, when known.
        public var fix: String?
        /// When the problem started (ISO 8601).
        public var since: String
        /// Failures since it started.
        public var count: Int
    }

    /// How often a problem that goes on is logged again (with its count).
    public nonisolated let repeatInterval: Duration
    private let logger: Logger
    private var open: [Activity: (problem: Problem, started: ContinuousClock.Instant, lastLogged: ContinuousClock.Instant, sinceLog: Int)] = [:]

    /// Creates an empty log.
    public init(logger: Logger, repeatInterval: Duration = .seconds(60)) {
        self.logger = logger
        self.repeatInterval = repeatInterval
        for activity in Activity.allCases {
            for kind in [Kind.transient, .configuration, .permission] { Self.gauge(activity, kind).record(0) }
        }
    }

    /// The open problems, in a stable order.
    public var problems: [Problem] {
        Activity.allCases.compactMap { open[$0]?.problem }
    }

    /// True while a problem that retrying cannot cure is open (readiness is false then).
    public var needsConfigurationChange: Bool {
        open.values.contains { $0.problem.kind != .transient }
    }

    /// Records a failure of `activity`; logs it as the policy above says.
    public func failed(
        _ activity: Activity, error: any Error, fix: String? = nil, now: ContinuousClock.Instant = .now
    ) {
        let kind = Self.kind(of: error)
        failed(activity, kind: kind, message: "\(error)", fix: fix ?? Self.fix(for: error), now: now)
    }

    /// Records a failure of `activity` described by `message`.
    public func failed(
        _ activity: Activity, kind: Kind, message: String, fix: String?, now: ContinuousClock.Instant = .now
    ) {
        Counter(label: "traefik_coordinator_redis_errors_total", dimensions: [("activity", activity.rawValue), ("kind", kind.rawValue)])
            .increment()
        var metadata: Logger.Metadata = ["activity": "\(activity.rawValue)", "error.kind": "\(kind.rawValue)", "error": "\(message)"]
        if let fix { metadata["fix"] = "\(fix)" }
        if var entry = open[activity], entry.problem.kind == kind, entry.problem.message == message {
            entry.problem.count += 1
            entry.sinceLog += 1
            if now - entry.lastLogged >= repeatInterval {
                metadata["failures"] = "\(entry.sinceLog)"
                metadata["since"] = "\(entry.problem.since)"
                log(kind, "Redis still failing", metadata)
                entry.lastLogged = now
                entry.sinceLog = 0
            }
            open[activity] = entry
            return
        }
        if let previous = open[activity] { Self.gauge(activity, previous.problem.kind).record(0) }
        let since = open[activity].map { $0.problem.since } ?? ISO8601DateFormatter().string(from: Date())
        let problem = Problem(
            activity: activity, kind: kind, message: message, fix: fix, since: since, count: (open[activity]?.problem.count ?? 0) + 1)
        open[activity] = (problem, open[activity]?.started ?? now, now, 0)
        Self.gauge(activity, kind).record(1)
        log(kind, Self.headline(activity, kind), metadata)
    }

    /// Records a success of `activity`: an open problem clears, logged once.
    public func succeeded(_ activity: Activity, now: ContinuousClock.Instant = .now) {
        guard let entry = open.removeValue(forKey: activity) else { return }
        Self.gauge(activity, entry.problem.kind).record(0)
        let seconds = Double((now - entry.started).components.seconds)
        logger.notice(
            "Redis problem cleared",
            metadata: [
                "activity": "\(activity.rawValue)", "error.kind": "\(entry.problem.kind.rawValue)",
                "failures": "\(entry.problem.count)", "seconds": "\(Int(seconds))",
            ])
    }

    private func log(_ kind: Kind, _ message: Logger.Message, _ metadata: Logger.Metadata) {
        if kind == .transient {
            logger.warning(message, metadata: metadata)
        } else {
            logger.error(message, metadata: metadata)
        }
    }

    private static func headline(_ activity: Activity, _ kind: Kind) -> Logger.Message {
        let what: String
        switch activity {
        case .lease: what = "the lease cannot be acquired or renewed"
        case .health: what = "the health check cannot read Redis"
        case .publish: what = "the configuration cannot be written"
        case .releaseChannel: what = "cannot subscribe to the lease's release announcements (followers take over only at their next retry)"
        case .keyspaceChannel: what = "cannot subscribe to keyspace events (changes are verified only every check interval)"
        case .releaseAnnouncement: what = "the lease was released but the release could not be announced (followers take over at their next retry)"
        case .probeChannel: what = "the keyspace-notification probe cannot subscribe (notifications cannot be verified where CONFIG is blocked)"
        }
        switch kind {
        case .transient: return "\(what): Redis failed; retrying with backoff"
        case .configuration: return "\(what): a configuration error, retrying cannot fix it; change the setting named in the error"
        case .permission: return "\(what): the ACL user lacks a permission; add the rule in 'fix'"
        }
    }

    /// `permission` for an ACL refusal, otherwise what ``RedisError/kind`` says (anything else is transient).
    static func kind(of error: any Error) -> Kind {
        guard let redis = error as? RedisError else { return .transient }
        if redis.serverError?.kind == .noPermission { return .permission }
        return redis.kind == .transient ? .transient : .configuration
    }

    private static func fix(for error: any Error) -> String? {
        guard let redis = error as? RedisError, redis.serverError?.kind == .noPermission else { return nil }
        return "grant the command, key or channel named in the error with ACL SETUSER (`traefik-coordinator check` lists the rules)"
    }

    private static func gauge(_ activity: Activity, _ kind: Kind) -> Gauge {
        Gauge(label: "traefik_coordinator_redis_problem", dimensions: [("activity", activity.rawValue), ("kind", kind.rawValue)])
    }
}
