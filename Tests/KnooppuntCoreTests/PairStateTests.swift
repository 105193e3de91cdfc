import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Testing

/// The hot-standby pair's rules, each as a deterministic test of the state machine (no sockets).
@Suite("Pair state machine (Binary Star with epochs)")
struct PairStateTests {
    let t0 = ContinuousClock.now
    let timeout = Duration.seconds(1)

    func node(_ role: PairRole, epoch: Epoch = 1, sequence: SequenceNumber = 0) -> PairState {
        PairState(role: role, epoch: epoch, lastSequence: sequence, peerTimeout: timeout, now: t0)
    }

    func beat(
        _ role: PairRole, _ state: PairStateName, epoch: Epoch = 1, sequence: SequenceNumber = 0,
        syncing: Bool = false
    ) -> PeerBeat {
        PeerBeat(role: role, state: state, epoch: epoch, lastSequence: sequence, syncing: syncing)
    }

    @Test(
        "two starting nodes with the same data: the primary becomes active in a new epoch, the backup passive"
    )
    func startingTie() {
        var primary = node(.primary)
        var backup = node(.backup)
        let a = primary.receive(beat(.backup, .starting), now: t0)
        let b = backup.receive(beat(.primary, .starting), now: t0)
        #expect(a == [.becomeActive(epoch: 2)])
        #expect(primary.state == .active)
        #expect(b.count == 1)
        #expect(backup.state == .passive)
    }

    @Test("a starting node that hears an active peer becomes passive")
    func startingSeesActive() {
        var primary = node(.primary, epoch: 3, sequence: 50)
        let actions = primary.receive(beat(.backup, .active, epoch: 4, sequence: 60), now: t0)
        #expect(primary.state == .passive)
        #expect(actions.count == 1)
    }

    @Test("two actives do not abort: the later epoch stays active, the other steps down")
    func dualActiveByEpoch() {
        var primary = node(.primary, epoch: 1)
        _ = primary.startAlone()  // active in epoch 2
        #expect(primary.state == .active)
        let actions = primary.receive(beat(.backup, .active, epoch: 5), now: t0)
        #expect(primary.state == .passive)
        #expect(!actions.isEmpty)
        var backup = node(.backup, epoch: 1)
        _ = backup.startAlone()  // epoch 2
        _ = backup.receive(beat(.primary, .active, epoch: 1), now: t0)
        #expect(backup.state == .active, "an active with a later epoch keeps going")
    }

    @Test("two actives in the same epoch: the primary stays, the backup steps down")
    func dualActiveSameEpoch() {
        var backup = node(.backup, epoch: 1)
        _ = backup.startAlone()
        _ = backup.receive(beat(.primary, .active, epoch: backup.epoch), now: t0)
        #expect(backup.state == .passive)
    }

    @Test("a passive that can hear its peer refuses clients: no takeover while the active lives")
    func passiveRefusesWhilePeerAlive() {
        var backup = node(.backup)
        _ = backup.receive(beat(.primary, .active, epoch: 2), now: t0)
        backup.caughtUp()
        let answer = backup.clientRequest(clientEpoch: 2, clientSequence: 0, now: t0 + .milliseconds(500))
        #expect(!answer.serve)
        #expect(backup.state == .passive)
    }

    @Test("the client vote: a caught-up passive whose peer is silent takes over in an epoch above any seen")
    func failoverOnClientVote() {
        var backup = node(.backup)
        _ = backup.receive(beat(.primary, .active, epoch: 7, sequence: 10), now: t0)
        backup.logAdvanced(to: 10, epoch: 7)
        backup.caughtUp()
        // Silence alone does not make it active ...
        #expect(backup.tick(now: t0 + .seconds(2)).isEmpty)
        #expect(backup.state == .passive)
        // ... a client asking does.
        let answer = backup.clientRequest(clientEpoch: 7, clientSequence: 10, now: t0 + .seconds(2))
        #expect(answer.serve)
        #expect(answer.actions == [.becomeActive(epoch: 8)])
        #expect(backup.state == .active)
        #expect(backup.epoch == 8)
    }

    @Test("a standby still catching up may not take over")
    func syncingStandbyCannotTakeOver() {
        var backup = node(.backup)
        _ = backup.receive(beat(.primary, .active, epoch: 2, sequence: 500), now: t0)
        let answer = backup.clientRequest(clientEpoch: 2, clientSequence: 0, now: t0 + .seconds(2))
        #expect(!answer.serve)
        #expect(answer.refusal?.contains("catching up") == true)
        #expect(backup.state == .passive)
    }

    @Test("a node refuses to take over when a client has seen newer data than it holds")
    func clientAheadRefused() {
        var primary = node(.primary, epoch: 2, sequence: 40)
        let answer = primary.clientRequest(clientEpoch: 3, clientSequence: 45, now: t0 + .seconds(2))
        #expect(!answer.serve)
        #expect(primary.state == .starting)
        let behind = primary.clientRequest(clientEpoch: 2, clientSequence: 41, now: t0 + .seconds(2))
        #expect(!behind.serve)
    }

    @Test(
        "a quickly restarted old active takes the lead from a passive peer with less data: clients are not left on a passive"
    )
    func restartedActiveLeads() {
        // The primary was active up to seq 100 and restarted before the backup failed over.
        var primary = node(.primary, epoch: 2, sequence: 100)
        let actions = primary.receive(beat(.backup, .passive, epoch: 2, sequence: 100), now: t0)
        #expect(actions == [.becomeActive(epoch: 3)])
        // And the passive backup, hearing a starting primary with at least its data, stays passive.
        var backup = node(.backup, epoch: 2, sequence: 100)
        _ = backup.receive(beat(.primary, .active, epoch: 2, sequence: 100), now: t0)
        let again = backup.receive(beat(.primary, .starting, epoch: 2, sequence: 100), now: t0)
        #expect(again.isEmpty)
        #expect(backup.state == .passive)
    }

    @Test("a starting node that sees a passive peer with more data becomes passive; that peer becomes active")
    func moreDataLeads() {
        var primary = node(.primary, epoch: 2, sequence: 80)
        _ = primary.receive(beat(.backup, .passive, epoch: 3, sequence: 90), now: t0)
        #expect(primary.state == .passive)
        var backup = node(.backup, epoch: 3, sequence: 90)
        _ = backup.receive(beat(.primary, .active, epoch: 3, sequence: 90), now: t0)
        let actions = backup.receive(beat(.primary, .starting, epoch: 2, sequence: 80), now: t0)
        #expect(actions == [.becomeActive(epoch: 4)])
    }

    @Test("an old active that learns of a later epoch is fenced and steps down")
    func fenced() {
        var primary = node(.primary)
        _ = primary.startAlone()
        let actions = primary.fenced(by: 9)
        #expect(primary.state == .passive)
        #expect(!actions.isEmpty)
        #expect(primary.highestEpochSeen == 9)
    }

    @Test("an active whose in-sync standby goes silent continues alone, degraded")
    func continueAloneWhenPeerSilent() {
        var primary = node(.primary)
        _ = primary.receive(beat(.backup, .starting), now: t0)
        #expect(primary.peerCaughtUp() == [.peerInSync])
        #expect(primary.peerInSync)
        #expect(primary.tick(now: t0 + .milliseconds(500)).isEmpty)
        #expect(primary.tick(now: t0 + .seconds(2)) == [.continueAlone])
        #expect(!primary.peerInSync)
        #expect(primary.state == .active)
    }

    @Test("a node resumed after a pause listens to its peer before acting on silence")
    func stallGivesThePeerTime() {
        var primary = node(.primary)
        _ = primary.receive(beat(.backup, .starting), now: t0)
        _ = primary.peerCaughtUp()
        // The loop was stopped for 10 s: on resuming, the silence is ours, not the peer's.
        let resumed = t0 + .seconds(10)
        primary.resumedAfterStall(now: resumed)
        #expect(primary.tick(now: resumed).isEmpty)
        #expect(primary.peerInSync)
        var backup = node(.backup)
        _ = backup.receive(beat(.primary, .active, epoch: 2), now: t0)
        backup.caughtUp()
        backup.resumedAfterStall(now: resumed)
        #expect(!backup.clientRequest(clientEpoch: 2, clientSequence: 0, now: resumed).serve)
    }

    @Test("epochs only rise: each activation takes one above every epoch seen")
    func epochsRise() {
        var backup = node(.backup, epoch: 1)
        _ = backup.receive(beat(.primary, .active, epoch: 5, sequence: 3), now: t0)
        backup.logAdvanced(to: 3, epoch: 5)
        backup.caughtUp()
        _ = backup.clientRequest(clientEpoch: 5, clientSequence: 3, now: t0 + .seconds(5))
        #expect(backup.epoch == 6)
        _ = backup.fenced(by: 11)
        _ = backup.receive(beat(.primary, .passive, epoch: 11), now: t0 + .seconds(5))
        #expect(backup.epoch >= 12 || backup.state == .passive)
    }

    @Test("a passive never heartbeats as active")
    func passiveBeat() {
        var backup = node(.backup)
        _ = backup.receive(beat(.primary, .active, epoch: 2), now: t0)
        #expect(backup.beat.state == .passive)
        #expect(backup.beat.syncing)
        backup.caughtUp()
        #expect(!backup.beat.syncing)
    }
}

@Suite("Following the active node")
struct NodeSelectionTests {
    let t0 = ContinuousClock.now

    func heartbeat(_ role: NodeRole, epoch: Epoch) -> Heartbeat {
        Heartbeat(role: role, epoch: epoch, lastSequence: 0, nodeTime: 0)
    }

    @Test("follows the node whose heartbeat says active; the later epoch wins")
    func followsActive() {
        var selection = NodeSelection(
            roles: [.primary, .backup], silence: .seconds(1), voteInterval: .milliseconds(250))
        selection.connected(.primary, now: t0)
        selection.connected(.backup, now: t0)
        selection.heard(.primary, beat: heartbeat(.active, epoch: 2), now: t0)
        selection.heard(.backup, beat: heartbeat(.passive, epoch: 2), now: t0)
        #expect(selection.decide(now: t0) == [.follow(.primary)])
        #expect(selection.decide(now: t0).isEmpty)
        selection.heard(.backup, beat: heartbeat(.active, epoch: 3), now: t0)
        #expect(selection.decide(now: t0) == [.follow(.backup)])
    }

    @Test("when the followed node goes silent, votes go to every connected node, paced")
    func votesWhenSilent() {
        var selection = NodeSelection(
            roles: [.primary, .backup], silence: .seconds(1), voteInterval: .milliseconds(250))
        selection.connected(.primary, now: t0)
        selection.connected(.backup, now: t0)
        selection.heard(.primary, beat: heartbeat(.active, epoch: 2), now: t0)
        selection.heard(.backup, beat: heartbeat(.passive, epoch: 2), now: t0)
        _ = selection.decide(now: t0)
        selection.disconnected(.primary)
        let later = t0 + .milliseconds(100)
        #expect(selection.decide(now: later) == [.vote(.backup)])
        #expect(selection.decide(now: later + .milliseconds(100)).isEmpty)
        #expect(selection.decide(now: later + .milliseconds(300)) == [.vote(.backup)])
        #expect(selection.served(by: .backup) == .follow(.backup))
    }
}

@Suite("Comparing the logs of the pair")
struct PairLogsTests {
    func starts(_ pairs: [(Epoch, SequenceNumber)]) -> [PairMessage.EpochStart] {
        pairs.map { PairMessage.EpochStart(epoch: $0.0, firstSequence: $0.1) }
    }

    @Test("a tail written in an epoch the active never had is cut back to where the epochs part")
    func divergentTail() {
        // Ours: epoch 1 from 1, epoch 2 from 11 up to 20. The active: epoch 1 up to 15, epoch 3 from 16.
        let keep = PairLogs.commonPrefix(
            ours: starts([(1, 1), (2, 11)]), ourLast: 20, theirs: starts([(1, 1), (3, 16)]), theirLast: 30)
        #expect(keep == 10)
        let shared = PairLogs.commonPrefix(
            ours: starts([(2, 11)]), ourLast: 20, theirs: starts([(2, 11), (3, 16)]), theirLast: 30)
        #expect(shared == 15)
    }

    @Test("logs that agree keep everything; an empty log keeps nothing")
    func agreeingLogs() {
        #expect(
            PairLogs.commonPrefix(ours: starts([(1, 1)]), ourLast: 9, theirs: starts([(1, 1)]), theirLast: 20)
                == 9)
        #expect(PairLogs.commonPrefix(ours: [], ourLast: 0, theirs: starts([(1, 1)]), theirLast: 20) == 0)
    }
}
