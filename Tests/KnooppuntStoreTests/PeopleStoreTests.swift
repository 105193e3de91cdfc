import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntTestSupport
import Testing

@Suite("People store")
struct PeopleStoreTests {
    /// bcrypt at its minimum cost: the tests check behaviour, not hashing speed.
    static func store(
        _ folder: borrowing TemporaryFolder, limits: LoginLimits = LoginLimits()
    ) throws -> PeopleStore {
        try PeopleStore(
            path: folder.path("people.sqlite"), organisation: Org.vr09, hasher: PasswordHasher(cost: 4),
            limits: limits)
    }

    static let password = "correct horse battery"

    @Test("an added person logs in with their password; the store keeps a bcrypt hash, not the password")
    func addAndLogin() throws {
        let folder = try TemporaryFolder()
        let store = try Self.store(folder)
        #expect(try store.isEmpty())
        try store.add(
            username: "jdevries", name: "Jan de Vries", role: .operator, password: Self.password, now: 1)
        let person = try store.login(username: "jdevries", password: Self.password, now: 2).get()
        #expect(person.role == .operator)
        #expect(person.author == "Jan de Vries (jdevries)")
        #expect(person.organisation == Org.vr09)
        let bytes =
            try Data(contentsOf: URL(fileURLWithPath: folder.path("people.sqlite")))
            + ((try? Data(contentsOf: URL(fileURLWithPath: folder.path("people.sqlite-wal")))) ?? Data())
        #expect(bytes.range(of: Data(Self.password.utf8)) == nil)
        #expect(bytes.range(of: Data("$2b$04$".utf8)) != nil)
    }

    @Test("refusals carry stable codes: exists E807, short password E808, bad name E210, unknown E806")
    func refusals() throws {
        let folder = try TemporaryFolder()
        let store = try Self.store(folder)
        try store.add(username: "jdevries", name: "Jan", role: .viewer, password: Self.password, now: 1)
        #expect(throws: PeopleError.self) {
            try store.add(username: "jdevries", name: "Jan", role: .viewer, password: Self.password, now: 1)
        }
        func code(_ body: () throws -> Void) -> ErrorCode? {
            do {
                try body()
                return nil
            } catch let error as PeopleError { return error.code } catch { return nil }
        }
        #expect(
            code {
                try store.add(username: "jdevries", name: "J", role: .viewer, password: Self.password, now: 1)
            } == .personExists)
        #expect(
            code { try store.add(username: "kort", name: "K", role: .viewer, password: "kort", now: 1) }
                == .weakPassword)
        #expect(
            code {
                try store.add(
                    username: "Has Space", name: "K", role: .viewer, password: Self.password, now: 1)
            } == .invalidID)
        #expect(code { try store.setDisabled("nobody", true, now: 1) } == .unknownPerson)
        #expect(code { try store.resetPassword("nobody", to: Self.password, now: 1) } == .unknownPerson)
    }

    @Test("a wrong password and an unknown name get the same answer (E801)")
    func sameAnswer() throws {
        let folder = try TemporaryFolder()
        let store = try Self.store(folder)
        try store.add(username: "jdevries", name: "Jan", role: .viewer, password: Self.password, now: 1)
        let wrong = try store.login(username: "jdevries", password: "wrong password!", now: 2)
        let unknown = try store.login(username: "nobody", password: "wrong password!", now: 2)
        #expect(wrong.failureValue == unknown.failureValue)
        #expect(wrong.failureValue?.code == .badCredentials)
    }

    @Test("five wrong passwords lock the account, even for the right one; a reset lifts it")
    func lockout() throws {
        let folder = try TemporaryFolder()
        let store = try Self.store(folder)
        try store.add(username: "jdevries", name: "Jan", role: .viewer, password: Self.password, now: 1)
        for _ in 1..<store.limits.maxFailures {
            #expect(
                try store.login(username: "jdevries", password: "wrong password!", now: 10).failureValue?.code
                    == .badCredentials)
        }
        #expect(
            try store.login(username: "jdevries", password: "wrong password!", now: 10).failureValue?.code
                == .lockedOut)
        #expect(
            try store.login(username: "jdevries", password: Self.password, now: 11).failureValue?.code
                == .lockedOut)
        let after = 10 + LoginLimits.milliseconds(store.limits.lockout)
        #expect(
            try store.login(username: "jdevries", password: Self.password, now: after).failureValue == nil)
        for _ in 1...store.limits.maxFailures {
            _ = try store.login(username: "jdevries", password: "wrong password!", now: after)
        }
        try store.resetPassword("jdevries", to: "another long password", now: after)
        #expect(
            try store.login(username: "jdevries", password: "another long password", now: after).failureValue
                == nil)
    }

    @Test("a disabled account cannot log in (E803) and its tokens stop working")
    func disabled() throws {
        let folder = try TemporaryFolder()
        let store = try Self.store(folder)
        try store.add(username: "jdevries", name: "Jan", role: .operator, password: Self.password, now: 1)
        let token = try store.issueToken(for: "jdevries", label: "test", now: 1)
        #expect(try store.authenticate(token: token, now: 2).failureValue == nil)
        try store.setDisabled("jdevries", true, now: 3)
        #expect(
            try store.login(username: "jdevries", password: Self.password, now: 4).failureValue?.code
                == .accountDisabled)
        #expect(try store.authenticate(token: token, now: 4).failureValue?.code == .accountDisabled)
    }

    @Test("a token names its person until it expires (E804) or the password is reset")
    func tokens() throws {
        let folder = try TemporaryFolder()
        let store = try Self.store(folder)
        try store.add(username: "jdevries", name: "Jan", role: .operator, password: Self.password, now: 0)
        let token = try store.issueToken(for: "jdevries", label: "test", now: 0, lifetime: .seconds(60))
        #expect(token.hasPrefix(Secrets.tokenPrefix))
        #expect(try store.authenticate(token: token, now: 59_999).get().username == "jdevries")
        #expect(try store.authenticate(token: token, now: 60_000).failureValue?.code == .sessionExpired)
        #expect(try store.authenticate(token: "kpt_guess", now: 1).failureValue?.code == .sessionExpired)
        #expect(try store.authenticate(token: "guess", now: 1).failureValue?.code == .notSignedIn)
        let second = try store.issueToken(for: "jdevries", label: "test", now: 0)
        try store.resetPassword("jdevries", to: "another long password", now: 1)
        #expect(try store.authenticate(token: second, now: 2).failureValue?.code == .sessionExpired)
    }

    @Test("the account history records every change, login, refusal and lock-out, by whom, and no secret")
    func events() throws {
        let folder = try TemporaryFolder()
        let store = try PeopleStore(
            path: folder.path("people.sqlite"), organisation: Org.vr09, hasher: PasswordHasher(cost: 4),
            actor: "cli:tester")
        try store.add(username: "jdevries", name: "Jan", role: .operator, password: Self.password, now: 1)
        _ = try store.login(username: "jdevries", password: Self.password, now: 2)
        for _ in 1...store.limits.maxFailures {
            _ = try store.login(username: "jdevries", password: "wrong password!", now: 3)
        }
        let token = try store.issueToken(for: "jdevries", label: "cli", now: 4)
        try store.revokeTokens(of: "jdevries", now: 5)
        try store.resetPassword("jdevries", to: "another long password", now: 6)
        try store.setDisabled("jdevries", true, now: 7)
        let events = try store.events(of: "jdevries", limit: 100)
        #expect(
            events.map(\.event) == [
                "added", "login", "login-refused", "login-refused", "login-refused", "login-refused",
                "locked",
                "token-issued", "tokens-revoked", "password-reset", "disabled",
            ])
        #expect(events.allSatisfy { $0.actor == "cli:tester" })
        #expect(events[0].detail == "operator")
        let text = events.map { "\($0)" }.joined()
        #expect(!text.contains(Self.password) && !text.contains(token) && !text.contains("wrong password!"))
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
