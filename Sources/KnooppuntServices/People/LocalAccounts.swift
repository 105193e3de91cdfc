import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntStore
import Logging

/// For the local network of `knooppunt cluster` only: a desk officer account `officer` of the
/// national organisation, so whoever started the network can log in to the desk at once. Its
/// password is in an owner-only file whose path `cluster` prints (never the password). A real
/// deployment makes its accounts with `knooppunt users add`.
public enum LocalDeskOfficer {
    public static let username = "officer"

    /// Makes the national organisation's first administrator and `officer` when missing;
    /// returns the file with officer's password.
    public static func ensure(folder data: DataFolder, logger: Logger) throws -> URL {
        try FirstAdministrator.ensure(.national, folder: data, logger: logger)
        let folder = data.peopleFolder(.national)
        let file = folder.appendingPathComponent("\(username).password")
        let store = try PeopleStore(
            path: PeopleStore.path(in: folder), organisation: .national, actor: "cluster (local network)")
        if try store.person(username) == nil {
            let password = Secrets.password()
            try store.add(
                username: username, name: "Dienstdoende LOCC", role: .deskOfficer, password: password,
                now: Timestamp.nowMilliseconds())
            try DataFolder.writeSecret(Data("\(password)\n".utf8), to: file)
        }
        return file
    }
}

/// For the local network of `knooppunt cluster` only: a duty account `dienstdoende` (desk
/// officer: publishes, asks for and gives acknowledgements) in every organisation with a
/// daemon, with a personal token in `DIR/ORG/dienstdoende.token` (owner-only), so the commands
/// of the README publish as a named account at once. Nobody logs in with it (its password is
/// random and written nowhere); a real deployment makes its accounts with `knooppunt users`.
public enum LocalDutyAccounts {
    public static let username = "dienstdoende"
    /// How long a token of the local network lives; `cluster` issues a new one when it is gone.
    public static let tokenLifetime: Duration = .seconds(30 * 86_400)

    public static func account(_ organisation: OrganisationCode) -> ProgramAccount {
        ProgramAccount(username: username, name: "Dienstdoende \(organisation)", role: .deskOfficer)
    }

    public static func tokenFile(_ data: DataFolder, _ organisation: OrganisationCode) -> URL {
        data.peopleFolder(organisation).appendingPathComponent("\(username).token")
    }

    /// Makes the accounts that are missing and writes a token where none works. Run after the
    /// daemons started: a daemon makes its first administrator only in an empty store.
    public static func ensure(folder data: DataFolder, organisations: [OrganisationCode]) throws {
        let now = Timestamp.nowMilliseconds()
        for organisation in organisations {
            let store = try PeopleStore(
                path: PeopleStore.path(in: data.peopleFolder(organisation)), organisation: organisation,
                actor: "cluster (local network)")
            let file = tokenFile(data, organisation)
            if let token = try? String(contentsOf: file, encoding: .utf8),
                case .success = try store.authenticate(
                    token: token.trimmingCharacters(in: .whitespacesAndNewlines), now: now)
            {
                continue
            }
            guard
                case .token(let token) = try account(organisation).credential(
                    in: store, now: now, lifetime: tokenLifetime)
            else { continue }
            try DataFolder.writeSecret(Data("\(token)\n".utf8), to: file)
        }
    }
}
