import Foundation
import GRDB

// The incident ids this daemon's organisation handed over lately, from its own outbox: an
// operator screen reserves a new id against these, so an id handed out before a restart of the
// screen (or of the daemon) is never handed out again, even while the incident is still queued
// or was refused and so is not in the picture.

extension DaemonStore {
    /// How far back ``recentIncidentIDs(now:)`` looks: ids are numbered per day
    /// (`VR09-20261205-03`), so two days covers today's in every time zone.
    public static let recentIncidentWindowMilliseconds: Int64 = 2 * 24 * 3_600_000

    /// The `index on queued_at` the query below uses (migration "v4").
    static let outboxTimeIndex = "CREATE INDEX outbox_queued ON outbox(queued_at)"

    /// The ids of the incidents in incident reports queued since `now` minus
    /// ``recentIncidentWindowMilliseconds``, in any state (queued, accepted, rejected), sorted.
    public func recentIncidentIDs(now: Int64) throws -> [String] {
        try db.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT json_extract(CAST(document AS TEXT), '$.incident') AS incident FROM outbox
                    WHERE queued_at >= ? AND json_extract(CAST(document AS TEXT), '$.type') = 'incident'
                      AND incident IS NOT NULL
                    ORDER BY incident
                    """,
                arguments: [now - Self.recentIncidentWindowMilliseconds])
        }
    }
}
