import KnooppuntCore
import Testing

@testable import KnooppuntNode

/// The active replica's commit decisions without etcd: which items go in a commit's one log
/// entry, when a batch may be acknowledged, and what a fenced, conflicting or lost answer
/// leads to.
@Suite("Quorum pipeline")
struct QuorumPipelineTests {
    let layout = Fence.Layout(network: "NL")

    /// The next commit, which must be built.
    func send(_ pipeline: inout QuorumPipeline) throws -> Fence.Commit {
        let commit = pipeline.nextCommit()
        return try #require(commit)
    }

    func pipeline(tip: Fence.Tip = .empty) -> QuorumPipeline {
        // Several commits in flight and 128 items per entry: the pipelining rules, small numbers.
        QuorumPipeline(
            fence: Fence(layout: layout, electionKey: "/knooppunt/NL/active/1", epoch: 7, tip: tip),
            maximumInFlight: 4, maximumItemsPerEntry: 128)
    }

    func items(_ count: Int, size: Int = 10, tag: UInt8 = 0) -> [QuorumEntry.Item] {
        (0..<count).map {
            QuorumEntry.Item(
                part: [tag, UInt8($0 % 256)] + [UInt8](repeating: 1, count: size), sequence: UInt64($0 + 1))
        }
    }

    /// The items a commit's one entry holds, as parts.
    func parts(_ commit: Fence.Commit) throws -> [[UInt8]] {
        #expect(commit.puts.count == 1, "a commit writes one entry")
        let put = try #require(commit.puts.first)
        return try #require(QuorumEntry.itemParts(of: put.value))
    }

    func committed(_ revision: Int64) -> Fence.Answer {
        Fence.Answer(succeeded: true, revision: revision, electionCreateRevision: 0, lastEntryModRevision: 0)
    }

    @Test(
        "by default one commit at a time, ONE entry holding every waiting item; what waits meanwhile goes in the next"
    )
    func oneAtATimeByDefault() throws {
        var pipeline = QuorumPipeline(
            fence: Fence(layout: layout, electionKey: "/knooppunt/NL/active/1", epoch: 7, tip: .empty))
        pipeline.append(items(300, tag: 1), batch: 1)
        pipeline.append(items(300, tag: 2), batch: 2)
        let first = try send(&pipeline)
        #expect(try parts(first) == (items(300, tag: 1) + items(300, tag: 2)).map(\.part))
        #expect(first.puts.first?.key == layout.entryKey(1))
        pipeline.append(items(200, tag: 3), batch: 3)
        #expect(pipeline.nextCommit() == nil)
        #expect(pipeline.answered(first, committed(20)) == .committed(batches: [1, 2]))
        let second = try send(&pipeline)
        #expect(try parts(second).count == 200 && second.base == Fence.Tip(sequence: 1, modRevision: 20))
        #expect(pipeline.answered(second, committed(21)) == .committed(batches: [3]))
        #expect(pipeline.tip == Fence.Tip(sequence: 2, modRevision: 21))
    }

    @Test(
        "up to the limit of commits in flight, each one entry built on the one before; a batch is released only when all its items are committed"
    )
    func batchesWaitForAllTheirItems() throws {
        var pipeline = pipeline()
        pipeline.append(items(100), batch: 1)
        pipeline.append(items(100), batch: 2)
        pipeline.append(items(400), batch: 3)
        var sent: [Fence.Commit] = []
        while let commit = pipeline.nextCommit() { sent.append(commit) }
        #expect(sent.count == pipeline.maximumInFlight)
        #expect(try sent.allSatisfy { try parts($0).count == pipeline.maximumItemsPerEntry })
        #expect(sent[0].puts.first?.key == layout.entryKey(1))
        #expect(sent[1].base == Fence.Tip(sequence: 1, modRevision: 0))
        #expect(sent[1].puts.first?.key == layout.entryKey(2))
        #expect(pipeline.answered(sent[0], committed(20)) == .committed(batches: [1]))
        #expect(pipeline.tip == Fence.Tip(sequence: 1, modRevision: 20))
        // A slot is free: the rest of batch 3 goes out behind the commits in flight.
        let fifth = try send(&pipeline)
        #expect(try fifth.base == Fence.Tip(sequence: 4, modRevision: 0) && parts(fifth).count == 88)
        #expect(pipeline.answered(sent[1], committed(21)) == .committed(batches: [2]))
        #expect(pipeline.answered(sent[2], committed(22)) == .committed(batches: []))
        #expect(pipeline.answered(sent[3], committed(23)) == .committed(batches: []))
        #expect(pipeline.answered(fifth, committed(24)) == .committed(batches: [3]))
        #expect(pipeline.tip == Fence.Tip(sequence: 5, modRevision: 24))
        let none = pipeline.nextCommit()
        #expect(none == nil)
        #expect(pipeline.waiting.isEmpty && pipeline.inFlight.isEmpty)
    }

    @Test(
        "a later commit's success releases the batches of the commits before it, in order; their late answers change nothing"
    )
    func laterSuccessCoversEarlierCommits() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(items(3, tag: 1), batch: 1)
        let first = try send(&pipeline)
        pipeline.append(items(2, tag: 2), batch: 2)
        let second = try send(&pipeline)
        #expect(second.base == Fence.Tip(sequence: 5, modRevision: 0))
        #expect(pipeline.answered(second, committed(31)) == .committed(batches: [1, 2]))
        #expect(pipeline.tip == Fence.Tip(sequence: 6, modRevision: 31))
        #expect(pipeline.released?.index == 6 && pipeline.released?.revision == 31)
        #expect(pipeline.answered(first, committed(30)) == .none)
        #expect(pipeline.tip == Fence.Tip(sequence: 6, modRevision: 31))
    }

    @Test(
        "a commit that reached etcd before the one it follows is refused, then built again on the tip with what waits since, without a read"
    )
    func earlyCommitIsRefusedAndSentAgain() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(items(3, tag: 1), batch: 1)
        let first = try send(&pipeline)
        pipeline.append(items(2, tag: 2), batch: 2)
        let second = try send(&pipeline)
        // The entry it follows (5) did not exist: nothing was written.
        let refused = Fence.Answer(
            succeeded: false, revision: 29, electionCreateRevision: 7, lastEntryModRevision: 0)
        #expect(pipeline.answered(second, refused) == .none)
        pipeline.append(items(1, tag: 3), batch: 3)
        let held = pipeline.nextCommit()
        #expect(held == nil, "nothing new is sent while a refused commit's predecessor is in flight")
        #expect(pipeline.answered(first, committed(30)) == .committed(batches: [1]))
        pipeline.resumeIfSettled()
        #expect(pipeline.startRead() == nil)
        let again = try send(&pipeline)
        #expect(again.base == Fence.Tip(sequence: 5, modRevision: 30))
        #expect(try parts(again) == parts(second) + items(1, tag: 3).map(\.part))
        #expect(again.puts.first?.key == layout.entryKey(6))
        #expect(pipeline.answered(again, committed(32)) == .committed(batches: [2, 3]))
    }

    @Test(
        "on the empty log a refused first commit is not taken for a pipelined one: the log is read before anything is sent again"
    )
    func refusedFirstCommitOnTheEmptyLogIsRead() throws {
        var pipeline = pipeline()
        pipeline.append(items(3), batch: 1)
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
        #expect(held == nil, "nothing is sent while the read is due")
    }

    @Test("an entry stays under etcd's request bytes; the next commit takes the rest")
    func entriesSplitByBytes() throws {
        var pipeline = pipeline()
        let big = Fence.maximumCommitBytes / 3
        pipeline.append(items(3, size: big), batch: 1)
        let first = try send(&pipeline)
        #expect(try parts(first).count == 2)
        #expect(first.puts[0].value.count <= Fence.maximumCommitBytes)
        let rest = try send(&pipeline)
        #expect(try parts(rest).count == 1)
        #expect(pipeline.answered(first, committed(5)) == .committed(batches: []))
        #expect(pipeline.answered(rest, committed(6)) == .committed(batches: [1]))
    }

    @Test("fenced: the election key is gone or newer; nothing more is built or released")
    func fencedStopsEverything() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(items(3), batch: 1)
        let commit = try send(&pipeline)
        let answer = Fence.Answer(
            succeeded: false, revision: 30, electionCreateRevision: 12, lastEntryModRevision: 9)
        #expect(pipeline.answered(commit, answer) == .fenced)
        #expect(pipeline.isFenced)
        pipeline.append(items(1), batch: 2)
        let none = pipeline.nextCommit()
        #expect(none == nil)
    }

    @Test(
        "a failed call: once the rest answered the log is read, and the failed commit's own entry found there counts as committed"
    )
    func lostAnswerIsReconciled() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(items(3), batch: 1)
        let first = try send(&pipeline)
        pipeline.append(items(1, tag: 2), batch: 2)
        let second = try send(&pipeline)
        pipeline.failed(first)
        #expect(pipeline.startRead() == nil, "no read while a commit is in flight")
        let held = pipeline.nextCommit()
        #expect(held == nil)
        // The second was built on the first's entry, which did not exist when it arrived.
        let refused = Fence.Answer(
            succeeded: false, revision: 40, electionCreateRevision: 7, lastEntryModRevision: 0)
        #expect(pipeline.answered(second, refused) == .none)
        #expect(pipeline.startRead() == 4)
        let found = [(value: first.puts[0].value, modRevision: Int64(33))]
        #expect(pipeline.reconcile(found: found) == .committed(batches: [1]))
        #expect(pipeline.tip == Fence.Tip(sequence: 5, modRevision: 33))
        let again = try send(&pipeline)
        #expect(try again.base == Fence.Tip(sequence: 5, modRevision: 33) && parts(again).count == 1)
    }

    @Test("entries in the log that this replica did not write mean the role is lost")
    func foreignEntriesFence() throws {
        for foreign in [[9, 9, 9], QuorumEntry.value(of: items(2, tag: 5), epoch: 3)] {
            var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
            pipeline.append(items(2), batch: 1)
            let sent = try send(&pipeline)
            let conflict = Fence.Answer(
                succeeded: false, revision: 40, electionCreateRevision: 7, lastEntryModRevision: 11)
            #expect(pipeline.answered(sent, conflict) == .none)
            #expect(pipeline.startRead() == 4)
            #expect(pipeline.reconcile(found: [(value: foreign, modRevision: 11)]) == .fenced)
            #expect(pipeline.isFenced)
        }
    }

    @Test("an item alone over the byte limit is never sent")
    func oversizedItemIsHeld() {
        var pipeline = pipeline()
        pipeline.append(items(1, size: Fence.maximumCommitBytes), batch: 1)
        #expect(pipeline.oversized)
        let none = pipeline.nextCommit()
        #expect(none == nil)
    }
}
