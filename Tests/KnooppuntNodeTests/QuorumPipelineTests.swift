import KnooppuntCore
import Testing

@testable import KnooppuntNode

/// The active replica's commit decisions without etcd: which entries go in a commit, when a
/// batch may be acknowledged, and what a fenced, conflicting or lost answer leads to.
@Suite("Quorum pipeline")
struct QuorumPipelineTests {
    let layout = Fence.Layout(network: "NL")

    /// The next commit, which must be built.
    func send(_ pipeline: inout QuorumPipeline) throws -> Fence.Commit {
        let commit = pipeline.nextCommit()
        return try #require(commit)
    }

    func pipeline(tip: Fence.Tip = .empty) -> QuorumPipeline {
        // Several commits in flight and 128 entries each: the pipelining rules, with small numbers.
        QuorumPipeline(
            fence: Fence(layout: layout, electionKey: "/knooppunt/NL/active/1", epoch: 7, tip: tip),
            maximumInFlight: 4, maximumEntriesPerCommit: 128)
    }

    func entries(_ count: Int, size: Int = 10, tag: UInt8 = 0) -> [[UInt8]] {
        (0..<count).map { [tag, UInt8($0 % 256)] + [UInt8](repeating: 1, count: size) }
    }

    func committed(_ revision: Int64) -> Fence.Answer {
        Fence.Answer(succeeded: true, revision: revision, electionCreateRevision: 0, lastEntryModRevision: 0)
    }

    @Test(
        "by default one commit at a time, of up to the fence's most entries; the next only after its answer")
    func oneAtATimeByDefault() throws {
        var pipeline = QuorumPipeline(
            fence: Fence(layout: layout, electionKey: "/knooppunt/NL/active/1", epoch: 7, tip: .empty))
        pipeline.append(entries(Fence.maximumEntriesPerCommit + 10), batch: 1)
        let first = try send(&pipeline)
        #expect(first.puts.count == Fence.maximumEntriesPerCommit)
        #expect(pipeline.nextCommit() == nil)
        #expect(pipeline.answered(first, committed(20)) == .committed(batches: []))
        let second = try send(&pipeline)
        #expect(second.puts.count == 10 && second.base.sequence == UInt64(Fence.maximumEntriesPerCommit))
        #expect(pipeline.answered(second, committed(21)) == .committed(batches: [1]))
    }

    @Test(
        "up to the limit of commits in flight, each built on the one before; a batch is released only when all its entries are committed"
    )
    func batchesWaitForAllTheirEntries() throws {
        var pipeline = pipeline()
        pipeline.append(entries(100), batch: 1)
        pipeline.append(entries(100), batch: 2)
        pipeline.append(entries(400), batch: 3)
        var sent: [Fence.Commit] = []
        while let commit = pipeline.nextCommit() { sent.append(commit) }
        #expect(sent.count == pipeline.maximumInFlight)
        #expect(sent.allSatisfy { $0.puts.count == pipeline.maximumEntriesPerCommit })
        #expect(sent[0].puts.first?.key == layout.entryKey(1))
        #expect(sent[1].base == Fence.Tip(sequence: 128, modRevision: 0))
        #expect(sent[1].puts.first?.key == layout.entryKey(129))
        let outcome1 = pipeline.answered(sent[0], committed(20))
        #expect(outcome1 == .committed(batches: [1]))
        #expect(pipeline.tip == Fence.Tip(sequence: 128, modRevision: 20))
        // A slot is free: the rest of batch 3 goes out behind the commits in flight.
        let fifth = try send(&pipeline)
        #expect(fifth.base == Fence.Tip(sequence: 512, modRevision: 0) && fifth.puts.count == 88)
        #expect(pipeline.answered(sent[1], committed(21)) == .committed(batches: [2]))
        #expect(pipeline.answered(sent[2], committed(22)) == .committed(batches: []))
        #expect(pipeline.answered(sent[3], committed(23)) == .committed(batches: []))
        #expect(pipeline.answered(fifth, committed(24)) == .committed(batches: [3]))
        #expect(pipeline.tip == Fence.Tip(sequence: 600, modRevision: 24))
        let none = pipeline.nextCommit()
        #expect(none == nil)
        #expect(pipeline.waiting.isEmpty && pipeline.inFlight.isEmpty)
    }

    @Test(
        "a later commit's success releases the batches of the commits before it, in order; their late answers change nothing"
    )
    func laterSuccessCoversEarlierCommits() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(entries(3, tag: 1), batch: 1)
        let first = try send(&pipeline)
        pipeline.append(entries(2, tag: 2), batch: 2)
        let second = try send(&pipeline)
        #expect(second.base == Fence.Tip(sequence: 7, modRevision: 0))
        #expect(pipeline.answered(second, committed(31)) == .committed(batches: [1, 2]))
        #expect(pipeline.tip == Fence.Tip(sequence: 9, modRevision: 31))
        #expect(pipeline.released?.index == 9 && pipeline.released?.revision == 31)
        #expect(pipeline.answered(first, committed(30)) == .none)
        #expect(pipeline.tip == Fence.Tip(sequence: 9, modRevision: 31))
    }

    @Test(
        "a commit that reached etcd before the one it follows is refused, then sent again on the tip once that one answered, without a read"
    )
    func earlyCommitIsRefusedAndSentAgain() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(entries(3, tag: 1), batch: 1)
        let first = try send(&pipeline)
        pipeline.append(entries(2, tag: 2), batch: 2)
        let second = try send(&pipeline)
        // The entry it follows (7) did not exist: nothing was written.
        let refused = Fence.Answer(
            succeeded: false, revision: 29, electionCreateRevision: 7, lastEntryModRevision: 0)
        #expect(pipeline.answered(second, refused) == .none)
        pipeline.append(entries(1, tag: 3), batch: 3)
        let held = pipeline.nextCommit()
        #expect(held == nil, "nothing new is sent while a refused commit's predecessor is in flight")
        #expect(pipeline.answered(first, committed(30)) == .committed(batches: [1]))
        pipeline.resumeIfSettled()
        #expect(pipeline.startRead() == nil)
        let again = try send(&pipeline)
        #expect(again.base == Fence.Tip(sequence: 7, modRevision: 30))
        #expect(again.puts.map(\.value) == second.puts.map(\.value) + entries(1, tag: 3))
        #expect(again.puts.first?.key == layout.entryKey(8))
        #expect(pipeline.answered(again, committed(32)) == .committed(batches: [2, 3]))
    }

    @Test(
        "on the empty log a refused first commit is not taken for a pipelined one: the log is read before anything is sent again"
    )
    func refusedFirstCommitOnTheEmptyLogIsRead() throws {
        var pipeline = pipeline()
        pipeline.append(entries(3), batch: 1)
        let first = try send(&pipeline)
        #expect(first.base == .empty && !first.isPipelined)
        // Its first key exists (an earlier try whose answer was lost, applied late): refused,
        // and the believed last entry (none) reads as revision 0.
        let refused = Fence.Answer(
            succeeded: false, revision: 12, electionCreateRevision: 7, lastEntryModRevision: 0)
        #expect(pipeline.answered(first, refused) == .none)
        pipeline.resumeIfSettled()
        #expect(pipeline.startRead() == 0, "the log after the empty tip is read first")
        let held = pipeline.nextCommit()
        #expect(held == nil, "nothing is sent again while the read is due")
    }

    @Test("a commit stays under etcd's request bytes; the next one takes the rest")
    func commitsSplitByBytes() throws {
        var pipeline = pipeline()
        let big = Fence.maximumCommitBytes / 3 + 1
        pipeline.append(entries(3, size: big), batch: 1)
        let first = try send(&pipeline)
        #expect(first.puts.count == 2)
        let rest = try send(&pipeline)
        #expect(rest.puts.count == 1)
        #expect(pipeline.answered(first, committed(5)) == .committed(batches: []))
        #expect(pipeline.answered(rest, committed(6)) == .committed(batches: [1]))
    }

    @Test("fenced: the election key is gone or newer; nothing more is built or released")
    func fencedStopsEverything() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(entries(3), batch: 1)
        let commit = try send(&pipeline)
        let answer = Fence.Answer(
            succeeded: false, revision: 30, electionCreateRevision: 12, lastEntryModRevision: 9)
        #expect(pipeline.answered(commit, answer) == .fenced)
        #expect(pipeline.isFenced)
        pipeline.append(entries(1), batch: 2)
        let none = pipeline.nextCommit()
        #expect(none == nil)
    }

    @Test(
        "a failed call: once the rest answered the log is read, and the failed commit's own entries found there count as committed"
    )
    func lostAnswerIsReconciled() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        let batch = entries(3)
        pipeline.append(batch, batch: 1)
        let first = try send(&pipeline)
        pipeline.append(entries(1, tag: 2), batch: 2)
        let second = try send(&pipeline)
        pipeline.failed(first)
        #expect(pipeline.startRead() == nil, "no read while a commit is in flight")
        let held = pipeline.nextCommit()
        #expect(held == nil)
        // The second was built on the first's entries, which did not exist when it arrived.
        let refused = Fence.Answer(
            succeeded: false, revision: 40, electionCreateRevision: 7, lastEntryModRevision: 0)
        #expect(pipeline.answered(second, refused) == .none)
        #expect(pipeline.startRead() == 4)
        let found = batch.map { (value: $0, modRevision: Int64(33)) }
        #expect(pipeline.reconcile(found: found) == .committed(batches: [1]))
        #expect(pipeline.tip == Fence.Tip(sequence: 7, modRevision: 33))
        let again = try send(&pipeline)
        #expect(again.base == Fence.Tip(sequence: 7, modRevision: 33) && again.puts.count == 1)
    }

    @Test("entries in the log that this replica did not write mean the role is lost")
    func foreignEntriesFence() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(entries(2), batch: 1)
        let sent = try send(&pipeline)
        let conflict = Fence.Answer(
            succeeded: false, revision: 40, electionCreateRevision: 7, lastEntryModRevision: 11)
        #expect(pipeline.answered(sent, conflict) == .none)
        #expect(pipeline.startRead() == 4)
        #expect(pipeline.reconcile(found: [(value: [9, 9, 9], modRevision: 11)]) == .fenced)
        #expect(pipeline.isFenced)
    }

    @Test("an entry alone over the byte limit is never sent")
    func oversizedEntryIsHeld() {
        var pipeline = pipeline()
        pipeline.append(entries(1, size: Fence.maximumCommitBytes + 1), batch: 1)
        #expect(pipeline.oversized)
        let none = pipeline.nextCommit()
        #expect(none == nil)
    }
}
