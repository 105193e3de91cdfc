import Foundation
import GRDB
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Synchronization

/// An organisation's accounts: `people.sqlite` in the organisation's own folder (`DIR/VR09/`,
/// the desk's `DIR/desk/`), next to its daemon store. A file of its own because three
/// processes use it: the daemon's host (first administrator), the screen (logins) and
/// `knooppunt users`; SQLite's locking serialises them.
///
/// Holds bcrypt password hashes and SHA-256 digests of personal API tokens, never a secret
/// itself. Every method may block (SQLite, bcrypt): call it off event loops.
public final class PeopleStore: Sendable {
    /// The file name inside the organisation's folder.
    public static let fileName = "people.sqlite"

    let db: DatabaseQueue
    public let organisation: OrganisationCode
    let hasher: PasswordHasher
    public let limits: LoginLimits
    /// A hash to verify against when the user name is unknown, so the answer takes as long
    /// as for a known one. Made on first need: making it costs as much as a login.
    let decoy = Mutex<String?>(nil)
    /// Who makes the changes through this store, as the account history records it
    /// (`cli:<user>` for `knooppunt users`, the screen for logins).
    public let actor: String

    public init(
        path: String, organisation: OrganisationCode, hasher: PasswordHasher = PasswordHasher(),
        limits: LoginLimits = LoginLimits(), actor: String = "system"
    ) throws {
        db = try DurableDatabase.open(at: path)
        self.organisation = organisation
        self.actor = actor
        self.hasher = hasher
        self.limits = limits
        try migrate()
    }

    /// The same store (its one connection) hashing new passwords with `hasher`.
    init(reusing other: PeopleStore, hasher: PasswordHasher) {
        db = other.db
        organisation = other.organisation
        actor = other.actor
        limits = other.limits
        self.hasher = hasher
    }

    public static func path(in folder: URL) -> String { folder.appendingPathComponent(fileName).path }

    private func migrate() throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 people") { db in
            try db.execute(
                sql: """
                    CREATE TABLE person(
                        username TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
                        password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
                        failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER,
                        created_at INTEGER NOT NULL, changed_at INTEGER NOT NULL);
                    CREATE TABLE api_token(
                        digest TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES person(username),
                        label TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
                    CREATE INDEX api_token_person ON api_token(username);
                    """)
        }
        // Browser sessions survive a restart of the screen: a desk restarted mid-crisis must not
        // sign every officer out.
        migrator.registerMigration("v2 sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE session(
                        digest TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES person(username),
                        opened_at INTEGER NOT NULL, last_seen INTEGER NOT NULL);
                    CREATE INDEX session_person ON session(username);
                    """)
        }
        // What happened to each account, by whom (PeopleStore+Events).
        migrator.registerMigration("v3 events") { db in
            try db.execute(sql: PeopleStore.eventsSchema)
        }
        try migrator.migrate(db)
    }

    // MARK: Accounts

    /// Adds an account. Refuses an existing name (E807), a bad name (E210) or a short password
    /// (E808).
    @discardableResult
    public func add(username: String, name: String, role: Role, password: String, now: Int64) throws -> Person
    {
        guard Person.isValidUsername(username) else {
            throw PeopleError(
                .invalidID,
                "\(username.prefix(80)) is not a user name (2–32 of a-z, 0-9, '.', '_', '-', starting with a letter or digit)"
            )
        }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= Person.maxNameLength else {
            throw PeopleError(.tooLong, "a full name has 1 to \(Person.maxNameLength) characters")
        }
        try checkStrength(password)
        let hash = hasher.hash(password)
        try db.write { db in
            guard
                try Int.fetchOne(db, sql: "SELECT 1 FROM person WHERE username = ?", arguments: [username])
                    == nil
            else { throw PeopleError(.personExists, "\(organisation) already has an account \(username)") }
            try db.execute(
                sql: """
                    INSERT INTO person(username, name, role, password_hash, created_at, changed_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [username, name, role.rawValue, hash, now, now])
            try record(db, "added", of: username, at: now, detail: role.rawValue)
        }
        return try person(username)!
    }

    public func person(_ username: String) throws -> Person? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM person WHERE username = ?", arguments: [username])
        }.map(makePerson)
    }

    /// Every account, by user name.
    public func list() throws -> [Person] {
        try db.read { db in try Row.fetchAll(db, sql: "SELECT * FROM person ORDER BY username") }
            .map(makePerson)
    }

    public func isEmpty() throws -> Bool {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM person") ?? 0 } == 0
    }

    /// Disables (or enables again) an account. A disabled account cannot log in and its
    /// tokens stop working; sessions end at their next request.
    public func setDisabled(_ username: String, _ disabled: Bool, now: Int64) throws {
        try update(username) { db in
            try db.execute(
                sql: "UPDATE person SET disabled = ?, changed_at = ? WHERE username = ?",
                arguments: [disabled, now, username])
            try db.execute(sql: "DELETE FROM session WHERE username = ?", arguments: [username])
            try record(db, disabled ? "disabled" : "enabled", of: username, at: now)
        }
    }

    /// Sets a new password, lifts a lock-out and revokes the person's API tokens (a reset
    /// follows a suspicion as often as a forgotten password).
    public func resetPassword(_ username: String, to password: String, now: Int64) throws {
        try checkStrength(password)
        let hash = hasher.hash(password)
        try update(username) { db in
            try db.execute(
                sql: """
                    UPDATE person SET password_hash = ?, failures = 0, locked_until = NULL, changed_at = ?
                    WHERE username = ?
                    """, arguments: [hash, now, username])
            try db.execute(sql: "DELETE FROM api_token WHERE username = ?", arguments: [username])
            try db.execute(sql: "DELETE FROM session WHERE username = ?", arguments: [username])
            try record(db, "password-reset", of: username, at: now, detail: "tokens and sessions ended")
        }
    }

    /// When the account was last changed (password, disabled, role): sessions older than
    /// this are no longer valid.
    public func changedAt(_ username: String) throws -> Int64? {
        try db.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT changed_at FROM person WHERE username = ?", arguments: [username])
        }
    }

    // MARK: Logging in

    /// Checks a user name and password at `now`, counting failures and locking the account
    /// after ``LoginLimits/maxFailures`` in a row. The refusal never says whether the name
    /// exists (E801), except for a locked (E802) or disabled (E803) account after the right
    /// password.
    public func login(username: String, password: String, now: Int64) throws -> Result<Person, PeopleError> {
        guard let person = try person(username) else {
            let hash = decoy.withLock { decoy in
                if decoy == nil { decoy = hasher.hash(Secrets.password()) }
                return decoy!
            }
            _ = hasher.verify(password, hash: hash)
            return .failure(.badCredentials)
        }
        if person.throttle.isLocked(at: now) {
            try record("login-refused", of: username, at: now, detail: ErrorCode.lockedOut.summary)
            return .failure(lockedOut(person))
        }
        let hash = try db.read { db in
            try String.fetchOne(
                db, sql: "SELECT password_hash FROM person WHERE username = ?", arguments: [username])
        }
        guard let hash, hasher.verify(password, hash: hash) else {
            let next = person.throttle.failed(at: now, limits: limits)
            try store(next, for: username)
            try record(
                next.isLocked(at: now) ? "locked" : "login-refused", of: username, at: now,
                detail: ErrorCode.badCredentials.summary)
            if next.isLocked(at: now) {
                var locked = person
                locked.throttle = next
                return .failure(lockedOut(locked))
            }
            return .failure(.badCredentials)
        }
        if person.disabled {
            try record("login-refused", of: username, at: now, detail: ErrorCode.accountDisabled.summary)
            return .failure(
                PeopleError(.accountDisabled, "the account \(username) is disabled; ask an administrator"))
        }
        if person.throttle != .cleared { try store(.cleared, for: username) }
        try record("login", of: username, at: now)
        return .success(person)
    }

    // MARK: Personal API tokens

    /// Issues a token for `username`, valid until `now + lifetime`. Returns the token: the
    /// only time it exists outside the person's file.
    public func issueToken(
        for username: String, label: String, now: Int64, lifetime: Duration? = nil
    ) throws -> String {
        guard try person(username) != nil else { throw unknown(username) }
        let token = Secrets.token()
        let expires = now + LoginLimits.milliseconds(lifetime ?? limits.tokenLifetime)
        try db.write { db in
            try db.execute(
                sql:
                    "INSERT INTO api_token(digest, username, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [Secrets.tokenDigest(token), username, label, now, expires])
            try record(
                db, "token-issued", of: username, at: now,
                detail:
                    "\(label), valid until \(Timestamp(millisecondsSinceEpoch: expires).inAmsterdam.rfc3339Seconds)"
            )
        }
        return token
    }

    /// The person a token belongs to, if it is known, unexpired and its account enabled.
    public func authenticate(token: String, now: Int64) throws -> Result<Person, PeopleError> {
        guard token.hasPrefix(Secrets.tokenPrefix) else {
            return .failure(
                PeopleError(
                    .notSignedIn, "that is not a Knooppunt token (they start with \(Secrets.tokenPrefix))"))
        }
        let row = try db.read { db in
            try Row.fetchOne(
                db, sql: "SELECT username, expires_at FROM api_token WHERE digest = ?",
                arguments: [Secrets.tokenDigest(token)])
        }
        guard let row else {
            return .failure(
                PeopleError(.sessionExpired, "the token is unknown or was revoked; ask for a new one"))
        }
        let expires: Int64 = row["expires_at"]
        guard now < expires else {
            return .failure(
                PeopleError(.sessionExpired, "the token expired; ask an administrator for a new one"))
        }
        guard let person = try person(row["username"]) else {
            return .failure(PeopleError(.sessionExpired, "the token's account is gone"))
        }
        guard !person.disabled else {
            return .failure(PeopleError(.accountDisabled, "the account \(person.username) is disabled"))
        }
        return .success(person)
    }

    /// Revokes every token of `username`; returns how many there were.
    @discardableResult
    public func revokeTokens(of username: String, now: Int64) throws -> Int {
        try db.write { db in
            try db.execute(sql: "DELETE FROM api_token WHERE username = ?", arguments: [username])
            let count = db.changesCount
            try record(db, "tokens-revoked", of: username, at: now, detail: "\(count)")
            return count
        }
    }

    /// How many unexpired tokens each person holds (for `users list`).
    public func tokenCounts(now: Int64) throws -> [String: Int] {
        try db.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT username, count(*) AS n FROM api_token WHERE expires_at > ? GROUP BY username",
                arguments: [now])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["username"] as String, $0["n"] as Int) })
        }
    }

    // MARK: Helpers

    private func checkStrength(_ password: String) throws {
        guard password.count >= limits.minPasswordLength else {
            throw PeopleError(.weakPassword, "a password has at least \(limits.minPasswordLength) characters")
        }
    }

    private func update(_ username: String, _ body: (Database) throws -> Void) throws {
        try db.write { db in
            let known = try Int.fetchOne(
                db, sql: "SELECT 1 FROM person WHERE username = ?", arguments: [username])
            guard known != nil else { throw unknown(username) }
            try body(db)
        }
    }

    private func unknown(_ username: String) -> PeopleError {
        PeopleError(
            .unknownPerson, "\(organisation) has no account \(username.prefix(64)) (knooppunt users list)")
    }

    private func lockedOut(_ person: Person) -> PeopleError {
        PeopleError(
            .lockedOut,
            "too many wrong passwords: the account \(person.username) is locked until \(Timestamp(millisecondsSinceEpoch: person.throttle.lockedUntil ?? 0).inAmsterdam.rfc3339Seconds) (or until an administrator resets it)"
        )
    }

    private func store(_ throttle: LoginThrottle, for username: String) throws {
        try db.write { db in
            try db.execute(
                sql: "UPDATE person SET failures = ?, locked_until = ? WHERE username = ?",
                arguments: [throttle.failures, throttle.lockedUntil, username])
        }
    }

    private func makePerson(_ row: Row) -> Person {
        Person(
            username: row["username"], organisation: organisation, name: row["name"],
            role: Role(rawValue: row["role"]) ?? .viewer, disabled: row["disabled"],
            createdAt: row["created_at"],
            changedAt: row["changed_at"],
            throttle: LoginThrottle(failures: row["failures"], lockedUntil: row["locked_until"]))
    }
}
