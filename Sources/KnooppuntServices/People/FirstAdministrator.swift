import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntStore
import Logging

/// The first administrator of an organisation, made when its process first starts and it has
/// no account yet: user `admin` with a generated password in an owner-only file. The log and
/// standard error name the file, never the password.
public enum FirstAdministrator {
    public static let username = "admin"

    /// Creates `admin` if the organisation has no account. Returns the password file when it
    /// did, nil when accounts existed already.
    @discardableResult
    public static func ensure(
        _ organisation: OrganisationCode, folder data: DataFolder, logger: Logger,
        hasher: PasswordHasher = PasswordHasher()
    ) throws -> URL? {
        let folder = data.peopleFolder(organisation)
        try DataFolder.makeOwnerOnly(folder)
        let store = try PeopleStore(
            path: PeopleStore.path(in: folder), organisation: organisation, hasher: hasher,
            actor: "first run")
        guard try store.isEmpty() else { return nil }
        let password = Secrets.password()
        let file = data.firstAdministratorFile(organisation)
        do {
            try store.add(
                username: username, name: "Beheerder \(organisation)", role: .administrator,
                password: password, now: Timestamp.nowMilliseconds())
        } catch let error as PeopleError where error.code == .personExists {
            // Another process of the same organisation made it first; its file is the one.
            return nil
        }
        // If the file cannot be written, `knooppunt users reset admin` gives a new password.
        try DataFolder.writeSecret(
            Data(
                """
                # Knooppunt: the first administrator of \(organisation). Read once, then delete this file.
                user: \(username)
                password: \(password)

                """.utf8), to: file)
        let instruction =
            "\(organisation): first administrator '\(username)' created; its password is in \(file.path) (owner-only). "
            + "Add accounts with `knooppunt users add NAME --as \(organisation) --role operator`, "
            + "change the password with `knooppunt users reset \(username) --as \(organisation)`, then delete the file."
        logger.notice("\(instruction)", metadata: ["org": "\(organisation)", "person": "\(username)"])
        return file
    }

}
