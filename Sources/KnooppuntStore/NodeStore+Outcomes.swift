import GRDB
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

// What the log says about report ids: asked for every report the node decides.

extension NodeStore {
    /// What the log says about a report id.
    ///
    /// Asked for every report the node decides, so it reads without a transaction of its own
    /// (`read` would add BEGIN, COMMIT and two `query_only` pragmas to every call) and with
    /// prepared statements kept for the next call. Only the node's loop writes this store, on
    /// the same thread, so no write can interleave with the two lookups.
    public func outcome(of id: ReportID) throws -> PastOutcome? {
        try db.unsafeRead { db in try Self.outcome(of: id, in: db) }
    }

    /// ``outcome(of:)`` for several ids in one read transaction: the node asks about every
    /// report of a chunk before it decides them, and one transaction takes the file's lock
    /// once for the chunk instead of twice per report. Every id asked about is in the result,
    /// with nil when the log knows nothing of it. The ids go in one `IN` query per table for
    /// up to ``outcomesPerQuery`` at a time: two statements per chunk instead of two per
    /// report (almost every report is new, so both lookups miss).
    public func outcomes(of ids: [ReportID]) throws -> [ReportID: PastOutcome?] {
        guard !ids.isEmpty else { return [:] }
        return try db.unsafeRead { db in
            var found: [ReportID: PastOutcome?] = [:]
            found.reserveCapacity(ids.count)
            for id in ids { found[id] = .some(nil) }
            try db.inTransaction(.deferred) {
                for start in stride(from: 0, to: ids.count, by: Self.outcomesPerQuery) {
                    let slice = ids[start..<min(start + Self.outcomesPerQuery, ids.count)]
                    try Self.outcomes(of: slice, in: db, into: &found)
                }
                return .commit
            }
            return found
        }
    }

    /// The most ids in one `IN` query (statements are cached per count, so at most this many
    /// of each are kept; SQLite allows 32,766 parameters).
    public static let outcomesPerQuery = 128

    private static func outcomes(
        of ids: ArraySlice<ReportID>, in db: Database, into found: inout [ReportID: PastOutcome?]
    ) throws {
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let arguments = StatementArguments(ids.map(\.rawValue))
        var unknown = Set(ids)
        let logged = try db.cachedStatement(
            sql: "SELECT report_id, seq, epoch, origin, origin_seq FROM log WHERE report_id IN (\(marks))")
        let rows = try Row.fetchCursor(logged, arguments: arguments)
        while let row = try rows.next() {
            guard let id = ReportID(row["report_id"] as String), let origin = OrganisationCode(row["origin"])
            else { continue }
            found[id] = .accepted(
                Ack(
                    reportID: id, epoch: row["epoch"], sequence: row["seq"], originSeq: row["origin_seq"],
                    duplicate: true),
                origin: origin)
            unknown.remove(id)
        }
        guard !unknown.isEmpty else { return }
        // The latest refusal of an id answers a resend of it: the first row per id.
        let refused = try db.cachedStatement(
            sql: "SELECT * FROM rejection WHERE report_id IN (\(marks)) ORDER BY at DESC, rowid DESC")
        let refusals = try Row.fetchCursor(refused, arguments: arguments)
        while let row = try refusals.next() {
            guard let id = ReportID(row["report_id"] as String), unknown.contains(id),
                let origin = OrganisationCode(row["origin"]), let code = ErrorCode(rawValue: row["code"])
            else { continue }
            found[id] = .rejected(
                Rejection(
                    reportID: id, origin: origin, originSeq: row["origin_seq"],
                    problem: Problem(code, field: row["field"], row["message"])))
            unknown.remove(id)
        }
    }

    static func outcome(of id: ReportID, in db: Database) throws -> PastOutcome? {
        let logged = try db.cachedStatement(
            sql: "SELECT seq, epoch, origin, origin_seq FROM log WHERE report_id = ?")
        if let row = try Row.fetchOne(logged, arguments: [id.rawValue]) {
            let origin = OrganisationCode(row["origin"])!
            return .accepted(
                Ack(
                    reportID: id, epoch: row["epoch"], sequence: row["seq"], originSeq: row["origin_seq"],
                    duplicate: true),
                origin: origin)
        }
        // The latest refusal of this id answers a resend of it.
        let refused = try db.cachedStatement(
            sql: "SELECT * FROM rejection WHERE report_id = ? ORDER BY at DESC, rowid DESC LIMIT 1")
        if let row = try Row.fetchOne(refused, arguments: [id.rawValue]),
            let origin = OrganisationCode(row["origin"]), let code = ErrorCode(rawValue: row["code"])
        {
            return .rejected(
                Rejection(
                    reportID: id, origin: origin, originSeq: row["origin_seq"],
                    problem: Problem(code, field: row["field"], row["message"])))
        }
        return nil
    }
}
