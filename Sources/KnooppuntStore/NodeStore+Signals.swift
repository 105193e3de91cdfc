import Foundation
import GRDB
import KnooppuntDomain
import KnooppuntProtocol

extension NodeStore {
    /// Deletes the content of signals at the end of their retention: each log row keeps its
    /// signed envelope and signature, its sections become withheld. The tombstones (`audit`,
    /// empty on a node that is not active) are appended in the same transaction, so the chain
    /// never says "deleted" for content still here, nor the reverse. Freed pages are
    /// overwritten (`secure_delete`), so the bytes do not linger in the file.
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
}
