import Testing

/// The checker must catch what it is there to catch: a write accepted from a superseded token.
@Suite("PublishAttemptChecker")
struct PublishAttemptCheckerTests {
    static func elected(_ token: String, at ms: Int64) -> String {
        #"{"message":"elected leader","token":"\#(token)","atMs":"\#(ms)","term":"1"}"#
    }

    static func attempt(_ token: String, _ outcome: String, sent ms: Int64) -> String {
        #"{"message":"publish attempt","token":"\#(token)","instance":"\#(token.split(separator: ":")[0])","outcome":"\#(outcome)","sentMs":"\#(ms)"}"#
    }

    @Test("a clean handover has no violation; a stale leader's accepted write after the successor's election is one")
    func violations() {
        let a = [Self.elected("a:1", at: 100), Self.attempt("a:1", "accepted", sent: 150), Self.attempt("a:1", "refused", sent: 400)]
        let b = [Self.elected("b:2", at: 300), Self.attempt("b:2", "accepted", sent: 350), "a plain text line"]
        let clean = PublishAttemptChecker(logs: [a.joined(separator: "\n"), b.joined(separator: "\n")])
        #expect(clean.violations.isEmpty)
        #expect(clean.accepted == 2 && clean.refused == 1)
        #expect(clean.tokens(of: "a") == ["a:1"])

        let stale = a + [Self.attempt("a:1", "accepted", sent: 301)]
        let caught = PublishAttemptChecker(logs: [stale.joined(separator: "\n"), b.joined(separator: "\n")])
        #expect(caught.violations == ["a:1 wrote at 301 after b:2 was elected at 300"])
        #expect(caught.accepted(by: "a:1", after: 200) == 1)

        let beforeAnyElection = PublishAttemptChecker(logs: [Self.attempt("c:1", "accepted", sent: 50)])
        #expect(beforeAnyElection.violations.count == 1)
    }
}
