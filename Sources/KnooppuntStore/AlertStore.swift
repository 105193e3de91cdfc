import Foundation
import GRDB

/// The alert service's memory (`DIR/alerts/store.sqlite`): every out-of-band notification it
/// tried, so each is sent once across restarts, retried within bounds, and visible afterwards.
public final class AlertStore {
    public struct Notification: Sendable, Hashable {
        public enum State: String, Sendable { case pending, sent, failed }
        public let id: String
        public let organisation: String
        public let kind: String
        public let request: String
        public let state: State
        public let attempts: Int
        public let lastError: String?
        /// ms since 1970.
        public let firstAt: Int64
        public let lastAt: Int64
        /// The hook it went to, as configured then.
        public let hook: String
    }

    let db: DatabaseQueue

    public init(path: String) throws {
        db = try DurableDatabase.open(at: path)
        try db.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS notification (
                        id TEXT PRIMARY KEY, organisation TEXT NOT NULL, kind TEXT NOT NULL,
                        request TEXT NOT NULL, payload BLOB NOT NULL, hook TEXT NOT NULL,
                        state TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT,
                        first_at INTEGER NOT NULL, last_at INTEGER NOT NULL)
                    """)
        }
    }

    /// Opens an existing store read-only (for `knooppunt ack list` beside a running service).
    public init(readOnlyPath path: String) throws {
        db = try ReadOnlyDatabase.open(at: path, what: "the alert service's store")
    }

    public func synchronousLevel() throws -> Int { try DurableDatabase.synchronousLevel(db) }

    /// Records one attempt: sent, or failed with `error` (failed for good after `maxAttempts`).
    public func record(
        id: String, organisation: String, kind: String, request: String, payload: [UInt8], hook: String,
        error: String?, maxAttempts: Int, at now: Int64
    ) throws {
        try db.write { db in
            let attempts =
                (try Int.fetchOne(db, sql: "SELECT attempts FROM notification WHERE id = ?", arguments: [id])
                    ?? 0)
                + 1
            let state: Notification.State =
                error == nil ? .sent : attempts >= maxAttempts ? .failed : .pending
            try db.execute(
                sql: """
                    INSERT INTO notification(id, organisation, kind, request, payload, hook, state, attempts, last_error, first_at, last_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
                        last_error = excluded.last_error, last_at = excluded.last_at, hook = excluded.hook
                    """,
                arguments: [
                    id, organisation, kind, request, Data(payload), hook, state.rawValue, attempts, error,
                    now, now,
                ])
        }
    }

    /// Every notification, oldest first.
    public func all() throws -> [Notification] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM notification ORDER BY first_at, id").map { row in
                Notification(
                    id: row["id"], organisation: row["organisation"], kind: row["kind"],
                    request: row["request"],
                    state: Notification.State(rawValue: row["state"]) ?? .pending, attempts: row["attempts"],
                    lastError: row["last_error"], firstAt: row["first_at"], lastAt: row["last_at"],
                    hook: row["hook"])
            }
        }
    }
}
