import GRDB
import KnooppuntCore
import KnooppuntProtocol

/// Browser sessions: the store keeps the SHA-256 of each session id (never the id), its
/// person, when it was opened and when it was last seen. A session ends after
/// ``LoginLimits/idleTimeout`` without a request, after ``LoginLimits/maxSessionAge`` in any
/// case, on logout, and when its account is disabled or its password reset.
extension PeopleStore {
    /// Sessions held at once; opening one beyond it ends the longest idle one first, so a
    /// flood of logins cannot grow the store without bound.
    public static let maxSessions = 10_000
    /// "Last seen" is written at most this often per session (each write is an fsync); the
    /// idle timeout is therefore exact to within this much.
    public static let touchInterval: Duration = .seconds(60)

    /// Opens a session for `username`; returns its id (256 random bits, hex), the only time
    /// it exists outside the browser's cookie.
    public func openSession(for username: String, now: Int64) throws -> String {
        let id = String(Secrets.token().dropFirst(Secrets.tokenPrefix.count))
        let idle = LoginLimits.milliseconds(limits.idleTimeout)
        let age = LoginLimits.milliseconds(limits.maxSessionAge)
        try db.write { db in
            try db.execute(
                sql: "DELETE FROM session WHERE last_seen <= ? OR opened_at <= ?",
                arguments: [now - idle, now - age])
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM session") ?? 0
            if count >= Self.maxSessions {
                try db.execute(
                    sql:
                        "DELETE FROM session WHERE digest IN (SELECT digest FROM session ORDER BY last_seen LIMIT ?)",
                    arguments: [count - Self.maxSessions + 1])
            }
            try db.execute(
                sql: "INSERT INTO session(digest, username, opened_at, last_seen) VALUES (?, ?, ?, ?)",
                arguments: [Secrets.tokenDigest(id), username, now, now])
        }
        return id
    }

    /// The person of session `id` at `now`, marking it seen; E800 when unknown, E804 when it
    /// ended (and it is removed).
    public func session(_ id: String, now: Int64) throws -> Result<Person, PeopleError> {
        let digest = Secrets.tokenDigest(id)
        let row = try db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM session WHERE digest = ?", arguments: [digest])
        }
        guard let row else {
            return .failure(
                PeopleError(.notSignedIn, "not signed in (or the session was ended); log in again"))
        }
        let openedAt: Int64 = row["opened_at"]
        let lastSeen: Int64 = row["last_seen"]
        let idle = now - lastSeen >= LoginLimits.milliseconds(limits.idleTimeout)
        let old = now - openedAt >= LoginLimits.milliseconds(limits.maxSessionAge)
        guard !idle, !old else {
            try closeSession(id)
            return .failure(
                PeopleError(
                    .sessionExpired,
                    idle
                        ? "the session ended after \(limits.idleTimeout) without activity; log in again"
                        : "the session ended after \(limits.maxSessionAge); log in again"))
        }
        guard let person = try person(row["username"]), !person.disabled else {
            try closeSession(id)
            return .failure(PeopleError(.accountDisabled, "the account is disabled; ask an administrator"))
        }
        if now - lastSeen >= LoginLimits.milliseconds(Self.touchInterval) {
            try db.write { db in
                try db.execute(
                    sql: "UPDATE session SET last_seen = ? WHERE digest = ?", arguments: [now, digest])
            }
        }
        return .success(person)
    }

    public func closeSession(_ id: String) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM session WHERE digest = ?", arguments: [Secrets.tokenDigest(id)])
        }
    }

    /// Logout: ends session `id` and records it.
    public func logout(_ id: String, now: Int64) throws {
        try db.write { db in
            let digest = Secrets.tokenDigest(id)
            guard
                let username = try String.fetchOne(
                    db, sql: "SELECT username FROM session WHERE digest = ?", arguments: [digest])
            else { return }
            try db.execute(sql: "DELETE FROM session WHERE digest = ?", arguments: [digest])
            try record(db, "logout", of: username, at: now)
        }
    }
}
