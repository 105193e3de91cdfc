import Foundation
import GRDB
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// The national node's store: the log of every accepted report (the history), the refusals
/// that used up an origin sequence, and the node's epoch. The picture is rebuilt from the
/// log at start.
///
/// Used from one thread (the node's poll loop); every write is one transaction, committed
/// with fsync before anything is acknowledged.
public final class NodeStore {
    let db: DatabaseQueue
    /// The WAL's checkpoints, off the loop's thread.
    private let checkpoints: BackgroundCheckpoints
    let reference: ReferenceData
    /// The last row of the audit chain (seq 0 and the genesis hash when empty).
    public internal(set) var auditHead: (seq: UInt64, hash: [UInt8]) = (0, AuditRecord.genesis)

    public init(path: String, reference: ReferenceData = .builtIn) throws {
        db = try DurableDatabase.open(at: path)
        checkpoints = try BackgroundCheckpoints(path: path)
        self.reference = reference
        try migrate()
        auditHead = try loadAuditHead()
        checkpoints.install(on: db)
    }

    deinit { checkpoints.uninstall(from: db) }

    /// Checkpoints that copied the WAL into the database file, run off the writer's thread.
    public var backgroundCheckpoints: Int { checkpoints.copying.load(ordering: .relaxed) }

    private func migrate() throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE log(
                        seq INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, report_id TEXT NOT NULL UNIQUE,
                        origin TEXT NOT NULL, origin_seq INTEGER NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL,
                        incident_lead TEXT, committed_at INTEGER NOT NULL,
                        envelope BLOB NOT NULL, signature BLOB NOT NULL, sections BLOB NOT NULL);
                    CREATE INDEX log_origin ON log(origin, origin_seq);
                    CREATE INDEX log_key ON log(key, seq);
                    CREATE TABLE rejection(
                        report_id TEXT PRIMARY KEY, origin TEXT NOT NULL, origin_seq INTEGER NOT NULL,
                        code INTEGER NOT NULL, field TEXT NOT NULL, message TEXT NOT NULL, at INTEGER NOT NULL);
                    CREATE INDEX rejection_origin ON rejection(origin, origin_seq);
                    CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    INSERT INTO meta(name, value) VALUES ('epoch', 1);
                    """)
        }
        // A refusal uses up one origin sequence, so refusals are keyed by (origin, origin
        // sequence). v1 keyed them by report id and silently dropped a second refusal of the same
        // id (another organisation reusing it, or the id sent again under a new origin
        // sequence): after a restart that origin sequence was free again, and the origin's next
        // report met E400 forever.
        migrator.registerMigration("v2 rejections by origin sequence") { db in
            try db.execute(
                sql: """
                    CREATE TABLE rejection_v2(
                        origin TEXT NOT NULL, origin_seq INTEGER NOT NULL, report_id TEXT NOT NULL,
                        code INTEGER NOT NULL, field TEXT NOT NULL, message TEXT NOT NULL, at INTEGER NOT NULL,
                        PRIMARY KEY(origin, origin_seq));
                    INSERT INTO rejection_v2(origin, origin_seq, report_id, code, field, message, at)
                        SELECT origin, origin_seq, report_id, code, field, message, at FROM rejection;
                    DROP TABLE rejection;
                    ALTER TABLE rejection_v2 RENAME TO rejection;
                    CREATE INDEX rejection_report ON rejection(report_id);
                    """)
        }
        // The hot-standby pair: each refusal records the epoch and the global sequence it came
        // after (a discarded tail takes its refusals along); entries are found by epoch.
        migrator.registerMigration("v3 pair") { db in
            try db.execute(
                sql: """
                    ALTER TABLE rejection ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE rejection ADD COLUMN after_seq INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX rejection_after ON rejection(after_seq);
                    CREATE INDEX log_epoch ON log(epoch, seq);
                    """)
        }
        // The audit log (docs/PROTOCOL.md §13): an append-only, hash-chained record of what the
        // node did, written in the same transactions as the log; checkpoints the node signed.
        migrator.registerMigration("v4 audit") { db in
            try db.execute(sql: NodeStore.auditSchema)
        }
        try migrator.migrate(db)
    }

    /// `PRAGMA synchronous` of the writer (2 = FULL).
    public func synchronousLevel() throws -> Int { try DurableDatabase.synchronousLevel(db) }

    // MARK: Loading at start

    public struct Loaded {
        public var epoch: Epoch
        public var picture: Picture
        public var lastOriginSeq: [OrganisationCode: UInt64]
        public var incidents: [String: IncidentRecord]
    }

    /// Rebuilds the node's state from the log.
    public func load(views: [View]) throws -> Loaded {
        try db.read { db in
            let epoch = try UInt64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'epoch'") ?? 1
            var lastOriginSeq: [OrganisationCode: UInt64] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT origin, MAX(origin_seq) AS last FROM (
                        SELECT origin, origin_seq FROM log UNION ALL SELECT origin, origin_seq FROM rejection)
                    GROUP BY origin
                    """)
            {
                if let code = OrganisationCode(row["origin"]) { lastOriginSeq[code] = row["last"] }
            }
            var picture = Picture(views: views)
            let latest = try Row.fetchAll(
                db, sql: "SELECT * FROM log WHERE seq IN (SELECT MAX(seq) FROM log GROUP BY key) ORDER BY seq"
            )
            for row in latest { picture.apply(try update(from: row)) }
            var incidents: [String: IncidentRecord] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT first.key AS key, first.origin AS opener, last.incident_lead AS lead
                    FROM (SELECT key, MIN(seq) AS first_seq, MAX(seq) AS last_seq FROM log
                          WHERE type = 'incident' GROUP BY key) AS spans
                    JOIN log AS first ON first.seq = spans.first_seq
                    JOIN log AS last ON last.seq = spans.last_seq
                    """)
            {
                let key: String = row["key"]
                guard let opener = OrganisationCode(row["opener"]),
                    let lead = OrganisationCode(row["lead"] ?? "")
                else {
                    continue
                }
                // "incident/ID" or "exercise/incident/ID" → "ID" or "exercise/ID".
                let id = key.replacingOccurrences(of: "incident/", with: "")
                incidents[id] = IncidentRecord(opener: opener, lead: lead)
            }
            return Loaded(epoch: epoch, picture: picture, lastOriginSeq: lastOriginSeq, incidents: incidents)
        }
    }

    // MARK: Committing

    /// Writes one batch of decisions in a single transaction (one fsync).
    public func commit(accepted: [(Update, ReportDocument)], rejected: [Rejection], at now: Int64) throws {
        try commit(
            accepted: accepted.map { ($0.0, $0.1) },
            records: rejected.map { RejectionRecord(rejection: $0, epoch: 1, afterSequence: 0, at: now) })
    }

    /// Writes one batch of decisions in a single transaction (one fsync): accepted reports
    /// and refusals with the epoch and global sequence they came after, and the batch's audit
    /// rows (no extra fsync). Returns the audit rows as chained. A replica on etcd saves how
    /// far it holds the log (`quorumPoint`) in the same transaction, and the audit rows the
    /// log brought (`auditCopies`, from ``auditCopies(following:)``) instead of events of its own.
    @discardableResult
    public func commit(
        accepted: [(Update, ReportDocument?)], records: [RejectionRecord], audit: [AuditEvent] = [],
        epoch: Epoch = 0, logSequence: SequenceNumber = 0, auditCopies: [AuditRecord] = [],
        quorumPoint: QuorumPoint? = nil
    ) throws -> [AuditRecord] {
        precondition(audit.isEmpty || auditCopies.isEmpty, "one writer of a transaction's audit rows")
        let chained = auditCopies.isEmpty ? chain(audit, epoch: epoch, logSequence: logSequence) : auditCopies
        try db.write { db in
            let insertLog = try db.cachedStatement(
                sql: """
                    INSERT INTO log(seq, epoch, report_id, origin, origin_seq, key, type, incident_lead, committed_at,
                                    envelope, signature, sections)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for (update, document) in accepted {
                let envelope = update.report.envelope
                var lead: String?
                if case .incident(let incident)? = document?.body {
                    lead = incident.lead.organisation.rawValue
                }
                var row = RowInsert(insertLog)
                row.bind(update.sequence)
                row.bind(update.epoch)
                row.bind(envelope.id.rawValue)
                row.bind(envelope.origin.rawValue)
                row.bind(envelope.originSeq)
                row.bind(envelope.key)
                row.bind(envelope.type.rawValue)
                row.bind(lead)
                row.bind(update.committedAt)
                row.bind(blob: update.report.envelopeBytes)
                row.bind(blob: update.report.signature)
                row.bind(blob: FrameBlob.bytes(update.report.sections))
                try row.run()
            }
            let insertRejection = try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO rejection(
                        report_id, origin, origin_seq, code, field, message, at, epoch, after_seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for record in records {
                let rejection = record.rejection
                try insertRejection.execute(arguments: [
                    rejection.reportID.rawValue, rejection.origin.rawValue, Int64(rejection.originSeq),
                    rejection.problem.code.rawValue, rejection.problem.field, rejection.problem.message,
                    record.at,
                    Int64(record.epoch), Int64(record.afterSequence),
                ])
            }
            try insertAudit(chained, db)
            if let quorumPoint { try Self.saveQuorumPoint(quorumPoint, db) }
        }
        if let last = chained.last { auditHead = (last.seq, last.hash) }
        return chained
    }

    public func setEpoch(_ epoch: Epoch) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE meta SET value = ? WHERE name = 'epoch'", arguments: [Int64(epoch)])
        }
    }

    // MARK: Epochs

    /// Where each epoch's entries start in this log, oldest first (derived from the log, so it
    /// always describes exactly the entries held).
    ///
    /// Every WELCOME carries these, so they are read by seeking `log_epoch` once per epoch
    /// (a handful) rather than by grouping every entry of the log: `GROUP BY epoch` scans the
    /// whole index, milliseconds per party joining once the log holds tens of thousands.
    public func epochStarts() throws -> [EpochStart] {
        try db.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    WITH RECURSIVE epochs(epoch) AS (
                        SELECT MIN(epoch) FROM log
                        UNION ALL
                        SELECT (SELECT MIN(epoch) FROM log WHERE log.epoch > epochs.epoch) FROM epochs
                        WHERE epochs.epoch IS NOT NULL)
                    SELECT epoch, (SELECT MIN(seq) FROM log WHERE log.epoch = epochs.epoch) AS first_seq
                    FROM epochs WHERE epoch IS NOT NULL ORDER BY epoch
                    """
            ).map {
                EpochStart(epoch: $0["epoch"], firstSequence: $0["first_seq"])
            }
        }
    }

    /// Discards the tail after `sequence`: entries beyond it and the refusals that came after
    /// it (a replica cuts what etcd never committed; the daemons send those reports again).
    public func truncate(after sequence: SequenceNumber) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM log WHERE seq > ?", arguments: [Int64(clamping: sequence)])
            try db.execute(
                sql: "DELETE FROM rejection WHERE after_seq >= ?", arguments: [Int64(clamping: sequence)])
        }
    }

    /// The last sequence in the log and its epoch (0, 0 when empty).
    public func lastEntry() throws -> (sequence: SequenceNumber, epoch: Epoch) {
        try db.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, epoch FROM log ORDER BY seq DESC LIMIT 1")
            else { return (0, 0) }
            return (row["seq"], row["epoch"])
        }
    }

    // MARK: Reading

    /// Committed updates with sequence in `range`, in order, at most `limit`.
    public func updates(in range: ClosedRange<SequenceNumber>, limit: Int) throws -> [Update] {
        // Sequences are stored as SQLite integers (Int64); none lies beyond, and converting a
        // larger number a peer sent would trap.
        guard range.lowerBound <= SequenceNumber(Int64.max), limit > 0 else { return [] }
        return try db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM log WHERE seq BETWEEN ? AND ? ORDER BY seq LIMIT ?",
                arguments: [Int64(range.lowerBound), Int64(clamping: range.upperBound), limit]
            ).map(update(from:))
        }
    }

    /// The epoch a sequence was committed in (nil if not in the log).
    public func epoch(of sequence: SequenceNumber) throws -> Epoch? {
        // A HELLO may name any applied sequence; one beyond Int64 is not in the log.
        guard sequence <= SequenceNumber(Int64.max) else { return nil }
        return try db.read { db in
            try UInt64.fetchOne(db, sql: "SELECT epoch FROM log WHERE seq = ?", arguments: [Int64(sequence)])
        }
    }

    /// Number of reports in the log.
    public func count() throws -> Int {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM log") ?? 0 }
    }

    /// Every accepted report of an origin, in origin order (for checks and the timeline).
    public func reports(
        from origin: OrganisationCode
    ) throws -> [(originSeq: UInt64, id: ReportID, sequence: SequenceNumber)] {
        try db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT origin_seq, report_id, seq FROM log WHERE origin = ? ORDER BY origin_seq",
                arguments: [origin.rawValue]
            ).map { ($0["origin_seq"], ReportID($0["report_id"])!, $0["seq"]) }
        }
    }

    func update(from row: Row) throws -> Update {
        let envelopeBytes = [UInt8](row["envelope"] as Data)
        let sections = try FrameBlob.decode(row["sections"])
        let report = try SealedReport.decodeStored(
            envelope: envelopeBytes, signature: [UInt8](row["signature"] as Data), sections: sections,
            reference: reference)
        return Update(
            sequence: row["seq"], epoch: row["epoch"], committedAt: row["committed_at"], report: report)
    }
}

extension SealedReport {
    /// Reads a report back from a store, where a withheld section is nil rather than empty.
    static func decodeStored(
        envelope: [UInt8], signature: [UInt8], sections: [[UInt8]?], reference: ReferenceData
    ) throws
        -> SealedReport
    {
        do {
            return try SealedReport.decode(
                envelope: envelope, signature: signature, sections: sections.map { $0 ?? [] },
                allowWithheld: true,
                reference: reference)
        } catch {
            throw StoreError("stored report unreadable: \(error)")
        }
    }
}

extension NodeStore {
    /// Removes one log entry, as a tampering or a lost write would. Only for the chaos
    /// checker's self-test, on a copy of a finished run.
    public func deleteForTest(sequence: SequenceNumber) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM log WHERE seq = ?", arguments: [Int64(sequence)])
        }
    }
}
