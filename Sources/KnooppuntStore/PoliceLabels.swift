import Foundation
import GRDB
import KnooppuntCore
import KnooppuntDomain

/// The police daemon's police-internal labels (`PoliceLabel`): one row per label on one of its
/// own reports, stored with the report in the same transaction. They stay in this file; nothing
/// here is ever sealed or sent.
extension DaemonStore {
    static let policeLabelSchema = """
        CREATE TABLE police_label(
            report_id TEXT NOT NULL, label TEXT NOT NULL, set_at INTEGER NOT NULL,
            PRIMARY KEY(report_id, label));
        """

    static func insertPoliceLabels(_ db: Database, _ labels: [ReportID: [PoliceLabel]], at time: Int64) throws
    {
        guard !labels.isEmpty else { return }
        let insert = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO police_label(report_id, label, set_at) VALUES (?, ?, ?)")
        for (id, list) in labels {
            for label in list { try insert.execute(arguments: [id.rawValue, label.name, time]) }
        }
    }

    /// The police-internal labels on one of our reports, in the order of the policy's list.
    public func policeLabels(of id: ReportID) throws -> [String] {
        try db.read { db in
            try String.fetchAll(
                db, sql: "SELECT label FROM police_label WHERE report_id = ? ORDER BY rowid",
                arguments: [id.rawValue])
        }
    }
}
