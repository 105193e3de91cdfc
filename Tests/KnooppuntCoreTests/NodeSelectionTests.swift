import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Testing

@Suite("Following the active one of three replicas")
struct NodeSelectionTests {
    let t0 = ContinuousClock.now

    func heartbeat(_ role: NodeRole, epoch: Epoch) -> Heartbeat {
        Heartbeat(role: role, epoch: epoch, lastSequence: 0, nodeTime: 0)
    }

    func three() -> NodeSelection {
        var selection = NodeSelection(roles: [.primary, .backup, .third], silence: .seconds(1))
        for role in PairRole.allCases { selection.connected(role, now: t0) }
        return selection
    }

    @Test("the third replica is followed when it is the active one, and left for a later epoch")
    func followsThird() {
        var selection = three()
        selection.heard(.primary, beat: heartbeat(.passive, epoch: 7), now: t0)
        selection.heard(.backup, beat: heartbeat(.passive, epoch: 7), now: t0)
        selection.heard(.third, beat: heartbeat(.active, epoch: 7), now: t0)
        #expect(selection.decide(now: t0) == .third)
        #expect(selection.decide(now: t0) == nil)
        // The third is SIGKILLed: it goes silent; the backup wins the next epoch.
        selection.disconnected(.third)
        selection.heard(.backup, beat: heartbeat(.active, epoch: 9), now: t0 + .milliseconds(500))
        #expect(selection.decide(now: t0 + .milliseconds(600)) == .backup)
    }

    @Test("a stale active of an older epoch is never chosen over the newer one")
    func staleActiveLoses() {
        var selection = three()
        selection.heard(.primary, beat: heartbeat(.active, epoch: 4), now: t0)
        selection.heard(.third, beat: heartbeat(.active, epoch: 12), now: t0)
        #expect(selection.decide(now: t0) == .third)
        selection.heard(.primary, beat: heartbeat(.active, epoch: 4), now: t0 + .milliseconds(100))
        #expect(selection.decide(now: t0 + .milliseconds(100)) == nil)
        #expect(selection.followed == .third)
    }

    @Test("with no active replica heard, nothing is followed and nobody is asked: etcd elects")
    func waitsForAnActive() {
        var selection = three()
        for role in PairRole.allCases { selection.heard(role, beat: heartbeat(.passive, epoch: 3), now: t0) }
        #expect(selection.decide(now: t0) == nil)
        #expect(selection.followed == nil)
        // A replica that went silent is not followed even though it once said active.
        selection.heard(.primary, beat: heartbeat(.active, epoch: 4), now: t0)
        #expect(selection.decide(now: t0 + .seconds(2)) == nil)
        #expect(selection.decide(now: t0 + .milliseconds(100)) == .primary)
    }

    @Test("a node alone is followed as soon as it is connected; WELCOME from it is no news")
    func singleNode() {
        var selection = NodeSelection(roles: [.primary], silence: .seconds(1))
        #expect(selection.decide(now: t0) == nil)
        selection.connected(.primary, now: t0)
        #expect(selection.decide(now: t0) == .primary)
        #expect(selection.served(by: .primary) == nil)
    }
}
