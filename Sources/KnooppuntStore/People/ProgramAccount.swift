import Foundation
import KnooppuntCore
import KnooppuntDomain

/// A named account for a program that publishes for an organisation on its own: the exercise
/// runner, the benchmark's load, the chaos run's load. The daemon accepts reports only from its
/// organisation's people, so such a program acts as an account of its own, and every report it
/// sends names it ("Benchmark (knooppunt bench) (bench)"), never a real person. The account shows in `knooppunt users list` like any other; an administrator may
/// disable it.
///
/// Its password is random and written nowhere: nobody can log in with it. The program gets a
/// personal token for its run, which it revokes when it is done.
public struct ProgramAccount: Sendable, Hashable {
    public let username: String
    public let name: String
    public let role: Role

    public init(username: String, name: String, role: Role) {
        self.username = username
        self.name = name
        self.role = role
    }

    /// The exercise runner (`knooppunt exercise run`): a scenario also asks for
    /// acknowledgements, which takes a desk officer.
    public static let exerciseScript = ProgramAccount(
        username: "oefenscript", name: "Oefenscript", role: .deskOfficer)
    /// The load of `knooppunt bench`.
    public static let benchmark = ProgramAccount(
        username: "bench", name: "Benchmark (knooppunt bench)", role: .operator)
    /// The load of `knooppunt chaos`.
    public static let chaosLoad = ProgramAccount(
        username: "chaos", name: "Chaos load (knooppunt chaos)", role: .operator)

    /// How long a program's token lives when it is not revoked (a run that crashed).
    public static let tokenLifetime: Duration = .seconds(24 * 3600)

    /// Makes the account in `store` if it is missing, and issues a token for this run.
    /// Refuses (E803) when an administrator disabled the account.
    public func credential(
        in store: PeopleStore, now: Int64, lifetime: Duration = ProgramAccount.tokenLifetime
    ) throws -> PersonCredential {
        if let existing = try store.person(username) {
            guard !existing.disabled else {
                throw PeopleError(
                    .accountDisabled,
                    "the account \(username) of \(store.organisation) is disabled; enable it with `knooppunt users enable \(username) --as \(store.organisation)`"
                )
            }
        } else {
            // The password is never written down; its ~116 random bits are what protects it,
            // so bcrypt's lowest cost loses nothing and keeps a 27-organisation setup quick.
            let hashed = PeopleStore(reusing: store, hasher: PasswordHasher(cost: 4))
            try hashed.add(username: username, name: name, role: role, password: Secrets.password(), now: now)
        }
        return .token(
            try store.issueToken(for: username, label: "program run", now: now, lifetime: lifetime))
    }

    /// Opens the accounts of `organisation` (kept in `folder`) and issues a token as above.
    public func credential(
        folder: URL, organisation: OrganisationCode, actor: String, now: Int64
    ) throws -> PersonCredential {
        let store = try PeopleStore(
            path: PeopleStore.path(in: folder), organisation: organisation, actor: actor)
        return try credential(in: store, now: now)
    }

    /// Ends the tokens of this run.
    public func revoke(folder: URL, organisation: OrganisationCode, actor: String, now: Int64) {
        guard
            let store = try? PeopleStore(
                path: PeopleStore.path(in: folder), organisation: organisation, actor: actor)
        else { return }
        _ = try? store.revokeTokens(of: username, now: now)
    }
}
