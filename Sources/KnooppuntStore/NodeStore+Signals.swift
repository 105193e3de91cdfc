import Foundation
import GRDB
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

extension NodeStore {
    /// Deletes the content of signals at the end of their retention, and of the answers whose
    /// notes go with them (``SignalRetention/notes(in:)``): each log row keeps its signed
    /// envelope and signature, its sections become withheld. The tombstones (`audit`, empty
    /// on a node that is not active) are appended in the same transaction, so the chain never
    /// says "deleted" for content still here, nor the reverse. Freed pages are overwritten
    /// (`secure_delete`), so the bytes do not linger in the file.
    @discardableResult
    public func expireSignals(
        _ reports: [SealedReport], audit: [AuditEvent], epoch: Epoch, logSequence: SequenceNumber
    ) throws -> [AuditRecord] {
        guard !reports.isEmpty || !audit.isEmpty else { return [] }
        let chained = chain(audit, epoch: epoch, logSequence: logSequence)
        try db.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.inTransaction {
                for report in reports {
                    try db.execute(
                        sql: "UPDATE log SET sections = ? WHERE report_id = ?",
                        arguments: [
                            FrameBlob.encode(report.withholdingAllSections().sections), report.id.rawValue,
                        ])
                }
                try insertAudit(chained, db)
                return .commit
            }
        }
        if let last = chained.last { auditHead = (last.seq, last.hash) }
        return chained
    }

    /// Every logged acknowledgement and follow-up of the signals `subjects`, every version
    /// (a follow-up replaced by a later one is still in the log), in sequence order.
    public func signalAnswers(to subjects: [ReportID]) throws -> [Update] {
        let rows = try db.read { db in
            try subjects.flatMap { subject in
                try SignalRetention.answerKeyRanges(of: subject).flatMap { range in
                    try Row.fetchAll(
                        db,
                        sql: """
                            SELECT * FROM log WHERE key >= ? AND key < ? AND type IN ('signalAck', 'signalFollowUp')
                            ORDER BY seq
                            """,
                        arguments: [range.lower, range.upper])
                }
            }
        }
        return try rows.map(update(from:)).filter { update in
            subjects.contains { $0 == update.report.envelope.subject }
        }.sorted { $0.sequence < $1.sequence }
    }
}
