import KnooppuntCore
import Testing

@testable import KnooppuntNode

/// Where the active's store surely agrees with etcd: the last released batch's last entry and
/// the revision that wrote it (saved as the store's point; the log before it may be trimmed).
@Suite("Quorum pipeline: the released point")
struct QuorumPipelineReleaseTests {
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

    func entries(_ count: Int, tag: UInt8) -> [[UInt8]] { (0..<count).map { [tag, UInt8($0)] } }

    func committed(_ revision: Int64) -> Fence.Answer {
        Fence.Answer(succeeded: true, revision: revision, electionCreateRevision: 0, lastEntryModRevision: 0)
    }

    @Test("a batch split over two commits is released by the second, at its revision; nothing before")
    func releasedAfterTheLastCommitOfABatch() throws {
        var pipeline = pipeline()
        pipeline.append(entries(100, tag: 1), batch: 1)
        pipeline.append(entries(100, tag: 2), batch: 2)
        let commit1 = try send(&pipeline)
        let commit2 = try send(&pipeline)
        #expect(pipeline.released == nil)
        _ = pipeline.answered(commit1, committed(20))
        #expect(pipeline.released?.index == 100 && pipeline.released?.revision == 20)
        _ = pipeline.answered(commit2, committed(21))
        #expect(pipeline.released?.index == 200 && pipeline.released?.revision == 21)
    }

    @Test("after a lost answer the entries found tell each released batch's revision")
    func releasedFromReconciledEntries() throws {
        var pipeline = pipeline(tip: Fence.Tip(sequence: 4, modRevision: 9))
        pipeline.append(entries(2, tag: 1), batch: 1)
        pipeline.append(entries(1, tag: 2), batch: 2)
        let commit3 = try send(&pipeline)
        pipeline.failed(commit3)
        #expect(pipeline.startRead() == 4)
        let found = (entries(2, tag: 1) + entries(1, tag: 2)).enumerated().map {
            (value: $1, modRevision: Int64(30 + $0))
        }
        let outcome = pipeline.reconcile(found: Array(found.prefix(2)))
        #expect(outcome == .committed(batches: [1]))
        #expect(pipeline.released?.index == 6 && pipeline.released?.revision == 31)
    }
}
