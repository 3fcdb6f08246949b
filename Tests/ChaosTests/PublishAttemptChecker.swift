import Foundation

/// Reads the coordinators' JSON logs after a scenario and checks invariant 1 (one effective writer) on what
/// they did, independently of the code that enforces it.
///
/// Each `elected leader` line gives a token and the wall-clock millisecond it was logged (`atMs`, after the
/// lease was set in Redis). Each `publish attempt` line gives the token used, the outcome and when it was sent
/// (`sentMs`). A write executes after it is sent, so an *accepted* attempt sent after another token was
/// elected was a write by a superseded leader: the fence should have refused it. The processes share one
/// clock (same machine), so the comparison needs no allowance for skew.
struct PublishAttemptChecker {
    struct Election {
        var token: String
        var atMs: Int64
    }

    struct Attempt {
        var instance: String
        var token: String
        var outcome: String
        var sentMs: Int64
    }

    private(set) var elections: [Election] = []
    private(set) var attempts: [Attempt] = []

    init(logs: [String]) {
        for log in logs {
            for line in log.split(separator: "\n") where line.first == "{" {
                guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: String],
                    let message = object["message"]
                else { continue }
                if message == "elected leader", let token = object["token"], let at = object["atMs"].flatMap(Int64.init) {
                    elections.append(Election(token: token, atMs: at))
                } else if message == "publish attempt", let token = object["token"], let outcome = object["outcome"],
                    let sent = object["sentMs"].flatMap(Int64.init)
                {
                    attempts.append(Attempt(instance: object["instance"] ?? "", token: token, outcome: outcome, sentMs: sent))
                }
            }
        }
        elections.sort { $0.atMs < $1.atMs }
        attempts.sort { $0.sentMs < $1.sentMs }
    }

    var accepted: Int { attempts.filter { $0.outcome == "accepted" }.count }
    /// Attempts the fence refused (`NOTLEADER`).
    var refused: Int { attempts.filter { $0.outcome == "refused" }.count }
    /// Attempts Redis answered with an error (`READONLY`, `NOREPLICAS`...), or did not answer.
    var failed: Int { attempts.filter { $0.outcome == "failed" || $0.outcome == "unanswered" }.count }

    /// Accepted attempts whose token was not the one elected last before they were sent.
    var violations: [String] {
        attempts.filter { $0.outcome == "accepted" }.compactMap { attempt in
            let latest = elections.last { $0.atMs < attempt.sentMs }
            guard let latest else { return "\(attempt.token) wrote at \(attempt.sentMs) before any election was logged" }
            guard latest.token != attempt.token else { return nil }
            return "\(attempt.token) wrote at \(attempt.sentMs) after \(latest.token) was elected at \(latest.atMs)"
        }
    }

    /// Accepted attempts made with `token`, sent after `ms`.
    func accepted(by token: String, after ms: Int64) -> Int {
        attempts.filter { $0.token == token && $0.outcome == "accepted" && $0.sentMs > ms }.count
    }

    /// The tokens `instance` was elected with, latest last.
    func tokens(of instance: String) -> [String] {
        elections.filter { $0.token.hasPrefix(instance + ":") }.map(\.token)
    }

    var summary: String {
        "\(elections.count) elections, \(attempts.count) attempts: \(accepted) accepted, \(refused) refused by the fence, \(failed) failed"
    }
}
