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
        let entry = LogMessage(
            epoch: 12, activeLastSequence: updates[2].sequence, updates: updates, rejections: [refusal])
        let read = try QuorumEntry.decode(entry.entryValue)
        #expect(read == entry && read.itemCount == 4)
        // Stored as a Zstandard frame; the same message as a plain pack (earlier releases)
        // reads the same.
        #expect(entry.entryValue.starts(with: [0x28, 0xB5, 0x2F, 0xFD]))
        #expect(try QuorumEntry.decode(FramePack.pack(entry.parts)) == read)
        // The pipeline's packing of items holds the same bytes as the codec's.
        let items = QuorumEntry.items(updates: updates, rejections: [refusal], audit: [])
        #expect(QuorumEntry.value(of: items, epoch: 12) == entry.entryValue)
        #expect(QuorumEntry.itemParts(of: entry.entryValue) == items.map(\.part))
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
        let entry = LogMessage(
            epoch: 12, activeLastSequence: updates[1].sequence, updates: updates, rejections: [refusal],
            audit: [first, second])
        let read = try QuorumEntry.decode(entry.entryValue)
        #expect(read == entry && read.itemCount == 5)
        #expect(read.audit.map(\.hash) == [first.hash, second.hash])
        #expect(read.audit.allSatisfy { $0.computedHash == $0.hash })
        let items = QuorumEntry.items(updates: updates, rejections: [refusal], audit: [first, second])
        #expect(QuorumEntry.value(of: items, epoch: 12) == entry.entryValue)
        // `first` is not the row an accepted report makes: it travels alone, before the Updates
        // in chain order, at the sequence before them.
        #expect(items.map { $0.part[0] } == Array("AAUUR".utf8))
        #expect(
            items.map(\.sequence) == [updates[0].sequence - 1, updates[0].sequence - 1]
                + updates.map(\.sequence) + [updates[1].sequence])
        // An entry of audit rows alone (deliveries, a takeover) is an entry too.
        let alone = LogMessage(epoch: 12, activeLastSequence: 5, updates: [], rejections: [], audit: [second])
        #expect(try QuorumEntry.decode(alone.entryValue).audit == [second])
    }

    /// The chain a batch writes: a waiting row, then each report's accepted row (and an extra
    /// row after the second), then a refusal's row.
    func batchChain(_ updates: [Update], refusal: RejectionRecord) -> [AuditRecord] {
        let at: Int64 = 1_552_902_300_000
        var events = [AuditEvent(at: at - 5, kind: .delivered, actor: "VR10", detail: ["applied": 3])]
        for (index, update) in updates.enumerated() {
            events.append(.accepted(update, at: at))
            if index == 1 {
                events.append(
                    AuditEvent(
                        at: at, kind: .acknowledged, actor: "VR09", person: "j.jansen",
                        subject: update.report.id.rawValue))
            }
        }
        events.append(
            AuditEvent(
                at: at, kind: .refused, actor: "VR09", subject: refusal.rejection.reportID.rawValue, code: 4))
        var rows: [AuditRecord] = []
        for event in events {
            rows.append(
                AuditRecord(
                    seq: UInt64(41 + rows.count), epoch: 12, logSequence: updates.last!.sequence,
                    event: event,
                    previousHash: rows.last?.hash ?? Array(repeating: 7, count: 32)))
        }
        return rows
    }

    @Test(
        "an accepted report's audit row travels inside its Update, in chain order, and comes back hash for hash"
    )
    func acceptedRowsRideWithTheirUpdates() throws {
        let node = try MirrorFixtures.node(Network())
        let updates = node.accepted.prefix(4).map(\.update)
        let refusal = record(updates[0], after: updates[3].sequence)
        let chain = batchChain(updates, refusal: refusal)
        let items = QuorumEntry.items(updates: updates, rejections: [refusal], audit: chain)
        // The waiting row alone; four Updates with their rows, the extra row after the second;
        // the refusal's row; the refusal.
        #expect(items.map { $0.part[0] } == Array("AVVAVVAR".utf8))
        let entry = LogMessage(
            epoch: 12, activeLastSequence: updates[3].sequence, updates: updates, rejections: [refusal],
            audit: chain)
        let read = try QuorumEntry.decode(entry.entryValue)
        #expect(read == entry)
        #expect(read.audit.allSatisfy { $0.computedHash == $0.hash })
        // An accepted row costs its place in the chain, not its fields again.
        let alone = QuorumEntry.items(updates: [], rejections: [], audit: [chain[1]])[0].part.count
        let inside =
            items[1].part.count
            - QuorumEntry.items(updates: [updates[0]], rejections: [], audit: [])[0]
            .part.count
        #expect(inside < alone / 2, "\(inside) bytes inside the Update, \(alone) alone")
        // Cut anywhere (the pipeline fills entries by bytes), every piece holds a run of the
        // chain in order, and each accepted row its own Update.
        for cut in 1..<items.count {
            let pieces = [items[..<cut], items[cut...]].map {
                try? QuorumEntry.decode(QuorumEntry.value(of: $0, epoch: 12))
            }
            #expect(pieces.compactMap { $0?.audit }.flatMap { $0 } == chain)
            #expect(pieces.compactMap { $0?.updates }.flatMap { $0 } == updates)
        }
    }

    @Test("a row that is not exactly what its Update says travels whole, so nothing is rebuilt wrongly")
    func otherRowsTravelWhole() throws {
        let node = try MirrorFixtures.node(Network())
        let update = node.accepted[0].update
        var event = AuditEvent.accepted(update, at: 1_552_902_300_000)
        event.person = "someone else"
        let row = AuditRecord(
            seq: 1, epoch: 12, logSequence: update.sequence, event: event, previousHash: AuditRecord.genesis)
        let items = QuorumEntry.items(updates: [update], rejections: [], audit: [row])
        #expect(items.map { $0.part[0] } == Array("AU".utf8))
        #expect(try QuorumEntry.decode(QuorumEntry.value(of: items, epoch: 12)).audit == [row])
    }

    @Test("an entry of one item, as every commit wrote before one entry per commit, stays readable")
    func oneItemEntries() throws {
        let node = try MirrorFixtures.node(Network())
        let update = node.accepted[2].update
        let old = LogMessage(
            epoch: update.epoch, activeLastSequence: update.sequence, updates: [update],
            rejections: [])
        let read = try QuorumEntry.decode(FramePack.pack(old.parts))
        #expect(read.updates == [update] && read.rejections.isEmpty)
        let refusal = record(update, after: 3)
        let oldRefusal = LogMessage(
            epoch: 12, activeLastSequence: 3, updates: [], rejections: [refusal])
        #expect(try QuorumEntry.decode(FramePack.pack(oldRefusal.parts)).rejections == [refusal])
    }

    @Test("a value that is no REPLICATE of at least one item is refused, never half applied")
    func otherValuesAreRefused() throws {
        let empty = LogMessage(
            epoch: 1, activeLastSequence: 2, updates: [], rejections: [])
        #expect(throws: Problem.self) { try QuorumEntry.decode(FramePack.pack(empty.parts)) }
        #expect(throws: Problem.self) { try QuorumEntry.decode(Array("not an entry".utf8)) }
        let node = try MirrorFixtures.node(Network())
        var otherCommand = LogMessage(
            epoch: 1, activeLastSequence: 3, updates: [],
            rejections: [record(node.accepted[2].update, after: 3)]
        ).parts
        otherCommand[1] = Array("FENCED".utf8)
        #expect(throws: Problem.self) { try QuorumEntry.decode(FramePack.pack(otherCommand)) }
        #expect(QuorumEntry.itemParts(of: [9, 9, 9]) == nil)
    }
}
