import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore

/// `--token-file` / `--user`: the CLI acts as a named person of the organisation, checked
/// against its accounts and its role, and the person becomes the report's author.
struct PersonOptions: ParsableArguments {
    @Option(
        help:
            "Act as the person whose personal token is in this owner-only file (knooppunt users token)."
    )
    var tokenFile: String?
    @Option(help: "Act as this person of the organisation; the password is asked on the terminal.")
    var user: String?

    func validate() throws {
        if tokenFile != nil && user != nil { throw ValidationError("give --token-file or --user, not both") }
    }

    /// The signed-in person if `--token-file` or `--user` was given (nil otherwise), after
    /// checking that their role may do `action`. A refusal prints its code and exits with
    /// ``PersonOptions/refusedExit``.
    func person(
        of organisation: OrganisationCode, folder: DataFolder, for action: PersonAction
    ) throws -> Person? {
        guard tokenFile != nil || user != nil else { return nil }
        let store: PeopleStore
        do {
            store = try PeopleStore(
                path: PeopleStore.path(in: folder.peopleFolder(organisation)), organisation: organisation,
                actor: CommandLineActor.name)
        } catch {
            printError("E600 storageFailure: cannot open the accounts of \(organisation): \(error)")
            throw ExitCode(Self.refusedExit)
        }
        let now = FirstAdministrator.now()
        let outcome: Result<Person, PeopleError>
        if let tokenFile {
            outcome = try store.authenticate(token: try Self.readToken(tokenFile), now: now)
        } else {
            guard let password = Self.askPassword(user!) else {
                printError("E800 notSignedIn: no password given for \(user!)")
                throw ExitCode(Self.refusedExit)
            }
            outcome = try store.login(username: user!, password: password, now: now)
        }
        switch outcome {
        case .success(let person):
            if let refusal = RolePolicy.check(person.role, action) {
                printError(refusal.description)
                throw ExitCode(Self.refusedExit)
            }
            return person
        case .failure(let refusal):
            printError(refusal.description)
            throw ExitCode(Self.refusedExit)
        }
    }

    /// The exit code when the person is not accepted (E800–E805).
    static let refusedExit: Int32 = 6

    /// Reads a token file, refusing one that others may read.
    static func readToken(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path) else {
            printError("E800 notSignedIn: cannot read the token file \(path)")
            throw ExitCode(refusedExit)
        }
        guard info.st_mode & 0o077 == 0 else {
            printError(
                "E800 notSignedIn: \(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 on it, and ask for a new token if others could read it"
            )
            throw ExitCode(refusedExit)
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Asks the password on the terminal without echo (never from the command line, where
    /// other users could read it in the process list).
    static func askPassword(_ user: String) -> String? {
        guard let pointer = getpass("Password for \(user): ") else { return nil }
        let password = String(cString: pointer)
        return password.isEmpty ? nil : password
    }
}
