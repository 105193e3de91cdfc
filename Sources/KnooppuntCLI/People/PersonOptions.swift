import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore

/// `--token-file` / `--user`: the CLI acts as a named person of the organisation, checked
/// against its accounts and its role, and the person becomes the report's author.
struct PersonOptions: ParsableArguments {
    @Option(
        help:
            "Act as the person whose personal token is in this owner-only file (knooppunt users token)."
    )
    var tokenFile: String?
    @Option(
        help:
            "Act as this person of the organisation; the password is asked on the terminal. Without either, the token file in $KNOOPPUNT_TOKEN_FILE."
    )
    var user: String?

    func validate() throws {
        if tokenFile != nil && user != nil { throw ValidationError("give --token-file or --user, not both") }
    }

    /// The person the command acts for, checked against the organisation's accounts and
    /// their role's permission for `action`, with the credential the daemon checks again:
    /// `--token-file`, `--user` (a login; the session ends with ``SignedIn/close()``), or the
    /// token file named by `KNOOPPUNT_TOKEN_FILE`. Without any of them, or when refused,
    /// prints the code and exits with ``PersonOptions/refusedExit``.
    func signIn(
        of organisation: OrganisationCode, folder: DataFolder, for action: PersonAction
    ) throws -> SignedIn {
        let tokenFile = self.tokenFile ?? (user == nil ? Self.environmentTokenFile : nil)
        guard tokenFile != nil || user != nil else {
            printError(
                "E800 notSignedIn: the daemon of \(organisation) accepts reports only from its own people; give --token-file FILE (from `knooppunt users token NAME --as \(organisation)`), --user NAME, or set \(Self.tokenFileVariable)"
            )
            throw ExitCode(Self.refusedExit)
        }
        let store: PeopleStore
        do {
            store = try PeopleStore(
                path: PeopleStore.path(in: folder.peopleFolder(organisation)), organisation: organisation,
                actor: CommandLineActor.name)
        } catch {
            printError("E600 storageFailure: cannot open the accounts of \(organisation): \(error)")
            throw ExitCode(Self.refusedExit)
        }
        let now = Timestamp.nowMilliseconds()
        let outcome: Result<Person, PeopleError>
        // A token is shown to the daemon as it is; a login gets a session of its own below.
        var token: String?
        if let tokenFile {
            token = try Self.readToken(tokenFile)
            outcome = try store.authenticate(token: token!, now: now)
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
            // The login opens a session for this command only; the daemon checks it.
            let credential =
                try token.map(PersonCredential.token)
                ?? .session(store.openSession(for: person.username, now: now))
            return SignedIn(person: person, credential: credential, store: store)
        case .failure(let refusal):
            printError(refusal.description)
            throw ExitCode(Self.refusedExit)
        }
    }

    /// The environment variable naming a token file, for a shell that publishes as one person.
    static let tokenFileVariable = "KNOOPPUNT_TOKEN_FILE"
    static var environmentTokenFile: String? {
        ProcessInfo.processInfo.environment[tokenFileVariable].flatMap { $0.isEmpty ? nil : $0 }
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

/// A person signed in for one command, and what the daemon is shown for them.
struct SignedIn {
    let person: Person
    let credential: PersonCredential
    let store: PeopleStore

    /// Ends the session a `--user` login opened (a token stays valid).
    func close() {
        if case .session(let id) = credential {
            try? store.logout(id, now: Timestamp.nowMilliseconds())
        }
    }
}
