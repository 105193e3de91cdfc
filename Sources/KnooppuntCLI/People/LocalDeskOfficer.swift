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
enum LocalDeskOfficer {
    static let username = "officer"

    /// Makes the national organisation's first administrator and `officer` when missing;
    /// returns the file with officer's password.
    static func ensure(folder data: DataFolder, logger: Logger) throws -> URL {
        try FirstAdministrator.ensure(.national, folder: data, logger: logger)
        let folder = data.peopleFolder(.national)
        let file = folder.appendingPathComponent("\(username).password")
        let store = try PeopleStore(
            path: PeopleStore.path(in: folder), organisation: .national, actor: "cluster (local network)")
        if try store.person(username) == nil {
            let password = Secrets.password()
            try store.add(
                username: username, name: "Dienstdoende LOCC", role: .deskOfficer, password: password,
                now: FirstAdministrator.now())
            try DataFolder.writeSecret(Data("\(password)\n".utf8), to: file)
        }
        return file
    }
}
