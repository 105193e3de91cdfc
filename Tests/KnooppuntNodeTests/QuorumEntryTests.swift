import FramePacking
import KnooppuntProtocol
import KnooppuntTestSupport
import Testing

@testable import KnooppuntNode

/// A log entry in etcd carries exactly what a follower needs to reach the active's store.
@Suite("Quorum log entries")
struct QuorumEntryTests {
    @Test("an Update and a refusal come back from a log entry as they went in")
    func entriesRoundTrip() throws {
        let node = try MirrorFixtures.node(Network())
        let update = node.accepted[2].update
        #expect(try QuorumEntry(value: QuorumEntry.update(update).value) == .update(update))
        let record = RejectionRecord(
            rejection: Rejection(
                reportID: update.report.id, origin: update.report.origin, originSeq: 9,
                problem: Problem(.unknownValue, field: "type", "no such type")),
            epoch: 12, afterSequence: 3, at: 1_552_902_300_000)
        #expect(try QuorumEntry(value: QuorumEntry.rejection(record).value) == .rejection(record))
    }

    @Test("a value that is not exactly one item is refused, never half applied")
    func otherValuesAreRefused() throws {
        let node = try MirrorFixtures.node(Network())
        let two = PairMessage.replicate(
            epoch: 1, activeLastSequence: 2, batch: 0,
            updates: [node.accepted[0].update, node.accepted[1].update],
            rejections: [])
        #expect(throws: Problem.self) { try QuorumEntry(value: FramePack.pack(two.parts)) }
        #expect(throws: Problem.self) { try QuorumEntry(value: Array("not an entry".utf8)) }
        #expect(throws: Problem.self) {
            try QuorumEntry(value: FramePack.pack(PairMessage.fenced(epoch: 3).parts))
        }
    }
}
