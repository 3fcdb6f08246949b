import Coordination
import Testing

@Suite("Lease state machine")
struct LeaseStateMachineTests {
    let timing = CoordinatorSettings.Lease(duration: .seconds(10), renewDeadline: .seconds(7), retryPeriod: .seconds(2))
    let start = ContinuousClock.now

    @Test("a follower acquires; a leader renews; the renew deadline counts from when the renewal was sent")
    func renewDeadline() {
        var machine = LeaseStateMachine(timing: timing)
        #expect(machine.tick(now: start) == .acquire)
        #expect(machine.acquired(term: 4, token: "a:4", sentAt: start) == .lead(term: 4, token: "a:4"))
        #expect(machine.mayAct(now: start + .seconds(6)))
        #expect(machine.tick(now: start + .seconds(2)) == .renew(token: "a:4"))
        machine.renewed(sentAt: start + .seconds(2))
        #expect(machine.mayAct(now: start + .seconds(8.9)))
        #expect(!machine.mayAct(now: start + .seconds(9)), "7 s after the last confirmed renewal was sent")
        #expect(machine.tick(now: start + .seconds(9)) == .stepDown(reason: "no lease renewal succeeded within the renew deadline (7s)"))
        #expect(machine.role == .follower)
        #expect(machine.leadership == nil)
    }

    @Test("a late answer to an older renewal does not move the deadline back")
    func outOfOrder() {
        var machine = LeaseStateMachine(timing: timing)
        _ = machine.acquired(term: 1, token: "a:1", sentAt: start)
        machine.renewed(sentAt: start + .seconds(4))
        machine.renewed(sentAt: start + .seconds(2))
        #expect(machine.mayAct(now: start + .seconds(10.5)))
    }

    @Test("losing the lease or a refused fence steps down at once; a follower has nothing to lose")
    func lost() {
        var machine = LeaseStateMachine(timing: timing)
        #expect(machine.lost(reason: "x") == nil)
        _ = machine.acquired(term: 2, token: "a:2", sentAt: start)
        #expect(machine.lost(reason: "taken") == .stepDown(reason: "taken"))
        #expect(!machine.mayAct(now: start))
        #expect(machine.tick(now: start) == .acquire)
    }
}
