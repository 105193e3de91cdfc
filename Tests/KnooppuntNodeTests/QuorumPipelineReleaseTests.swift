import KnooppuntCore
import Testing

@testable import KnooppuntNode

/// Where the active's store surely agrees with etcd: the entry holding the last released
/// batch's last item, the revision that wrote it and the report sequence at its end (saved as
/// the store's point; the log before it may be trimmed).
@Suite("Quorum pipeline: the released point")
struct QuorumPipelineReleaseTests {
    let layout = Fence.Layout(network: "NL")

    /// The next commit, which must be built.
    func send(_ pipeline: inout QuorumPipeline) throws -> Fence.Commit {
        let commit = pipeline.nextCommit()
        return try #require(commit)
    }

    func pipeline(tip: Fence.Tip = .empty, itemsPerEntry: Int = 128) -> QuorumPipeline {
        QuorumPipeline(
            fence: Fence(layout: layout, electionKey: "/knooppunt/NL/active/1", epoch: 7, tip: tip),
            maximumInFlight: 4, maximumItemsPerEntry: itemsPerEntry)
    }

    /// Items with report sequences from `first` on.
    func items(_ count: Int, tag: UInt8, first: UInt64) -> [QuorumEntry.Item] {
        (0..<count).map { QuorumEntry.Item(part: [tag, UInt8($0)], sequence: first + UInt64($0)) }
    }

    func committed(_ revision: Int64) -> Fence.Answer {
        Fence.Answer(succeeded: true, revision: revision, electionCreateRevision: 0, lastEntryModRevision: 0)
    }

    @Test(
        "a batch split over two entries is released by the second, at its revision; the point's sequence is its entry's end"
    )
    func releasedAfterTheLastEntryOfABatch() throws {
        var pipeline = pipeline()
        pipeline.append(items(100, tag: 1, first: 1), batch: 1)
        pipeline.append(items(100, tag: 2, first: 101), batch: 2)
        let commit1 = try send(&pipeline)
        let commit2 = try send(&pipeline)
        #expect(pipeline.released == nil)
        _ = pipeline.answered(commit1, committed(20))
        // Entry 1 holds batch 1 and 28 items of batch 2: the store holds them all.
        #expect(pipeline.released?.index == 1 && pipeline.released?.revision == 20)
        #expect(pipeline.released?.sequence == 128)
        _ = pipeline.answered(commit2, committed(21))
        #expect(pipeline.released?.index == 2 && pipeline.released?.revision == 21)
        #expect(pipeline.released?.sequence == 200)
    }

    @Test("after a lost answer the entries found tell each released batch's revision")
    func releasedFromReconciledEntries() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9), itemsPerEntry: 2)
        pipeline.append(items(2, tag: 1, first: 8), batch: 1)
        pipeline.append(items(1, tag: 2, first: 10), batch: 2)
        let commit5 = try send(&pipeline)
        let commit6 = try send(&pipeline)
        pipeline.failed(commit5)
        pipeline.failed(commit6)
        #expect(pipeline.startRead() == 4)
        let outcome = pipeline.reconcile(found: [(value: commit5.puts[0].value, modRevision: 30)])
        #expect(outcome == .committed(batches: [1]))
        #expect(pipeline.released?.index == 5 && pipeline.released?.revision == 30)
        #expect(pipeline.released?.sequence == 9)
        // The rest goes again, in the entry after.
        let again = try send(&pipeline)
        #expect(
            again.puts.first?.key == layout.entryKey(6) && again.puts.first?.value == commit6.puts[0].value)
    }
}
