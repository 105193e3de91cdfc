import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore

struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage an organisation's accounts: people, their roles and their API tokens.",
        discussion: """
            Accounts live in the organisation's own folder (DIR/ORG/people.sqlite; the national \
            desk's in DIR/desk/). Roles: viewer, operator (publishes the organisation's own \
            reports), desk-officer (national advice, acknowledgement requests, escalations), \
            administrator (accounts, keys, policy); docs/PEOPLE.md has the whole table.

            Passwords are stored as bcrypt hashes. A generated password goes to an owner-only \
            file (printed only with --show-password); --password-stdin takes a chosen one. \
            Nothing else here prints a secret.

            Exit codes: 0 done; 1 invalid input (E210 bad user name, E206 name too long, E808 \
            password too short); 6 no such account (E806); 7 the account exists (E807); 8 the \
            store could not be used.
            """,
        subcommands: [
            UsersAdd.self, UsersList.self, UsersDisable.self, UsersEnable.self, UsersReset.self,
            UsersToken.self, UsersRevoke.self, UsersLog.self,
        ])
}

/// `--as ORG` and `--dir`, and the store they name.
struct PeopleOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: "The organisation (VR09, NCTV, POLICE, NATIONAL for the desk).")
    var organisation: OrganisationCode
    @OptionGroup var folder: FolderOption

    func store() throws -> PeopleStore {
        let folder = folder.folder.peopleFolder(organisation)
        do {
            try DataFolder.makeOwnerOnly(folder)
            return try PeopleStore(
                path: PeopleStore.path(in: folder), organisation: organisation, actor: CommandLineActor.name)
        } catch {
            printError(
                "E600 storageFailure: cannot open the accounts of \(organisation) in \(folder.path): \(error)"
            )
            throw ExitCode(UsersExit.storeUnusable)
        }
    }

    /// Runs `body`, turning a refusal into its code on standard error and its exit code.
    func perform(_ body: (PeopleStore) throws -> Void) throws {
        let store = try store()
        do {
            try body(store)
        } catch let error as PeopleError {
            printError(error.description)
            throw ExitCode(UsersExit.code(for: error.code))
        }
    }
}

/// The stable exit codes of `knooppunt users`.
enum UsersExit {
    static let invalid: Int32 = 1
    static let unknownPerson: Int32 = 6
    static let personExists: Int32 = 7
    static let storeUnusable: Int32 = 8

    static func code(for code: ErrorCode) -> Int32 {
        switch code {
        case .unknownPerson: unknownPerson
        case .personExists: personExists
        case .invalidID, .tooLong, .weakPassword: invalid
        default: storeUnusable
        }
    }
}

/// How a new password reaches its person.
struct PasswordDelivery: ParsableArguments {
    @Flag(help: "Read the password from standard input (one line) instead of generating one.")
    var passwordStdin = false
    @Flag(help: "Print the generated password once on standard output instead of writing a file.")
    var showPassword = false
    @Option(help: "Where to write a generated password (owner-only; default DIR/ORG/USER.password).")
    var passwordFile: String?

    /// The password to set: read from standard input, or generated.
    func password() throws -> String {
        guard passwordStdin else { return Secrets.password() }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            printError("E808 weakPassword: no password on standard input")
            throw ExitCode(UsersExit.invalid)
        }
        return line
    }

    /// Hands a generated password over: printed (when asked) or written to its file.
    func deliver(_ password: String, user: String, options: PeopleOptions) throws {
        guard !passwordStdin else { return }
        if showPassword {
            print("password for \(user) (shown once, not stored anywhere readable): \(password)")
            return
        }
        let file =
            passwordFile.map { URL(fileURLWithPath: $0) }
            ?? options.folder.folder.peopleFolder(options.organisation).appendingPathComponent(
                "\(user).password")
        try DataFolder.writeSecret(Data("\(password)\n".utf8), to: file)
        print("password for \(user) written to \(file.path) (owner-only); hand it over, then delete the file")
    }
}

struct UsersAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a person with a role.",
        discussion: """
            Examples:
              knooppunt users add jdevries --as VR09 --role operator --name "Jan de Vries"
              knooppunt users add officer --as NATIONAL --role desk-officer --name "LOCC dienst" --show-password
            """)

    @Argument(help: "The user name (2–32 of a-z, 0-9, '.', '_', '-').") var user: String
    @Option(help: "viewer, operator, desk-officer or administrator.") var role: Role
    @Option(help: "The person's full name, as the history and the audit log will show it.") var name: String
    @OptionGroup var options: PeopleOptions
    @OptionGroup var delivery: PasswordDelivery

    func run() throws {
        let password = try delivery.password()
        try options.perform { store in
            let person = try store.add(
                username: user, name: name, role: role, password: password, now: Timestamp.nowMilliseconds())
            print(
                "added \(person.username) (\(person.name)) to \(options.organisation) as \(person.role.title)"
            )
        }
        try delivery.deliver(password, user: user, options: options)
    }
}

struct UsersList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the accounts (never their secrets).",
        discussion: "Example:\n  knooppunt users list --as VR09")

    @OptionGroup var options: PeopleOptions

    func run() throws {
        try options.perform { store in
            let now = Timestamp.nowMilliseconds()
            let tokens = try store.tokenCounts(now: now)
            print(pad("USER", 20) + pad("ROLE", 15) + pad("STATE", 10) + pad("TOKENS", 8) + "NAME")
            for person in try store.list() {
                let state =
                    person.disabled ? "disabled" : person.throttle.isLocked(at: now) ? "locked" : "active"
                print(
                    pad(person.username, 20) + pad(person.role.rawValue, 15) + pad(state, 10)
                        + pad(String(tokens[person.username] ?? 0), 8) + person.name)
            }
        }
    }
}

struct UsersDisable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Stop an account: no login, its tokens and sessions stop working.",
        discussion: "Example:\n  knooppunt users disable jdevries --as VR09")

    @Argument(help: "The user name.") var user: String
    @OptionGroup var options: PeopleOptions

    func run() throws {
        try options.perform { store in
            try store.setDisabled(user, true, now: Timestamp.nowMilliseconds())
            print("disabled \(user) of \(options.organisation)")
        }
    }
}

struct UsersEnable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable", abstract: "Allow a disabled account again.",
        discussion: "Example:\n  knooppunt users enable jdevries --as VR09")

    @Argument(help: "The user name.") var user: String
    @OptionGroup var options: PeopleOptions

    func run() throws {
        try options.perform { store in
            try store.setDisabled(user, false, now: Timestamp.nowMilliseconds())
            print("enabled \(user) of \(options.organisation)")
        }
    }
}

struct UsersReset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Give a person a new password; lifts a lock-out and revokes their API tokens.",
        discussion: """
            Examples:
              knooppunt users reset jdevries --as VR09
              echo "a long chosen password" | knooppunt users reset admin --as VR09 --password-stdin
            """)

    @Argument(help: "The user name.") var user: String
    @OptionGroup var options: PeopleOptions
    @OptionGroup var delivery: PasswordDelivery

    func run() throws {
        let password = try delivery.password()
        try options.perform { store in
            try store.resetPassword(user, to: password, now: Timestamp.nowMilliseconds())
            print("reset the password of \(user) of \(options.organisation); their API tokens are revoked")
        }
        try delivery.deliver(password, user: user, options: options)
    }
}

struct UsersToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue a personal API token (Authorization: Bearer …) into an owner-only file.",
        discussion: """
            The token acts as the person, with their role, until it expires, the account is \
            disabled or its password is reset. It is written to the file only; the CLI takes \
            it with --token-file.

            Example:
              knooppunt users token jdevries --as VR09 --days 7
            """)

    @Argument(help: "The user name.") var user: String
    @Option(help: "Days the token is valid (default 30).") var days: Int = 30
    @Option(help: "Where to write it (owner-only; default DIR/ORG/USER.token).") var file: String?
    @OptionGroup var options: PeopleOptions

    func validate() throws {
        guard (1...366).contains(days) else { throw ValidationError("--days is 1…366") }
    }

    func run() throws {
        try options.perform { store in
            let token = try store.issueToken(
                for: user, label: "cli", now: Timestamp.nowMilliseconds(), lifetime: .seconds(days * 86_400))
            let url =
                file.map { URL(fileURLWithPath: $0) }
                ?? options.folder.folder.peopleFolder(options.organisation).appendingPathComponent(
                    "\(user).token")
            try DataFolder.writeSecret(Data("\(token)\n".utf8), to: url)
            print(
                "token for \(user) of \(options.organisation), valid \(days) days, written to \(url.path) (owner-only)"
            )
        }
    }
}

struct UsersRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke every API token of a person.",
        discussion: "Example:\n  knooppunt users revoke jdevries --as VR09")

    @Argument(help: "The user name.") var user: String
    @OptionGroup var options: PeopleOptions

    func run() throws {
        try options.perform { store in
            guard try store.person(user) != nil else {
                throw PeopleError(.unknownPerson, "\(options.organisation) has no account \(user)")
            }
            print(
                "revoked \(try store.revokeTokens(of: user, now: Timestamp.nowMilliseconds())) token(s) of \(user)"
            )
        }
    }
}

extension Role: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

struct UsersLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract:
            "What happened to the accounts: added, disabled, reset, tokens, logins, refusals, lock-outs.",
        discussion: """
            Oldest first, Europe/Amsterdam time, with who did it (cli:USER for this command, the \
            desk or a screen for logins). Never a secret.

            Examples:
              knooppunt users log --as VR09
              knooppunt users log jdevries --as VR09 --limit 200
            """)

    @Argument(help: "Only this person's events.") var user: String?
    @Option(help: "How many of the latest events.") var limit: Int = 50
    @OptionGroup var options: PeopleOptions

    func run() throws {
        try options.perform { store in
            for event in try store.events(of: user, limit: max(1, limit)) {
                let time = Timestamp(millisecondsSinceEpoch: event.at).inAmsterdam.rfc3339Seconds
                print(
                    [time, pad(event.username, 20), pad(event.event, 16), pad(event.actor, 22), event.detail]
                        .joined(separator: " "))
            }
        }
    }
}

/// The operating-system user running the CLI, as the account history names them.
enum CommandLineActor {
    static var name: String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "cli" }
        return "cli:\(String(cString: name))"
    }
}
