import Foundation
import GRDB
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntTestSupport
import StrictJSON
import Testing

/// The node's audit log as `knooppunt audit verify` reads it: a store written by the node,
/// then edited behind its back the way someone with file access would.
@Suite("Audit log: hash chain and signed checkpoints")
struct AuditLogTests {
    static let rows = 12

    /// A node store holding `rows` audit rows, with checkpoints signed at rows 6 and 12.
    static func store(in folder: borrowing TemporaryFolder, key: SigningKey) throws -> String {
        let path = folder.path("store.sqlite")
        let store = try NodeStore(path: path)
        for batch in 0..<2 {
            let events = (1...rows / 2).map { n in
                AuditEvent(
                    at: 1_552_902_300_000 + Int64(batch * 100 + n),
                    kind: n.isMultiple(of: 3) ? .refused : .accepted,
                    actor: "VR09", person: "Informatiemanager ROT", subject: "report-\(batch)-\(n)",
                    code: n.isMultiple(of: 3) ? 301 : 0, detail: ["seq": .integer(Int64(batch * 6 + n))])
            }
            let records = try store.appendAudit(events, epoch: 1, logSequence: SequenceNumber(batch * 6))
            let head = try #require(records.last)
            try store.saveCheckpoint(
                AuditCheckpoint(seq: head.seq, headHash: head.hash, epoch: 1, at: head.event.at, key: key))
        }
        #expect(store.auditHead.seq == UInt64(rows))
        return path
    }

    static func verify(_ path: String, key: VerifyingKey) throws -> AuditVerifier.Report {
        let reader = try AuditReader(nodeStorePath: path)
        let checkpoints = try reader.checkpoints().map { AuditVerifier.SourcedCheckpoint($0, source: "node") }
        return AuditVerifier(key: key).verify(try reader.records(), checkpoints: checkpoints)
    }

    static func edit(_ path: String, _ sql: String, _ arguments: StatementArguments = []) throws {
        let db = try DatabaseQueue(path: path)
        try db.write { try $0.execute(sql: sql, arguments: arguments) }
        try db.close()
    }

    @Test("an untouched log verifies: every row links, both checkpoints match")
    func intact() throws {
        let folder = try TemporaryFolder()
        let key = SigningKey.generate()
        let path = try Self.store(in: folder, key: key)
        let report = try Self.verify(path, key: key.publicKey)
        #expect(report.intact, "\(report.problems)")
        #expect(report.rows == Self.rows)
        #expect(report.checkpointsVerified == 2)
    }

    @Test("an SQL UPDATE of one field is detected at that row")
    func editedField() throws {
        let folder = try TemporaryFolder()
        let key = SigningKey.generate()
        let path = try Self.store(in: folder, key: key)
        try Self.edit(path, "UPDATE audit SET actor = 'VR10' WHERE seq = 4")
        let report = try Self.verify(path, key: key.publicKey)
        #expect(!report.intact)
        #expect(report.problems.first?.contains("row 4") == true)
    }

    @Test("a deleted middle row is detected")
    func deletedRow() throws {
        let folder = try TemporaryFolder()
        let key = SigningKey.generate()
        let path = try Self.store(in: folder, key: key)
        try Self.edit(path, "DELETE FROM audit WHERE seq = 5")
        let report = try Self.verify(path, key: key.publicKey)
        #expect(!report.intact)
        #expect(report.problems.contains { $0.contains("rows 5…5 are missing") })
    }

    @Test("a cut tail is detected by the checkpoint that vouches for the rows removed")
    func cutTail() throws {
        let folder = try TemporaryFolder()
        let key = SigningKey.generate()
        let path = try Self.store(in: folder, key: key)
        try Self.edit(path, "DELETE FROM audit WHERE seq > 9")
        let report = try Self.verify(path, key: key.publicKey)
        #expect(!report.intact)
        #expect(report.problems.contains { $0.contains("rows are missing at the end") })
    }

    @Test("a chain recomputed from an edit onwards links again, but disagrees with what the node signed")
    func recomputedChain() throws {
        let folder = try TemporaryFolder()
        let key = SigningKey.generate()
        let path = try Self.store(in: folder, key: key)
        // Rewrite row 3 and recompute every hash from there, as an attacker with the code would.
        var records = try AuditReader(nodeStorePath: path).records()
        var previous = records[1].hash
        for index in 2..<records.count {
            var event = records[index].event
            if index == 2 { event.actor = "VR10" }
            let record = AuditRecord(
                seq: records[index].seq, epoch: records[index].epoch, logSequence: records[index].logSequence,
                event: event, previousHash: previous)
            records[index] = record
            previous = record.hash
        }
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            for record in records.dropFirst(2) {
                try db.execute(
                    sql: "UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    arguments: [
                        record.event.actor, Data(record.previousHash), Data(record.hash), Int64(record.seq),
                    ])
            }
        }
        try db.close()
        let report = try Self.verify(path, key: key.publicKey)
        // The chain itself is consistent again: only the signed checkpoints reveal the rewrite.
        #expect(!report.intact)
        #expect(report.problems.allSatisfy { $0.contains("the chain was rewritten") }, "\(report.problems)")
        #expect(report.problems.count == 2)
    }

    /// Rows 1…`upTo` of a chain: `shared` rows in epoch 1, then the rest in `epoch`, each event
    /// naming `writer` (so two chains that fork after `shared` differ from there on).
    static func chain(shared: Int, upTo: Int, epoch: Epoch, writer: String) -> [AuditRecord] {
        var records: [AuditRecord] = []
        var previous = AuditRecord.genesis
        for n in 1...upTo {
            let event = AuditEvent(at: Int64(n), kind: .accepted, actor: n <= shared ? "VR09" : writer)
            let record = AuditRecord(
                seq: UInt64(n), epoch: n <= shared ? 1 : epoch, logSequence: SequenceNumber(n), event: event,
                previousHash: previous)
            previous = record.hash
            records.append(record)
        }
        return records
    }

    @Test(
        "a failover fork: checkpoints of rows the standby never got are superseded by the later epoch, not a problem"
    )
    func failoverFork() {
        let key = SigningKey.generate()
        func signed(_ records: [AuditRecord], at seq: Int, source: String) -> AuditVerifier.SourcedCheckpoint
        {
            let row = records[seq - 1]
            return AuditVerifier.SourcedCheckpoint(
                AuditCheckpoint(seq: row.seq, headHash: row.hash, epoch: row.epoch, at: 0, key: key),
                source: source)
        }
        // The old active wrote rows 7 and 8 in epoch 1 and signed them; the standby had row 6.
        let old = Self.chain(shared: 6, upTo: 8, epoch: 1, writer: "old active")
        // The new active continued from row 6 in epoch 2.
        let new = Self.chain(shared: 6, upTo: 10, epoch: 2, writer: "new active")
        let before = [signed(old, at: 6, source: "VR09"), signed(old, at: 8, source: "VR10")]

        let report = AuditVerifier(key: key.publicKey).verify(
            new, checkpoints: before + [signed(new, at: 10, source: "VR09")])
        #expect(report.intact, "\(report.problems)")
        #expect(report.superseded == 1)
        #expect(report.checkpointsVerified == 2)

        // Without a checkpoint the node signed in the later epoch nothing vouches for rows 7…: a
        // chain rewritten with a made-up later epoch is still a rewrite.
        let unvouched = AuditVerifier(key: key.publicKey).verify(new, checkpoints: before)
        #expect(!unvouched.intact)
        #expect(unvouched.problems.first?.contains("the chain was rewritten") == true)
        // An old checkpoint beyond the new chain's end, after the later epoch vouched for it.
        let short = Array(new.prefix(7))
        let beyond = AuditVerifier(key: key.publicKey).verify(
            short, checkpoints: before + [signed(new, at: 7, source: "VR09")])
        #expect(beyond.intact, "\(beyond.problems)")
    }

    @Test("a checkpoint not signed by the node's audit key does not vouch for anything")
    func foreignCheckpoint() throws {
        let folder = try TemporaryFolder()
        let key = SigningKey.generate()
        let path = try Self.store(in: folder, key: key)
        let report = try Self.verify(path, key: SigningKey.generate().publicKey)
        #expect(report.checkpointsVerified == 0)
        #expect(report.problems.count == 2)
        #expect(report.problems.allSatisfy { $0.contains("not signed by the node's audit key") })
    }

    @Test("the standby's copy: rows that follow on the head are kept, a forged or gapped row is not")
    func standbyCopy() throws {
        let folder = try TemporaryFolder()
        let key = SigningKey.generate()
        let records = try AuditReader(nodeStorePath: Self.store(in: folder, key: key)).records()
        let standby = try NodeStore(path: folder.path("standby.sqlite"))

        #expect(try standby.appendAuditCopies(Array(records[0..<4])) == 4)
        // A gap (rows 5 and 6 missing) is not appended: the standby asks again from row 5.
        #expect(try standby.appendAuditCopies(Array(records[6..<8])) == 0)
        // A row whose content does not match its hash is not appended.
        var forged = records[4].event
        forged.actor = "VR10"
        let bad = AuditRecord(
            seq: 5, epoch: 1, logSequence: records[4].logSequence, event: forged,
            previousHash: records[4].previousHash, storedHash: records[4].hash)
        #expect(try standby.appendAuditCopies([bad]) == 0)
        // Repeats are skipped, the rest follows on.
        #expect(try standby.appendAuditCopies(Array(records[2...])) == Self.rows - 4)
        #expect(standby.auditHead.seq == UInt64(Self.rows))
        #expect(standby.auditHead.hash == records.last?.hash)

    }

    @Test("audit rows written with a batch survive a reopen and continue the chain")
    func reopen() throws {
        let folder = try TemporaryFolder()
        let key = SigningKey.generate()
        let path = try Self.store(in: folder, key: key)
        let reopened = try NodeStore(path: path)
        #expect(reopened.auditHead.seq == UInt64(Self.rows))
        try reopened.appendAudit(
            [AuditEvent(at: 1, kind: .nodeActive, actor: "node")], epoch: 2, logSequence: 12)
        let report = try Self.verify(path, key: key.publicKey)
        #expect(report.intact, "\(report.problems)")
        #expect(report.rows == Self.rows + 1)
    }
}
