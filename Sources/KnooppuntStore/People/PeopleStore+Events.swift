import GRDB
import KnooppuntDomain

/// One thing that happened to an account: added, disabled, enabled, password reset, token
/// issued or revoked, logged in, refused, locked, logged out. Never a secret.
public struct PersonEvent: Sendable, Hashable {
    public let at: Int64
    public let username: String
    /// `added`, `disabled`, `enabled`, `password-reset`, `token-issued`, `tokens-revoked`,
    /// `login`, `login-refused`, `locked`, `logout`.
    public let event: String
    /// Who did it: `cli:<operating-system user>`, or the screen that took the login.
    public let actor: String
    public let detail: String
}

/// The account history (`person_event`), so who could act, and when that changed, can be
/// reconstructed afterwards. Written in the same transaction as the change it records.
extension PeopleStore {
    /// Events kept; older ones are dropped as new ones come (logins add up over the years).
    public static let maxEvents: Int64 = 100_000

    static let eventsSchema = """
        CREATE TABLE person_event(
            id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, username TEXT NOT NULL,
            event TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT NOT NULL);
        CREATE INDEX person_event_person ON person_event(username, id);
        """

    func record(
        _ db: Database, _ event: String, of username: String, at: Int64, detail: String = ""
    ) throws {
        try db.execute(
            sql: "INSERT INTO person_event(at, username, event, actor, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [at, username, event, actor, detail])
        try db.execute(
            sql: "DELETE FROM person_event WHERE id <= ?", arguments: [db.lastInsertedRowID - Self.maxEvents])
    }

    func record(_ event: String, of username: String, at: Int64, detail: String = "") throws {
        try db.write { db in try record(db, event, of: username, at: at, detail: detail) }
    }

    /// The latest `limit` events, of one person or of everyone, oldest first.
    public func events(of username: String? = nil, limit: Int = 50) throws -> [PersonEvent] {
        try db.read { db in
            let rows =
                if let username {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM person_event WHERE username = ? ORDER BY id DESC LIMIT ?",
                        arguments: [username, limit])
                } else {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM person_event ORDER BY id DESC LIMIT ?", arguments: [limit])
                }
            return rows.reversed().map {
                PersonEvent(
                    at: $0["at"], username: $0["username"], event: $0["event"], actor: $0["actor"],
                    detail: $0["detail"])
            }
        }
    }
}
