import KnooppuntCore
import Testing

/// The rule that keeps "fsync before every ACK" with the fsync off the loop: a batch is
/// released only by a sync that started after its COMMIT returned, in commit order, once.
/// (Mutating calls stay outside `#expect`, whose expansion takes its operands as constants.)
@Suite("Sync gate (group commit off the loop)")
struct SyncGateTests {
    @Test("a batch committed while a sync runs is not released by it, but by the next one")
    func laterCommitWaitsForNextSync() throws {
        var gate = SyncGate<Int>()
        gate.committed(1)
        gate.committed(2)
        let started = gate.syncStarted()
        let first = try #require(started)
        gate.committed(3)
        // One sync at a time: the third batch waits for the next.
        let meanwhile = gate.syncStarted()
        #expect(meanwhile == nil)
        let byFirst = gate.syncFinished(first)
        #expect(byFirst == [1, 2])
        #expect(gate.count == 1)
        let startedAgain = gate.syncStarted()
        let second = try #require(startedAgain)
        #expect(second != first)
        let bySecond = gate.syncFinished(second)
        #expect(bySecond == [3])
        #expect(gate.isEmpty && !gate.syncRunning)
    }

    @Test("nothing is released twice, nor by a stale, repeated or unknown token")
    func nothingTwice() throws {
        var gate = SyncGate<Int>()
        let none = gate.syncStarted()
        #expect(none == nil, "no sync without a committed batch")
        gate.committed(1)
        let started = gate.syncStarted()
        let token = try #require(started)
        let byUnknown = gate.syncFinished(SyncGate<Int>.Token(value: token.value + 1))
        #expect(byUnknown.isEmpty)
        #expect(gate.syncRunning)
        let byToken = gate.syncFinished(token)
        #expect(byToken == [1])
        let again = gate.syncFinished(token)
        #expect(again.isEmpty)
        gate.committed(2)
        let startedNext = gate.syncStarted()
        let next = try #require(startedNext)
        // The first sync's answer again (say, delivered late) releases nothing of the second's.
        let late = gate.syncFinished(token)
        #expect(late.isEmpty)
        let byNext = gate.syncFinished(next)
        #expect(byNext == [2])
    }

    @Test("releases keep commit order over many syncs, each batch exactly once")
    func orderKept() {
        var gate = SyncGate<Int>()
        var released: [Int] = []
        var token: SyncGate<Int>.Token?
        for batch in 1...100 {
            gate.committed(batch)
            // Every third batch a sync finishes; a new one starts whenever none runs.
            if batch % 3 == 0, let running = token {
                released += gate.syncFinished(running)
                token = nil
            }
            if token == nil { token = gate.syncStarted() }
        }
        while let running = token {
            released += gate.syncFinished(running)
            token = gate.syncStarted()
        }
        #expect(released == Array(1...100))
        #expect(gate.isEmpty)
    }

    @Test("a resend's answer rides with the newest waiting batch; a discarded gate releases nothing")
    func newestAndDiscard() throws {
        var gate = SyncGate<[String]>()
        let updatedEmpty = gate.updateNewest { $0.append("x") }
        #expect(!updatedEmpty)
        gate.committed(["a"])
        gate.committed(["b"])
        let updated = gate.updateNewest { $0.append("resend") }
        #expect(updated)
        let started = gate.syncStarted()
        let token = try #require(started)
        gate.discardAll()
        let byDiscarded = gate.syncFinished(token)
        #expect(byDiscarded.isEmpty)
        gate.committed(["c"])
        let all = gate.syncedAll()
        #expect(all == [["c"]])
        gate.committed(["d"])
        gate.committed(["e"])
        let startedNext = gate.syncStarted()
        let next = try #require(startedNext)
        let byNext = gate.syncFinished(next)
        #expect(byNext == [["d"], ["e"]])
        var kept = SyncGate<[String]>()
        kept.committed(["a"])
        kept.updateNewest { $0.append("resend") }
        let keptAll = kept.syncedAll()
        #expect(keptAll == [["a", "resend"]])
    }
}
