import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import Logging
import StrictJSON
import Synchronization

/// Who is asking: the person behind a screen request, from the session cookie or a personal
/// API token (`Authorization: Bearer kpt_…`), checked against the organisation's accounts on
/// every request (so disabling an account or resetting its password takes effect at once),
/// and what their role allows (``RolePolicy``).
///
/// Passwords, tokens and session ids are never logged; the log names the person.
public final class PeopleGate: Sendable {
    /// The session cookie's name, one per organisation: the desk and the screens may share a
    /// host (cookies ignore the port), and one login must not replace another.
    public static func cookieName(for organisation: OrganisationCode) -> String {
        "knooppunt_session_\(organisation.rawValue.lowercased())"
    }
    /// Logins checked at once (bcrypt is slow on purpose); more are refused with E500 rather
    /// than queued, so a flood of guesses cannot starve the screen.
    public static let maxConcurrentLogins = 4

    public let store: PeopleStore
    /// Adds `Secure` to the session cookie: set when the screen is served over TLS (a TLS
    /// proxy in front of it), so the browser never sends the cookie in the clear.
    public let secureCookies: Bool
    let logger: Logger
    let clock: @Sendable () -> Int64
    private let loginsRunning = Atomic<Int>(0)

    public init(
        store: PeopleStore, secureCookies: Bool = false, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { Timestamp.nowMilliseconds() }
    ) {
        self.store = store
        self.secureCookies = secureCookies
        self.logger = logger
        self.clock = clock
    }

    public var organisation: OrganisationCode { store.organisation }

    // MARK: Logging in and out

    /// Checks a user name and password; on success opens a session and returns the
    /// `Set-Cookie` value with the person.
    func login(username: String, password: String) async throws -> (cookie: String, person: Person) {
        guard loginsRunning.add(1, ordering: .relaxed).newValue <= Self.maxConcurrentLogins else {
            loginsRunning.subtract(1, ordering: .relaxed)
            throw APIError(.tooManyRequests, .rateLimited, "too many logins at once; try again in a moment")
        }
        defer { loginsRunning.subtract(1, ordering: .relaxed) }
        let now = clock()
        let store = self.store
        let outcome = try await offLoop { () -> Result<(String, Person), PeopleError> in
            try store.login(username: username, password: password, now: now).flatMap { person in
                Result { try store.openSession(for: person.username, now: now) }
                    .map { ($0, person) }
                    .mapError { PeopleError(.storageFailure, "cannot open a session: \($0)") }
            }
        }
        switch outcome {
        case .success(let (id, person)):
            logger.notice("person logged in", metadata: metadata(person))
            return (
                cookie(id, maxAge: Int(LoginLimits.milliseconds(store.limits.maxSessionAge) / 1000)), person
            )
        case .failure(let refusal):
            // The name only when it is an account: people type their password into the name
            // field, and a log must never hold that.
            let known = (try? await offLoop { try store.person(username) }) != nil
            logger.notice(
                "login refused",
                metadata: [
                    "org": "\(organisation)", "person": "\(known ? username : "(not an account)")",
                    "code": "\(refusal.code.label)",
                ])
            throw Self.apiError(refusal)
        }
    }

    /// Ends the request's session (if any) and returns the `Set-Cookie` value that clears it.
    func logout(_ request: Request) async throws -> String {
        if let id = sessionID(request) {
            let store = self.store
            let now = clock()
            try await offLoop { try store.logout(id, now: now) }
        }
        return cookie("", maxAge: 0)
    }

    // MARK: Identifying

    /// The person behind `request`, or a 401 (E800 not signed in, E804 expired) or 403 (E803
    /// disabled).
    public func person(_ request: Request) async throws -> Person {
        if let header = request.headers[.authorization], !header.hasPrefix("Bearer ") {
            throw APIError(
                .unauthorized, .notSignedIn, "send a personal token as \"Authorization: Bearer …\"")
        }
        guard let credential = credential(request) else {
            throw APIError(
                .unauthorized, .notSignedIn, "not signed in: log in at /login, or send a personal API token")
        }
        let now = clock()
        let store = self.store
        switch try await offLoop({ try store.authenticate(credential, now: now) }) {
        case .success(let person): return person
        case .failure(let refusal): throw Self.apiError(refusal)
        }
    }

    /// The person behind `request` if their role allows `action`; otherwise 401 or 403 with
    /// E805 naming the roles that may.
    public func require(_ request: Request, _ action: PersonAction) async throws -> Person {
        let person = try await person(request)
        if let refusal = RolePolicy.check(person.role, action) {
            logger.notice(
                "refused by role", metadata: metadata(person).merging(["action": "\(action.rawValue)"]) { $1 }
            )
            var error = APIError(.forbidden, refusal.code, refusal.message)
            error.detail["role"] = .string(person.role.rawValue)
            error.detail["action"] = .string(action.rawValue)
            throw error
        }
        return person
    }

    /// What `request` proves its person with (bearer token or session cookie), for the
    /// daemon, which checks it again before it accepts a report.
    public func credential(_ request: Request) -> PersonCredential? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            return .token(String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces))
        }
        return sessionID(request).map { .session($0) }
    }

    // MARK: Helpers

    private func sessionID(_ request: Request) -> String? {
        request.cookie(Self.cookieName(for: organisation))
    }

    private func cookie(_ value: String, maxAge: Int) -> String {
        "\(Self.cookieName(for: organisation))=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
            + (secureCookies ? "; Secure" : "")
    }

    func metadata(_ person: Person) -> Logger.Metadata {
        ["org": "\(person.organisation)", "person": "\(person.username)", "role": "\(person.role.rawValue)"]
    }

    static func apiError(_ refusal: PeopleError) -> APIError {
        let status: HTTPResponse.Status =
            switch refusal.code {
            case .lockedOut, .accountDisabled, .roleNotPermitted: .forbidden
            default: .unauthorized
            }
        return APIError(status, refusal.code, refusal.message)
    }

    /// Runs blocking work (SQLite, bcrypt) on a Dispatch thread, never on the concurrency
    /// pool or an event loop: two cores here, and a login's bcrypt takes a quarter second.
    private func offLoop<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}

extension JSONValue {
    /// A write's body with `person` set to the signed-in person: whoever is logged in is the
    /// author, whatever the body says.
    func naming(_ person: Person) -> JSONValue {
        var object = objectValue ?? [:]
        object["person"] = .string(person.author)
        return .object(object)
    }
}
