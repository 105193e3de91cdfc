import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Testing

@Suite("Following the active one of three replicas")
struct NodeSelectionReplicaTests {
    let t0 = ContinuousClock.now

    func heartbeat(_ role: NodeRole, epoch: Epoch) -> Heartbeat {
        Heartbeat(role: role, epoch: epoch, lastSequence: 0, nodeTime: 0)
    }

    func three() -> NodeSelection {
        var selection = NodeSelection(
            roles: [.primary, .backup, .third], silence: .seconds(1), voteInterval: .milliseconds(250))
        for role in PairRole.allCases { selection.connected(role, now: t0) }
        return selection
    }

    @Test("the third replica is followed when it is the active one, and left for a later epoch")
    func followsThird() {
        var selection = three()
        selection.heard(.primary, beat: heartbeat(.passive, epoch: 7), now: t0)
        selection.heard(.backup, beat: heartbeat(.passive, epoch: 7), now: t0)
        selection.heard(.third, beat: heartbeat(.active, epoch: 7), now: t0)
        #expect(selection.decide(now: t0) == [.follow(.third)])
        #expect(selection.decide(now: t0).isEmpty)
        // The third is SIGKILLed: it goes silent; the backup wins the next epoch.
        selection.disconnected(.third)
        selection.heard(.backup, beat: heartbeat(.active, epoch: 9), now: t0 + .milliseconds(500))
        #expect(selection.decide(now: t0 + .milliseconds(600)) == [.follow(.backup)])
    }

    @Test("a stale active of an older epoch is never chosen over the newer one")
    func staleActiveLoses() {
        var selection = three()
        selection.heard(.primary, beat: heartbeat(.active, epoch: 4), now: t0)
        selection.heard(.third, beat: heartbeat(.active, epoch: 12), now: t0)
        #expect(selection.decide(now: t0) == [.follow(.third)])
        selection.heard(.primary, beat: heartbeat(.active, epoch: 4), now: t0 + .milliseconds(100))
        #expect(selection.decide(now: t0 + .milliseconds(100)).isEmpty)
        #expect(selection.followed == .third)
    }

    @Test("with no active replica heard, every connected replica is asked, including the third")
    func votesReachThird() {
        var selection = three()
        selection.disconnected(.primary)
        #expect(Set(selection.decide(now: t0)) == [.vote(.backup), .vote(.third)])
    }
}
