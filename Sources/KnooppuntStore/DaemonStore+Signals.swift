import Foundation
import GRDB
import KnooppuntDomain
import KnooppuntProtocol

extension DaemonStore {
    /// Deletes a signal's content at the end of its retention from everything this daemon
    /// keeps: the mirror's entry and history keep the signed envelope with the sections
    /// withheld; the sender's outbox row loses the document it was sealed from and its
    /// sections. Freed pages are overwritten (`secure_delete`).
    public func expireSignal(_ report: SealedReport) throws {
        let withheld = FrameBlob.encode(report.withholdingAllSections().sections)
        let id = report.id.rawValue
        try db.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.inTransaction {
                try db.execute(
                    sql: "UPDATE mirror_entry SET sections = ? WHERE key = ?",
                    arguments: [withheld, report.envelope.key])
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
}
