import Foundation
import GRDB
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

extension DaemonStore {
    /// Deletes a signal's content (or an answer's, whose note goes with the signal's) at the
    /// end of its retention from everything this daemon keeps: the mirror's entry and history
    /// keep the signed envelope with the sections withheld; the author's outbox row loses the
    /// document it was sealed from and its sections. Freed pages are overwritten
    /// (`secure_delete`). The mirror entry is changed only while it is this report (an answer
    /// replaced by a later one under the same key is in the history only).
    public func expireSignal(_ report: SealedReport) throws {
        let withheld = FrameBlob.encode(report.withholdingAllSections().sections)
        let id = report.id.rawValue
        try db.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.inTransaction {
                try db.execute(
                    sql: "UPDATE mirror_entry SET sections = ? WHERE key = ? AND envelope = ?",
                    arguments: [withheld, report.envelope.key, Data(report.envelopeBytes)])
                try db.execute(
                    sql: "UPDATE mirror_history SET sections = ? WHERE report_id = ?",
                    arguments: [withheld, id])
                try db.execute(
                    sql: "UPDATE outbox SET document = x'', sections = ? WHERE report_id = ?",
                    arguments: [withheld, id])
                return .commit
            }
        }
    }

    /// Every acknowledgement and follow-up of the signals `subjects` this mirror holds: its
    /// history (every version applied one by one) and its entries (a snapshot brings the
    /// latest per key without history), one per report, in sequence order.
    public func signalAnswers(to subjects: [ReportID]) throws -> [Update] {
        let rows = try db.read { db in
            try subjects.flatMap { subject in
                try SignalRetention.answerKeyRanges(of: subject).flatMap { range in
                    try ["mirror_history", "mirror_entry"].flatMap { table in
                        try Row.fetchAll(
                            db,
                            sql: """
                                SELECT seq, epoch, committed_at, envelope, signature, sections FROM \(table)
                                WHERE key >= ? AND key < ?
                                """,
                            arguments: [range.lower, range.upper])
                    }
                }
            }
        }
        var seen = Set<ReportID>()
        return try rows.map(update(from:)).filter { update in
            SignalRetention.answerTypes.contains(update.report.envelope.type)
                && subjects.contains { $0 == update.report.envelope.subject }
                && seen.insert(update.report.id).inserted
        }.sorted { $0.sequence < $1.sequence }
    }

    /// The outbox's answer to a refusal of a signal or an answer to one: its document and
    /// sections go at once (``SignalRetention/deletesAtRefusal(_:)``), in the transaction
    /// that records the refusal; the row keeps the signed envelope, the state, code and
    /// message, which is all the outbox shows of a refused report.
    static func deleteRefusedContent(_ db: Database, _ report: SealedReport) throws {
        guard SignalRetention.deletesAtRefusal(report.envelope.type) else { return }
        try db.execute(sql: "PRAGMA secure_delete = ON")
        try db.execute(
            sql: "UPDATE outbox SET document = x'', sections = ? WHERE report_id = ?",
            arguments: [FrameBlob.encode(report.withholdingAllSections().sections), report.id.rawValue])
    }
}
