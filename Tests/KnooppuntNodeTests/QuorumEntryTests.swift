import FramePacking
import KnooppuntProtocol
import KnooppuntTestSupport
import Testing

@testable import KnooppuntNode

/// A log entry in etcd carries exactly what a follower needs to reach the active's store:
/// one commit's batch of updates and refusals.
@Suite("Quorum log entries")
struct QuorumEntryTests {
    func record(_ update: Update, after: UInt64) -> RejectionRecord {
        RejectionRecord(
            rejection: Rejection(
                reportID: update.report.id, origin: update.report.origin, originSeq: 9,
                problem: Problem(.unknownValue, field: "type", "no such type")),
            epoch: 12, afterSequence: after, at: 1_552_902_300_000)
    }

    @Test("a batch of updates and refusals comes back from one log entry as it went in")
    func batchRoundTrip() throws {
        let node = try MirrorFixtures.node(Network())
        let updates = node.accepted.prefix(3).map(\.update)
        let refusal = record(updates[0], after: updates[2].sequence)
        let entry = QuorumEntry(
            epoch: 12, lastSequence: updates[2].sequence, updates: updates, rejections: [refusal])
        let read = try QuorumEntry(value: entry.value)
        #expect(read == entry && read.count == 4)
        // The pipeline's packing of items holds the same bytes as the codec's.
        let items = updates.map(QuorumEntry.Item.init) + [QuorumEntry.Item(refusal)]
        #expect(QuorumEntry.value(of: items, epoch: 12) == entry.value)
        #expect(QuorumEntry.itemParts(of: entry.value) == items.map(\.part))
        #expect(items.last?.sequence == updates[2].sequence)
    }

    @Test(
        "audit rows travel in the entry after its reports and refusals, hash for hash, so a follower's chain is the active's"
    )
    func auditRowsRoundTrip() throws {
        let node = try MirrorFixtures.node(Network())
        let updates = node.accepted.prefix(2).map(\.update)
        let refusal = record(updates[0], after: updates[1].sequence)
        let first = AuditRecord(
            seq: 41, epoch: 12, logSequence: updates[1].sequence,
            event: AuditEvent(
                at: 1_552_902_300_000, kind: .accepted, actor: "VR09", person: "j.jansen",
                subject: updates[1].report.id.rawValue, detail: ["seq": .integer(Int64(updates[1].sequence))]),
            previousHash: Array(repeating: 7, count: 32))
        let second = AuditRecord(
            seq: 42, epoch: 12, logSequence: updates[1].sequence,
            event: AuditEvent(at: 1_552_902_300_001, kind: .delivered, actor: "VR10", detail: ["applied": 3]),
            previousHash: first.hash)
        let entry = QuorumEntry(
            epoch: 12, lastSequence: updates[1].sequence, updates: updates, rejections: [refusal],
            audit: [first, second])
        let read = try QuorumEntry(value: entry.value)
        #expect(read == entry && read.count == 5)
        #expect(read.audit.map(\.hash) == [first.hash, second.hash])
        #expect(read.audit.allSatisfy { $0.computedHash == $0.hash })
        let items =
            updates.map(QuorumEntry.Item.init) + [QuorumEntry.Item(refusal)]
            + [first, second].map(QuorumEntry.Item.init)
        #expect(QuorumEntry.value(of: items, epoch: 12) == entry.value)
        #expect(items.last?.sequence == updates[1].sequence)
        // An entry of audit rows alone (deliveries, a takeover) is an entry too.
        let alone = QuorumEntry(epoch: 12, lastSequence: 5, updates: [], rejections: [], audit: [second])
        #expect(try QuorumEntry(value: alone.value).audit == [second])
    }

    @Test("an entry of one item, as every commit wrote before one entry per commit, stays readable")
    func oneItemEntries() throws {
        let node = try MirrorFixtures.node(Network())
        let update = node.accepted[2].update
        let old = PairMessage.replicate(
            epoch: update.epoch, activeLastSequence: update.sequence, batch: 0, updates: [update],
            rejections: [])
        let read = try QuorumEntry(value: FramePack.pack(old.parts))
        #expect(read.updates == [update] && read.rejections.isEmpty)
        let refusal = record(update, after: 3)
        let oldRefusal = PairMessage.replicate(
            epoch: 12, activeLastSequence: 3, batch: 0, updates: [], rejections: [refusal])
        #expect(try QuorumEntry(value: FramePack.pack(oldRefusal.parts)).rejections == [refusal])
    }

    @Test("a value that is no REPLICATE of at least one item is refused, never half applied")
    func otherValuesAreRefused() throws {
        let empty = PairMessage.replicate(
            epoch: 1, activeLastSequence: 2, batch: 0, updates: [], rejections: [])
        #expect(throws: Problem.self) { try QuorumEntry(value: FramePack.pack(empty.parts)) }
        #expect(throws: Problem.self) { try QuorumEntry(value: Array("not an entry".utf8)) }
        #expect(throws: Problem.self) {
            try QuorumEntry(value: FramePack.pack(PairMessage.fenced(epoch: 3).parts))
        }
        #expect(QuorumEntry.itemParts(of: [9, 9, 9]) == nil)
    }
}
