import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Hand a report to an organisation's daemon and follow it to the national node.",
        discussion: """
            Reads a document (JSON or YAML; `-` for standard input) or builds a short sitrep from \
            the quick flags, hands it to the daemon of --as, and prints the report id, "queued", \
            then "accepted seq N" once the national node has made it durable.

            The same body from the same organisation within a minute is refused (E504) unless you \
            add --again: a retry after a timeout must not create a second report.

            The police may attach police-internal labels (--police-label, from the policy's \
            policeInternal.labels): the police daemon keeps them with the report in its own store; \
            they are not part of the report and never leave the police's host. Any other \
            organisation is refused (E301), an unlisted label too (E205).

            The daemon accepts reports only from its own organisation's people. Name the person \
            with --token-file (a personal token, knooppunt users token), --user (the password is \
            asked on the terminal), or the token file in $KNOOPPUNT_TOKEN_FILE: their role must \
            allow the report, and they are its author, in the history, the timeline and the \
            audit log. On the local network of `knooppunt cluster` each organisation's duty \
            account has its token in DIR/ORG/dienstdoende.token.

            Exit codes: 0 accepted; 1 invalid document; 3 queued but not yet accepted when --wait \
            ran out (it stays queued and goes out as soon as the node answers); 4 refused by the \
            node (the code and message are printed); 5 the daemon is not running; 6 the person \
            was not accepted (E800–E805).

            Examples:
              knooppunt publish --as VR09 --token-file ~/.knooppunt/VR09.token docs/examples/sitrep.json
              export KNOOPPUNT_TOKEN_FILE=~/.knooppunt/VR09.token
              knooppunt publish --as VR09 --incident VR09-20190318-01 --text "Tram 24 Oktoberplein afgezet"
              knooppunt publish --as VR09 --incident VR09-20190318-01 --text "Dijk Lek bij Vianen" \\
                --classification kind:waterBoard+kind:national
              cat report.yaml | knooppunt publish --as VR09 -
              knooppunt publish --as POLICE --user pdevries --police-label vuurwapengevaarlijk police-sitrep.json
            """)

    @Option(
        name: .customLong("as"), help: "The organisation whose daemon publishes it (e.g. VR09, NCTV, POLICE)."
    )
    var organisation: OrganisationCode

    @Argument(help: "The document (JSON or YAML), or - for standard input. Leave out to use the quick flags.")
    var file: String?

    @Option(help: "Quick sitrep: the incident it is about.") var incident: String?
    @Option(help: "Quick sitrep: the text of the picture (beeld).") var text: String?
    @Option(help: "Quick sitrep: the discipline of the text (BRW, POL, GZ, BZ, CCOM, DEF, MULTI).")
    var discipline: String = "MULTI"
    @Option(
        help: """
            Quick sitrep: classification (public, partners, police, national), or an audience of \
            kinds and groups joined by + (kind:waterBoard, group:vital-infrastructure, \
            kind:waterBoard+kind:national): every organisation of those kinds or groups when the \
            node builds a view, including ones added later.
            """)
    var classification: String = "partners"
    @Option(help: "Quick sitrep: verification (unconfirmed, confirmed, retracted).") var verification:
        String = "unconfirmed"
    @Option(help: "Quick sitrep: confidence (low, medium, high).") var confidence: String = "medium"
    @Flag(help: "Quick sitrep: mark it as an exercise.") var exercise = false

    @Flag(help: "Publish even if the same body was published within the last minute.") var again = false
    @Option(
        name: .customLong("police-label"),
        help:
            "Police only: a police-internal label (e.g. vuurwapengevaarlijk) kept with the report in the police daemon's own store, never sent. Repeat for more."
    )
    var policeLabels: [String] = []
    @Option(help: "Seconds to wait for the node's answer (0: only queue it).") var wait: Double = 15
    @Flag(help: "Print the outcome as JSON.") var json = false
    @OptionGroup var folder: FolderOption
    @OptionGroup var person: PersonOptions

    func validate() throws {
        if file == nil && (incident == nil || text == nil) {
            throw ValidationError(
                "give a FILE (or - for standard input), or --incident and --text for a quick sitrep")
        }
        if file != nil && (incident != nil || text != nil) {
            throw ValidationError("give either a FILE or the quick flags, not both")
        }
    }

    func run() throws {
        var document = try readDocument()
        // Check locally first, so a typo never reaches the outbox.
        let codec = DocumentCodec()
        let value: JSONValue
        let type: ReportType
        do {
            value = try DocumentReader.read(document)
            type = try codec.decode(value).body.type
        } catch {
            for problem in error.problems {
                printError(
                    "\(problem.code.label) \(problem.code.name) at \(problem.field): \(problem.message)")
            }
            throw ExitCode(ExitCodes.invalid)
        }
        let endpoint = folder.folder.operatorEndpoint(organisation)
        guard LocalClient.socketExists(endpoint) else {
            printError(
                "E506 daemonUnreachable: the daemon of \(organisation) is not running in \(folder.folder.root.path) (start the network with `knooppunt cluster --dir \(folder.dir)`)"
            )
            throw ExitCode(ExitCodes.daemonUnreachable)
        }
        let signedIn = try person.signIn(
            of: organisation, folder: folder.folder, for: RolePolicy.action(publishing: type))
        defer { signedIn.close() }
        // The signed-in person is the author, whatever the document says (the daemon makes it
        // so too).
        var object = value.objectValue ?? [:]
        object["author"] = .string(signedIn.person.author)
        document = JSONWriter.canonical(.object(object))
        let client = try OperatorClient(endpoint: endpoint)
        let options = PublishOptions(
            again: again, policeLabels: policeLabels, credential: signedIn.credential)
        do {
            try client.send(.publish(document: document, options: options))
        } catch {
            printError("E506 daemonUnreachable: the daemon of \(organisation) does not answer on \(endpoint)")
            throw ExitCode(ExitCodes.daemonUnreachable)
        }
        guard let reply = try client.receive(timeout: .seconds(10)) else {
            printError("E506 daemonUnreachable: the daemon of \(organisation) did not answer")
            throw ExitCode(ExitCodes.daemonUnreachable)
        }
        switch reply {
        case .queued(let id, let originSeq):
            say(
                "\(id) queued (\(organisation) #\(originSeq))",
                ["report": .string(id.rawValue), "state": "queued"])
            try follow(client, id: id.rawValue)
        case .error(let refusal):
            printDaemonError(refusal)
            let code = refusal.first.code
            if code.isPersonRefusal { throw ExitCode(PersonOptions.refusedExit) }
            throw ExitCode(
                code == .duplicateSubmission || code == .outboxFull ? ExitCodes.rejected : ExitCodes.invalid)
        default:
            printError("unexpected answer \(reply.command) from the daemon")
            throw ExitCode(ExitCodes.daemonUnreachable)
        }
    }

    /// Waits for ACCEPTED/REJECTED up to --wait seconds.
    private func follow(_ client: OperatorClient, id: String) throws {
        guard wait > 0 else { throw ExitCode(ExitCodes.queuedNotAccepted) }
        guard let answer = try client.receive(timeout: .milliseconds(Int64(wait * 1000))) else {
            say(
                "\(id) still queued after \(wait)s: it stays in the outbox and goes out when the node answers (`knooppunt status --as \(organisation) --report \(id)`)",
                ["report": .string(id), "state": "queued"])
            throw ExitCode(ExitCodes.queuedNotAccepted)
        }
        switch answer {
        case .accepted(_, let epoch, let sequence, let degraded):
            say(
                "\(id) accepted seq \(sequence) (epoch \(epoch))\(degraded ? " — degraded: durable on one node only" : "")",
                [
                    "report": .string(id), "state": "accepted", "sequence": .integer(Int64(sequence)),
                    "epoch": .integer(Int64(epoch)), "degraded": .bool(degraded),
                ])
        case .rejected(_, let code, let message):
            say(
                "\(id) refused: \(code.map { "\($0.label) \($0.name)" } ?? "?"): \(message)",
                [
                    "report": .string(id), "state": "rejected", "code": .integer(Int64(code?.rawValue ?? 0)),
                    "message": .string(message),
                ])
            throw ExitCode(ExitCodes.rejected)
        default:
            throw ExitCode(ExitCodes.daemonUnreachable)
        }
    }

    private func say(_ line: String, _ object: JSONValue) {
        if json { print(String(decoding: JSONWriter.canonical(object), as: UTF8.self)) } else { print(line) }
        flushStandardOutput()
    }

    private func printDaemonError(_ refusal: OperatorRefusal) {
        for problem in refusal.problems.problems {
            printError(
                "E\(problem.code.rawValue) \(problem.code.name) at \(problem.field): \(problem.message)")
        }
    }

    private func readDocument() throws -> [UInt8] {
        if let file {
            if file == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("cannot read \(file)")
                throw ExitCode(ExitCodes.invalid)
            }
            return [UInt8](data)
        }
        var sitrep: [String: JSONValue] = [
            "type": "sitrep", "incident": .string(incident!), "confidence": .string(confidence),
            "verification": .string(verification),
            "beeld": .object([
                discipline.uppercased(): [
                    "text": .string(text!),
                    "classification": Audience(parsing: classification).map {
                        Classification.audience($0).json
                    }
                        ?? .string(classification),
                ]
            ]),
        ]
        if exercise { sitrep["exercise"] = true }
        return JSONWriter.canonical(.object(sitrep))
    }
}
