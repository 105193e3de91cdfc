import KnooppuntCore
import Testing

@testable import KnooppuntNode

/// The active replica's commit decisions without etcd: which entries go in a commit, when a
/// batch may be acknowledged, and what a fenced, conflicting or lost answer leads to.
@Suite("Quorum pipeline")
struct QuorumPipelineTests {
    let layout = Fence.Layout(network: "NL")

    func pipeline(tip: Fence.Tip = .empty) -> QuorumPipeline {
        QuorumPipeline(
            fence: Fence(layout: layout, electionKey: "/knooppunt/NL/active/1", epoch: 7, tip: tip))
    }

    func entries(_ count: Int, size: Int = 10, tag: UInt8 = 0) -> [[UInt8]] {
        (0..<count).map { [tag, UInt8($0 % 256)] + [UInt8](repeating: 1, count: size) }
    }

    func committed(_ revision: Int64) -> Fence.Answer {
        Fence.Answer(succeeded: true, revision: revision, electionCreateRevision: 0, lastEntryModRevision: 0)
    }

    @Test("one commit in flight at a time; a batch is released only when all its entries are committed")
    func batchesWaitForAllTheirEntries() throws {
        var pipeline = pipeline()
        pipeline.append(entries(100), batch: 1)
        pipeline.append(entries(100), batch: 2)
        let built = pipeline.nextCommit()
        let first = try #require(built)
        #expect(first.puts.count == Fence.maximumEntriesPerCommit)
        #expect(first.puts.first?.key == layout.entryKey(1))
        let second0 = pipeline.nextCommit()
        #expect(second0 == nil, "a second commit while one is in flight")
        let outcome1 = pipeline.answered(committed(20))

        #expect(outcome1 == .committed(batches: [1]))
        #expect(pipeline.tip == Fence.Tip(sequence: 128, modRevision: 20))
        let built2 = pipeline.nextCommit()
        let second = try #require(built2)
        #expect(second.puts.count == 72)
        #expect(second.base == Fence.Tip(sequence: 128, modRevision: 20))
        let outcome2 = pipeline.answered(committed(21))

        #expect(outcome2 == .committed(batches: [2]))
        let none = pipeline.nextCommit()
        #expect(none == nil)
        #expect(pipeline.waiting.isEmpty)
    }

    @Test("a commit stays under etcd's request bytes; the next one takes the rest")
    func commitsSplitByBytes() throws {
        var pipeline = pipeline()
        let big = Fence.maximumCommitBytes / 3 + 1
        pipeline.append(entries(3, size: big), batch: 1)
        let built = pipeline.nextCommit()
        let first = try #require(built)
        #expect(first.puts.count == 2)
        let outcome3 = pipeline.answered(committed(5))

        #expect(outcome3 == .committed(batches: []))
        let rest = pipeline.nextCommit()
        #expect(rest?.puts.count == 1)
        let outcome4 = pipeline.answered(committed(6))

        #expect(outcome4 == .committed(batches: [1]))
    }

    @Test("fenced: the election key is gone or newer; nothing more is built or released")
    func fencedStopsEverything() {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(entries(3), batch: 1)
        _ = pipeline.nextCommit()
        let answer = Fence.Answer(
            succeeded: false, revision: 30, electionCreateRevision: 12, lastEntryModRevision: 9)
        let outcome5 = pipeline.answered(answer)

        #expect(outcome5 == .fenced)
        #expect(pipeline.isFenced)
        pipeline.append(entries(1), batch: 2)
        let none = pipeline.nextCommit()
        #expect(none == nil)
    }

    @Test("a failed call is sent again the same; its conflict finds its own entries committed")
    func lostAnswerIsReconciled() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        let batch = entries(3)
        pipeline.append(batch, batch: 1)
        let built = pipeline.nextCommit()
        let first = try #require(built)
        pipeline.failed()
        let retried = pipeline.nextCommit()
        let again = try #require(retried)
        #expect(again == first, "a retry must be the same transaction")
        let conflict = Fence.Answer(
            succeeded: false, revision: 40, electionCreateRevision: 7, lastEntryModRevision: 9)
        let outcome6 = pipeline.answered(conflict)

        #expect(outcome6 == .conflict(after: Fence.Tip(sequence: 4, modRevision: 9)))
        let found = batch.map { (value: $0, modRevision: Int64(33)) }
        let outcome7 = pipeline.reconcile(found: found)

        #expect(outcome7 == .committed(batches: [1]))
        #expect(pipeline.tip == Fence.Tip(sequence: 7, modRevision: 33))
    }

    @Test("entries in the log that this replica did not write mean the role is lost")
    func foreignEntriesFence() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(entries(2), batch: 1)
        let sent = pipeline.nextCommit()
        #expect(sent != nil)
        let conflict = Fence.Answer(
            succeeded: false, revision: 40, electionCreateRevision: 7, lastEntryModRevision: 11)
        _ = pipeline.answered(conflict)
        let outcome8 = pipeline.reconcile(found: [(value: [9, 9, 9], modRevision: 11)])

        #expect(outcome8 == .fenced)
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
