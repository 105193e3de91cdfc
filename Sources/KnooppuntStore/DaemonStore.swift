import Foundation
import GRDB
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// Where one report of the outbox stands, as `publish` and `status --report` show it.
public struct ReportState: Sendable, Hashable {
    public enum State: String, Sendable { case queued, accepted, rejected }
    public var id: ReportID
    public var originSeq: UInt64
    public var state: State
    public var queuedAt: Int64
    public var answeredAt: Int64?
    public var epoch: Epoch?
    public var sequence: SequenceNumber?
    public var degraded: Bool
    public var code: ErrorCode?
    public var message: String?

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id.rawValue), "originSeq": .integer(Int64(originSeq)),
            "state": .string(state.rawValue),
            "queuedAt": .integer(queuedAt),
        ]
        if let answeredAt { object["answeredAt"] = .integer(answeredAt) }
        if let epoch { object["epoch"] = .integer(Int64(epoch)) }
        if let sequence { object["sequence"] = .integer(Int64(sequence)) }
        if degraded { object["degraded"] = true }
        if let code { object["code"] = .integer(Int64(code.rawValue)) }
        if let message { object["message"] = .string(message) }
        return .object(object)
    }
}

/// A daemon's store: its outbox (every report an operator handed over, stored before
/// anything else) and its mirror of the picture (entries, history, applied sequence).
/// Used from the daemon's poll-loop thread only.
public final class DaemonStore {
    let db: DatabaseQueue
    let reference: ReferenceData

    public init(path: String, reference: ReferenceData = .builtIn) throws {
        db = try DurableDatabase.open(at: path)
        self.reference = reference
        try migrate()
    }

    private func migrate() throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE outbox(
                        report_id TEXT PRIMARY KEY, origin_seq INTEGER NOT NULL UNIQUE, state TEXT NOT NULL,
                        queued_at INTEGER NOT NULL, answered_at INTEGER, body_hash TEXT NOT NULL,
                        document BLOB NOT NULL, envelope BLOB NOT NULL, signature BLOB NOT NULL, sections BLOB NOT NULL,
                        epoch INTEGER, seq INTEGER, degraded INTEGER NOT NULL DEFAULT 0, code INTEGER, message TEXT);
                    CREATE INDEX outbox_state ON outbox(state, origin_seq);
                    CREATE INDEX outbox_hash ON outbox(body_hash, queued_at);
                    CREATE TABLE mirror_entry(
                        key TEXT PRIMARY KEY, seq INTEGER NOT NULL, epoch INTEGER NOT NULL, committed_at INTEGER NOT NULL,
                        envelope BLOB NOT NULL, signature BLOB NOT NULL, sections BLOB NOT NULL);
                    CREATE TABLE mirror_history(
                        seq INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, committed_at INTEGER NOT NULL, key TEXT NOT NULL,
                        report_id TEXT NOT NULL, origin TEXT NOT NULL,
                        envelope BLOB NOT NULL, signature BLOB NOT NULL, sections BLOB NOT NULL);
                    CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    INSERT INTO meta(name, value) VALUES ('applied', 0), ('epoch', 0), ('last_origin_seq', 0);
                    """)
        }
        // The node's signed audit checkpoints as they came on the stream (`audit verify`).
        migrator.registerMigration("v2 audit checkpoints") { db in
            try db.execute(sql: DaemonStore.auditSchema)
        }
        // The police's internal labels on its own reports (PoliceLabels.swift).
        migrator.registerMigration("v3 police labels") { db in
            try db.execute(sql: DaemonStore.policeLabelSchema)
        }
        // The incident reports of the last days, for a screen's new ids (DaemonStore+Incidents).
        migrator.registerMigration("v4 outbox by time") { db in
            try db.execute(sql: DaemonStore.outboxTimeIndex)
        }
        try migrator.migrate(db)
    }

    public func synchronousLevel() throws -> Int { try DurableDatabase.synchronousLevel(db) }

    // MARK: Outbox

    /// Stores a report as queued. This happens before the operator hears "queued".
    public func enqueue(_ item: QueuedReport, document: [UInt8], bodyHash: String) throws {
        try enqueue([(item, document, bodyHash)])
    }

    /// Stores reports as queued in one transaction (one fsync), before anyone hears "queued";
    /// the police's internal labels on them (`policeLabels`) in the same transaction.
    public func enqueue(
        _ items: [(QueuedReport, [UInt8], String)], policeLabels: [ReportID: [PoliceLabel]] = [:]
    ) throws {
        guard let last = items.map(\.0.originSeq).max() else { return }
        try db.write { db in
            try Self.insertPoliceLabels(db, policeLabels, at: items.map(\.0.queuedAt).max() ?? 0)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO outbox(report_id, origin_seq, state, queued_at, body_hash, document, envelope, signature, sections)
                    VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?)
                    """)
            for (item, document, bodyHash) in items {
                try insert.execute(arguments: [
                    item.id.rawValue, Int64(item.originSeq), item.queuedAt, bodyHash, Data(document),
                    Data(item.report.envelopeBytes), Data(item.report.signature),
                    FrameBlob.encode(item.report.sections),
                ])
            }
            try db.execute(
                sql: "UPDATE meta SET value = max(value, ?) WHERE name = 'last_origin_seq'",
                arguments: [Int64(last)])
        }
    }

    /// Replaces a queued report by its resealed form (new origin sequence, same id).
    public func reseal(_ item: QueuedReport) throws {
        try db.write { db in
            try db.execute(
                sql:
                    "UPDATE outbox SET origin_seq = ?, envelope = ?, signature = ?, sections = ? WHERE report_id = ?",
                arguments: [
                    Int64(item.originSeq), Data(item.report.envelopeBytes), Data(item.report.signature),
                    FrameBlob.encode(item.report.sections), item.id.rawValue,
                ])
            try db.execute(
                sql: "UPDATE meta SET value = max(value, ?) WHERE name = 'last_origin_seq'",
                arguments: [Int64(item.originSeq)])
        }
    }

    /// Records the node's answers (one transaction for a batch of answers).
    public func record(_ events: [OutboxEvent], at now: Int64) throws {
        guard !events.isEmpty else { return }
        try db.write { db in
            for event in events {
                switch event {
                case .accepted(let item, let ack):
                    try db.execute(
                        sql:
                            "UPDATE outbox SET state = 'accepted', answered_at = ?, epoch = ?, seq = ?, degraded = ? WHERE report_id = ?",
                        arguments: [
                            now, Int64(ack.epoch), Int64(ack.sequence), ack.degraded, item.id.rawValue,
                        ])
                case .rejected(let item, let code, let message):
                    try db.execute(
                        sql:
                            "UPDATE outbox SET state = 'rejected', answered_at = ?, code = ?, message = ? WHERE report_id = ?",
                        arguments: [now, code.rawValue, message, item.id.rawValue])
                    try Self.deleteRefusedContent(db, item.report)
                case .reseal, .resend:
                    break
                }
            }
        }
    }

    public struct LoadedOutbox {
        public var lastOriginSeq: UInt64
        public var queued: [QueuedReport]
    }

    public func loadOutbox() throws -> LoadedOutbox {
        try db.read { db in
            let last =
                try UInt64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'last_origin_seq'") ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE state = 'queued' ORDER BY origin_seq")
            let queued = try rows.map { row in
                QueuedReport(
                    report: try SealedReport.decodeStored(
                        envelope: [UInt8](row["envelope"] as Data),
                        signature: [UInt8](row["signature"] as Data),
                        sections: try FrameBlob.decode(row["sections"]), reference: reference),
                    queuedAt: row["queued_at"])
            }
            return LoadedOutbox(lastOriginSeq: last, queued: queued)
        }
    }

    /// The document an operator handed over, as canonical JSON (to seal it again).
    public func document(of id: ReportID) throws -> [UInt8]? {
        try db.read { db in
            (try Data.fetchOne(
                db, sql: "SELECT document FROM outbox WHERE report_id = ?", arguments: [id.rawValue])).map {
                    [UInt8]($0)
                }
        }
    }

    /// A report with the same body handed over since `since` (ms), if any.
    public func recentReport(bodyHash: String, since: Int64) throws -> ReportID? {
        try db.read { db in
            try String.fetchOne(
                db,
                sql:
                    "SELECT report_id FROM outbox WHERE body_hash = ? AND queued_at >= ? ORDER BY queued_at DESC",
                arguments: [bodyHash, since]
            ).flatMap(ReportID.init)
        }
    }

    public func state(of id: ReportID) throws -> ReportState? {
        try db.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM outbox WHERE report_id = ?", arguments: [id.rawValue])
            else {
                return nil
            }
            return ReportState(
                id: id, originSeq: row["origin_seq"],
                state: ReportState.State(rawValue: row["state"]) ?? .queued,
                queuedAt: row["queued_at"], answeredAt: row["answered_at"], epoch: row["epoch"],
                sequence: row["seq"],
                degraded: row["degraded"], code: (row["code"] as Int?).flatMap(ErrorCode.init(rawValue:)),
                message: row["message"])
        }
    }

    public func outboxCounts() throws -> (accepted: Int, rejected: Int) {
        try db.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'accepted'") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'rejected'") ?? 0
            )
        }
    }

    // MARK: Mirror

    public func loadMirror(view: View) throws -> Picture {
        try db.read { db in
            let applied = try UInt64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'applied'") ?? 0
            let epoch = try UInt64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'epoch'") ?? 0
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM mirror_entry")
            let entries = try rows.map { PictureEntry(try update(from: $0)) }
            var picture = Picture(views: [view])
            picture.replace(with: entries, sequence: applied, epoch: epoch)
            return picture
        }
    }

    /// Persists applied updates and the new applied sequence in one transaction.
    public func apply(_ updates: [Update]) throws {
        guard let last = updates.last else { return }
        try db.write { db in
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO mirror_entry(key, seq, epoch, committed_at, envelope, signature, sections)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET seq = excluded.seq, epoch = excluded.epoch,
                        committed_at = excluded.committed_at, envelope = excluded.envelope,
                        signature = excluded.signature, sections = excluded.sections
                    """)
            let history = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO mirror_history(seq, epoch, committed_at, key, report_id, origin, envelope, signature, sections)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for update in updates {
                let report = update.report
                let envelope = Data(report.envelopeBytes)
                let signature = Data(report.signature)
                let sections = FrameBlob.encode(report.sections)
                try upsert.execute(arguments: [
                    report.envelope.key, Int64(update.sequence), Int64(update.epoch), update.committedAt,
                    envelope, signature,
                    sections,
                ])
                try history.execute(arguments: [
                    Int64(update.sequence), Int64(update.epoch), update.committedAt, report.envelope.key,
                    report.id.rawValue, report.origin.rawValue, envelope, signature, sections,
                ])
            }
            try setApplied(db, last.sequence, last.epoch)
        }
    }

    /// Replaces the mirror with a snapshot, in one transaction.
    public func replace(with entries: [PictureEntry], sequence: SequenceNumber, epoch: Epoch) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM mirror_entry")
            // The node's log ends at the snapshot: anything we hold past it is a tail it discarded.
            try db.execute(sql: "DELETE FROM mirror_history WHERE seq > ?", arguments: [Int64(sequence)])
            let insert = try db.cachedStatement(
                sql:
                    "INSERT INTO mirror_entry(key, seq, epoch, committed_at, envelope, signature, sections) VALUES (?, ?, ?, ?, ?, ?, ?)"
            )
            for entry in entries {
                try insert.execute(arguments: [
                    entry.key, Int64(entry.sequence), Int64(entry.epoch), entry.committedAt,
                    Data(entry.report.envelopeBytes),
                    Data(entry.report.signature), FrameBlob.encode(entry.report.sections),
                ])
            }
            try setApplied(db, sequence, epoch)
        }
    }

    private func setApplied(_ db: Database, _ sequence: SequenceNumber, _ epoch: Epoch) throws {
        try db.execute(sql: "UPDATE meta SET value = ? WHERE name = 'applied'", arguments: [Int64(sequence)])
        try db.execute(sql: "UPDATE meta SET value = ? WHERE name = 'epoch'", arguments: [Int64(epoch)])
    }

    /// Report ids in the mirror's history, in sequence order (for checks).
    public func historyReportIDs() throws -> [(
        sequence: SequenceNumber, id: ReportID, origin: OrganisationCode
    )] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, report_id, origin FROM mirror_history ORDER BY seq").map {
                ($0["seq"], ReportID($0["report_id"])!, OrganisationCode($0["origin"])!)
            }
        }
    }

    func update(from row: Row) throws -> Update {
        let report = try SealedReport.decodeStored(
            envelope: [UInt8](row["envelope"] as Data), signature: [UInt8](row["signature"] as Data),
            sections: try FrameBlob.decode(row["sections"]), reference: reference)
        return Update(
            sequence: row["seq"], epoch: row["epoch"], committedAt: row["committed_at"], report: report)
    }
}

extension DaemonStore {
    /// Reports from origin sequence `from` up to (not including) `below` that were answered,
    /// put back in the queue: the node lost them (it acknowledged them alone and its tail was
    /// discarded) and they must be sent again, unchanged.
    public func requeue(from: UInt64, below: UInt64) throws -> [QueuedReport] {
        try db.write { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE origin_seq >= ? AND origin_seq < ? ORDER BY origin_seq",
                arguments: [Int64(clamping: from), Int64(clamping: below)])
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'queued', answered_at = NULL, epoch = NULL, seq = NULL, degraded = 0,
                        code = NULL, message = NULL
                    WHERE origin_seq >= ? AND origin_seq < ?
                    """,
                arguments: [Int64(clamping: from), Int64(clamping: below)])
            return try rows.map { row in
                QueuedReport(
                    report: try SealedReport.decodeStored(
                        envelope: [UInt8](row["envelope"] as Data),
                        signature: [UInt8](row["signature"] as Data),
                        sections: try FrameBlob.decode(row["sections"]), reference: reference),
                    queuedAt: row["queued_at"])
            }
        }
    }
}

extension DaemonStore {
    /// Drops every history row that the node's log does not hold: rows past the node's last
    /// sequence, and rows whose epoch differs from the node's epoch at that sequence (a tail the
    /// node no longer holds). Two entries with the same
    /// sequence and epoch are the same entry (only an epoch's active writes them), so each row
    /// is judged by itself: a history with gaps (after a snapshot) is never cut wholesale.
    /// Returns the number of rows dropped.
    public func dropHistory(
        notIn nodeStarts: [EpochStart], nodeLast: SequenceNumber
    ) throws -> Int {
        let starts = nodeStarts.sorted { $0.firstSequence < $1.firstSequence }
        return try db.write { db in
            var dropped = 0
            try db.execute(
                sql: "DELETE FROM mirror_history WHERE seq > ? OR seq < ?",
                arguments: [
                    Int64(clamping: nodeLast), Int64(clamping: starts.first?.firstSequence ?? nodeLast + 1),
                ])
            dropped += db.changesCount
            for (index, start) in starts.enumerated() {
                let end = index + 1 < starts.count ? starts[index + 1].firstSequence : UInt64.max
                try db.execute(
                    sql: "DELETE FROM mirror_history WHERE seq >= ? AND seq < ? AND epoch != ?",
                    arguments: [
                        Int64(clamping: start.firstSequence), Int64(clamping: end),
                        Int64(clamping: start.epoch),
                    ])
                dropped += db.changesCount
            }
            return dropped
        }
    }
}
