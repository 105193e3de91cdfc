import Foundation
import GRDB
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

extension NodeStore {
    static let auditSchema = """
        CREATE TABLE audit(
            seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, epoch INTEGER NOT NULL, log_seq INTEGER NOT NULL,
            kind TEXT NOT NULL, actor TEXT NOT NULL, person TEXT NOT NULL, subject TEXT NOT NULL,
            code INTEGER NOT NULL, detail TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);
        CREATE TABLE audit_checkpoint(
            seq INTEGER PRIMARY KEY, head_hash BLOB NOT NULL, epoch INTEGER NOT NULL, at INTEGER NOT NULL,
            signature BLOB NOT NULL);
        CREATE TABLE audit_discarded(
            discarded_at INTEGER NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, epoch INTEGER NOT NULL,
            log_seq INTEGER NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, person TEXT NOT NULL,
            subject TEXT NOT NULL, code INTEGER NOT NULL, detail TEXT NOT NULL, prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL);
        """

    func loadAuditHead() throws -> (seq: UInt64, hash: [UInt8]) {
        try db.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            else { return (0, AuditRecord.genesis) }
            return (row["seq"], [UInt8](row["hash"] as Data))
        }
    }

    /// Numbers and chains events after `head`, by default this store's (nothing is written).
    /// The active replica on etcd chains after its rows still on their way to etcd.
    public func chain(
        _ events: [AuditEvent], epoch: Epoch, logSequence: SequenceNumber,
        after head: (seq: UInt64, hash: [UInt8])? = nil
    ) -> [AuditRecord] {
        var records: [AuditRecord] = []
        var (seq, hash) = head ?? auditHead
        for event in events {
            seq += 1
            let record = AuditRecord(
                seq: seq, epoch: epoch, logSequence: logSequence, event: event, previousHash: hash)
            hash = record.hash
            records.append(record)
        }
        return records
    }

    func insertAudit(_ records: [AuditRecord], _ db: Database) throws {
        guard !records.isEmpty else { return }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO audit(seq, at, epoch, log_seq, kind, actor, person, subject, code, detail, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for record in records {
            let event = record.event
            var row = RowInsert(insert)
            row.bind(Int64(clamping: record.seq))
            row.bind(event.at)
            row.bind(Int64(clamping: record.epoch))
            row.bind(Int64(clamping: record.logSequence))
            row.bind(event.kind.rawValue)
            row.bind(event.actor)
            row.bind(event.person)
            row.bind(event.subject)
            row.bind(Int64(event.code))
            row.bind(text: record.canonicalDetail)
            row.bind(blob: record.previousHash)
            row.bind(blob: record.hash)
            try row.run()
        }
    }

    /// Appends events in a transaction of their own (events with no log write to ride on).
    @discardableResult
    public func appendAudit(
        _ events: [AuditEvent], epoch: Epoch, logSequence: SequenceNumber
    ) throws
        -> [AuditRecord]
    {
        try commit(accepted: [], records: [], audit: events, epoch: epoch, logSequence: logSequence)
    }

    /// Rows the active wrote, from etcd's log, in order, each following on our head. Returns
    /// how many were appended; stops at the first row that does not follow.
    /// `chainedHere`: the rows are this node's own, made by ``chain(_:epoch:logSequence:after:)``
    /// (the active on etcd, once etcd committed them), so their hashes are not computed again.
    public func appendAuditCopies(_ records: [AuditRecord], chainedHere: Bool = false) throws -> Int {
        let accepted = auditCopies(following: records, checkingHashes: !chainedHere)
        guard let last = accepted.last else { return 0 }
        try db.write { db in try insertAudit(accepted, db) }
        auditHead = (last.seq, last.hash)
        return accepted.count
    }

    /// Of rows another node wrote, in order: those after this store's head that follow on it,
    /// up to the first that does not (rows held already are skipped).
    public func auditCopies(following records: [AuditRecord], checkingHashes: Bool = true) -> [AuditRecord] {
        var accepted: [AuditRecord] = []
        var head = auditHead
        for record in records where record.seq > head.seq {
            guard record.seq == head.seq + 1, record.previousHash == head.hash,
                !checkingHashes || record.computedHash == record.hash
            else { break }
            accepted.append(record)
            head = (record.seq, record.hash)
        }
        return accepted
    }

    /// Rows from `seq` on, in order, at most `limit`.
    public func auditRecords(from seq: UInt64, limit: Int) throws -> [AuditRecord] {
        try db.read { db in try Self.auditRecords(db, from: seq, limit: limit) }
    }

    public func saveCheckpoint(_ checkpoint: AuditCheckpoint) throws {
        try db.write { db in try Self.insertCheckpoint(checkpoint, db) }
    }

    public func latestCheckpoint() throws -> AuditCheckpoint? {
        try db.read { db in try Self.checkpoints(db, latestOnly: true).first }
    }

    static func insertCheckpoint(_ checkpoint: AuditCheckpoint, _ db: Database) throws {
        try db.execute(
            sql:
                "INSERT OR REPLACE INTO audit_checkpoint(seq, head_hash, epoch, at, signature) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                Int64(clamping: checkpoint.seq), Data(checkpoint.headHash), Int64(clamping: checkpoint.epoch),
                checkpoint.at, Data(checkpoint.signature),
            ])
    }

    static func auditRecords(_ db: Database, from seq: UInt64, limit: Int) throws -> [AuditRecord] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?",
            arguments: [Int64(clamping: seq), limit]
        ).map(auditRecord(from:))
    }

    static func auditRecord(from row: Row) throws -> AuditRecord {
        guard let kind = AuditEvent.Kind(rawValue: row["kind"]) else {
            throw StoreError("audit row \(row["seq"] as Int64): unknown kind \(row["kind"] as String)")
        }
        let detailText: String = row["detail"]
        // A detail that no longer parses is kept as text: the hash check then reports the row.
        let detail = (try? JSONParser.parse(Array(detailText.utf8))) ?? .string(detailText)
        let event = AuditEvent(
            at: row["at"], kind: kind, actor: row["actor"], person: row["person"], subject: row["subject"],
            code: row["code"], detail: detail)
        return AuditRecord(
            seq: row["seq"], epoch: row["epoch"], logSequence: row["log_seq"], event: event,
            previousHash: [UInt8](row["prev_hash"] as Data), storedHash: [UInt8](row["hash"] as Data))
    }

    static func checkpoints(_ db: Database, latestOnly: Bool = false) throws -> [AuditCheckpoint] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM audit_checkpoint ORDER BY seq \(latestOnly ? "DESC LIMIT 1" : "")"
        ).map {
            AuditCheckpoint(
                seq: $0["seq"], headHash: [UInt8]($0["head_hash"] as Data), epoch: $0["epoch"], at: $0["at"],
                signature: [UInt8]($0["signature"] as Data))
        }
    }
}

/// The node's audit log, opened read-only (for `knooppunt audit verify` and `export`, beside a
/// live node or on a copy).
public final class AuditReader {
    let db: DatabaseQueue

    public init(nodeStorePath path: String) throws {
        db = try ReadOnlyDatabase.open(at: path, what: "the node's store")
    }

    /// Every row in seq order, paged by `pageSize` so a long chain is read in bounded steps.
    public func forEachRecord(pageSize: Int = 10_000, _ body: ([AuditRecord]) throws -> Void) throws {
        guard try db.read({ try $0.tableExists("audit") }) else { return }
        var next: UInt64 = 0
        while true {
            let page = try db.read { db in try NodeStore.auditRecords(db, from: next, limit: pageSize) }
            if !page.isEmpty { try body(page) }
            guard page.count == pageSize, let last = page.last else { return }
            next = last.seq + 1
        }
    }

    /// The number of the last row (0 when there is none).
    public func lastSeq() throws -> UInt64 {
        try db.read { db in
            guard try db.tableExists("audit") else { return 0 }
            return UInt64(try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit") ?? 0)
        }
    }

    public func records() throws -> [AuditRecord] {
        var all: [AuditRecord] = []
        try forEachRecord { all += $0 }
        return all
    }

    public func checkpoints() throws -> [AuditCheckpoint] {
        try db.read { db in
            // A store from before the audit log has no table: no checkpoints.
            try db.tableExists("audit_checkpoint") ? try NodeStore.checkpoints(db) : []
        }
    }
}
