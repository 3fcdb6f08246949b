import Foundation
import Logging

/// One line per fenced write attempt, for audits and the chaos suite's checker:
/// `publish attempt` with `instance`, `term`, `token`, `outcome`, the number of `keys`, and the wall-clock
/// milliseconds at which the attempt was `sentMs` and answered (`answeredMs`). Accepted attempts log at
/// `info`, the others at `warning`. The outcomes:
/// - `accepted`: the script ran and wrote;
/// - `refused`: the fence found another token in the lease (`NOTLEADER`);
/// - `stale`: the cached view no longer held (`STALE`); a fresh read follows;
/// - `failed`: Redis answered with an error (`NOREPLICAS`, `READONLY`, `NOPERM`...): nothing was written;
/// - `unanswered`: no answer (connection lost, timeout): the write may or may not have happened.
///
/// The send time is what makes the log checkable: a write the fence accepted executed after it was sent, so
/// an accepted attempt sent after another token was elected would be a write by a superseded leader.
struct PublishAttemptLog {
    enum Outcome: String {
        case accepted, refused, stale, failed, unanswered
    }

    let logger: Logger
    let token: String
    let term: Int64
    let keys: Int
    let sentMs = WallClock.milliseconds()

    func finish(_ outcome: Outcome) {
        logger.log(
            level: outcome == .accepted ? .info : .warning, "publish attempt",
            metadata: [
                "instance": "\(LeaseToken.instance(of: token))", "term": "\(term)", "token": "\(token)",
                "outcome": "\(outcome.rawValue)", "keys": "\(keys)", "sentMs": "\(sentMs)",
                "answeredMs": "\(WallClock.milliseconds())",
            ])
    }
}

/// Unix time in milliseconds, for log lines that other processes' lines are ordered against.
enum WallClock {
    static func milliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
