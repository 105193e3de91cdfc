import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

/// `knooppunt signal …`: person-related signals to named recipients, by policy (issue 18).
struct SignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract:
            "Send a signal about a person to named recipients; acknowledge it, record the follow-up, list states.",
        discussion: """
            A signal (signaal) names a person only by a pseudonymous reference that the sender \
            resolves, says what kind of signal it is (radicalisation, violence, psychological, \
            other), carries the sender's assessment and one legal basis from the signal policy \
            (config/signals.yaml, or DIR/signals.yaml), and asks the recipients to inform, \
            discuss (MAR or case meeting) or act. The node refuses what the policy does not allow \
            (E310–E315) and writes the refusal to the audit log. Only the sender and the \
            recipients read it; the national desk sees that it exists and its states, not its \
            content. A person of each recipient acknowledges receipt (`signal ack`), then \
            records the follow-up (`signal follow-up`). Its content is shown only to a person, by \
            `signal show`, and every opening is in the node's audit log and reaches the sender. The sender sees per recipient: \
            delivered, acknowledged, followed up, overdue (no acknowledgement within the \
            policy's acknowledgeWithinMinutes; the alert service raises it as an alarm).

            Examples:
              knooppunt signal send --as DJI --to GEM-UTRECHT --kind radicalisation --basis WJSG-39F \\
                --person DJI-2026-0042 --assessment "Uitingen die op radicalisering wijzen" --asked discussMAR --user jdevries
              knooppunt signal list --as DJI
              knooppunt signal show 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as GEM-UTRECHT --user pbakker
              knooppunt signal ack 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as GEM-UTRECHT --user pbakker
              knooppunt signal follow-up 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as GEM-UTRECHT --outcome caseMeeting --note "MAR 12 maart" --user pbakker
              knooppunt signal list --json
            """,
        subcommands: [
            SignalSendCommand.self, SignalAckCommand.self, SignalFollowUpCommand.self, SignalListCommand.self,
            SignalShowCommand.self,
        ])
}

extension SignalKind: ExpressibleByArgument {}
extension SignalRequest: ExpressibleByArgument {}
extension SignalOutcome: ExpressibleByArgument {}

/// The signal records `organisation`'s view holds (its daemon's picture), or the national
/// desk's (the node's log).
enum SignalSource {
    static func records(_ folder: FolderOption, as organisation: OrganisationCode?) throws -> [SignalRecord] {
        if let organisation, organisation != .national {
            let endpoint = folder.folder.operatorEndpoint(organisation)
            guard LocalClient.socketExists(endpoint),
                let answer = try? OperatorClient(endpoint: endpoint).picture(timeout: .seconds(10))
            else { throw DaemonPicture.notRunning(folder.folder, organisation) }
            return SignalRecord.records(pictureAnswer: answer)
        }
        let log = try OfflineStores.log(folder.folder)
        return try log.allUpdates(matching: LogFilter(types: [.signal, .signalAck, .signalFollowUp]))
            .compactMap {
                SignalRecord($0, view: .organisation(.national))
            }
    }

    /// The signal `id` in `organisation`'s view, or a refusal (E404) that says where to look.
    static func signal(
        _ id: ReportID, in records: [SignalRecord], as organisation: OrganisationCode
    ) throws
        -> SignalRecord
    {
        guard let signal = records.first(where: { $0.record.id == id && $0.record.type == .signal }) else {
            printError(
                "E404 unknownReport: no signal \(id) in \(organisation)'s picture (see `knooppunt signal list --as \(organisation)`)"
            )
            throw ExitCode(ExitCodes.invalid)
        }
        return signal
    }

    /// What an answer to a signal starts with, for `ack` and `follow-up` alike: the subject's id,
    /// the person signed in for `action`, and the signal in the answering organisation's view.
    static func answering(
        _ subject: String, options: AckWriteOptions, person: PersonOptions, for action: PersonAction
    ) throws -> (id: ReportID, signedIn: SignedIn, signal: SignalRecord) {
        guard let id = ReportID(subject) else { throw ValidationError("not a report id: \(subject)") }
        let signedIn = try person.signIn(of: options.organisation, folder: options.folder.folder, for: action)
        do {
            let signal = try signal(
                id, in: try records(options.folder, as: options.organisation), as: options.organisation)
            return (id, signedIn, signal)
        } catch {
            signedIn.close()
            throw error
        }
    }
}

struct SignalSendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Send a signal about a person to named recipients.",
        discussion: """
            Example:
              knooppunt signal send --as DJI --to GEM-UTRECHT,POLICE --kind radicalisation --basis WJSG-39F \\
                --person DJI-2026-0042 --assessment "Uitingen die op radicalisering wijzen" --asked discussMAR --user jdevries
            """)
    @Option(help: "The recipients (GEM-UTRECHT,POLICE,…).") var to: OrganisationList
    @Option(help: "radicalisation, violence, psychological or other.") var kind: SignalKind
    @Option(help: "The legal basis: a code of the signal policy (e.g. WJSG-39F).") var basis: String
    @Option(help: "The pseudonymous reference only your organisation can resolve (no name, no BSN).")
    var person: String
    @Option(help: "Your assessment.") var assessment: String
    @Option(help: "inform, discussMAR, discussCaseMeeting or act.") var asked: SignalRequest
    @Option(help: "Days the recipients may keep it.") var retentionDays: Int = 365
    @Flag(help: "Send it as part of an exercise.") var exercise = false
    @Option(
        help:
            "With --exercise only: the content is deleted this many seconds after the commit, instead of after --retention-days."
    )
    var exerciseRetentionSeconds: Int?
    @OptionGroup var options: AckWriteOptions
    @OptionGroup var signer: PersonOptions

    func run() throws {
        let signedIn = try signer.signIn(
            of: options.organisation, folder: options.folder.folder, for: .publishOwn)
        defer { signedIn.close() }
        let signal = Signal(
            sender: options.organisation, person: person, kind: kind, assessment: assessment,
            legalBasis: basis,
            recipients: OrganisationSet(to.codes), retentionDays: retentionDays, asked: asked,
            exerciseRetentionSeconds: exerciseRetentionSeconds)
        try options.publish(.signal(signal), exercise: exercise, by: signedIn)
    }
}

struct SignalAckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack", abstract: "Acknowledge receipt of a signal as a person of a recipient.",
        discussion:
            "Example:\n  knooppunt signal ack 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as GEM-UTRECHT --user pbakker"
    )
    @Argument(help: "The signal's report id.") var subject: String
    @Option(help: "A note.") var note: String?
    @OptionGroup var options: AckWriteOptions
    @OptionGroup var person: PersonOptions

    func run() throws {
        let (id, signedIn, signal) = try SignalSource.answering(
            subject, options: options, person: person, for: .giveAcknowledgement)
        defer { signedIn.close() }
        try options.publish(
            .signalAck(
                SignalAcknowledgement(
                    subject: id, by: signedIn.person.author, note: note,
                    classification: .parties(signal.readers))),
            exercise: signal.record.exercise, by: signedIn)
    }
}

struct SignalFollowUpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow-up", abstract: "Record what your organisation did with a signal.",
        discussion: """
            Outcomes: caseMeeting (taken into a case meeting or MAR), noAction, forwarded (on your \
            own legal basis: give --basis), closed.

            Example:
              knooppunt signal follow-up 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as GEM-UTRECHT --outcome caseMeeting --note "MAR 12 maart" --user pbakker
            """)
    @Argument(help: "The signal's report id.") var subject: String
    @Option(help: "caseMeeting, noAction, forwarded or closed.") var outcome: SignalOutcome
    @Option(help: "Your own legal basis, when forwarding.") var basis: String?
    @Option(help: "A note.") var note: String?
    @OptionGroup var options: AckWriteOptions
    @OptionGroup var person: PersonOptions

    func run() throws {
        let (id, signedIn, signal) = try SignalSource.answering(
            subject, options: options, person: person, for: .publishOwn)
        defer { signedIn.close() }
        try options.publish(
            .signalFollowUp(
                SignalFollowUp(
                    subject: id, outcome: outcome, by: signedIn.person.author, note: note, legalBasis: basis,
                    classification: .parties(signal.readers))),
            exercise: signal.record.exercise, by: signedIn)
    }
}

struct SignalListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Every signal with, per recipient, delivered / acknowledged / followed up / overdue.",
        discussion: """
            With --as, the signals that organisation sent or received, from its daemon's picture, \
            without their content (open one with `signal show ID --as ORG`: that is logged); without, every signal as the national desk sees it, from the \
            node's log: sender, recipients and states, never the content.

            Examples:
              knooppunt signal list --as DJI
              knooppunt signal list --json
            """)
    @Option(name: .customLong("as"), help: "The organisation whose signals to show.") var organisation:
        OrganisationCode?
    @Flag(help: "Include exercise signals.") var exercise = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var folder: FolderOption

    func run() throws {
        let records = try SignalSource.records(folder, as: organisation).filter {
            exercise || !$0.record.exercise
        }
        let board = NodeBoard.read(folder.folder, try folder.network())
        let policy = try SignalPolicy.load(folder: folder.folder.root)
        let signals = SignalTracker(acknowledgeWithinMs: policy.acknowledgeWithinMs).signals(
            in: records, applied: board?.applied, now: board?.now ?? Timestamp.nowMilliseconds())
        if json {
            print(JSONWriter.pretty(["signals": .array(signals.map(\.json))]))
            return
        }
        if signals.isEmpty { print("No signals.") }
        for signal in signals {
            let content = signal.content
            let what = [
                content?["kind"]?.stringValue, content?["asked"]?.stringValue,
                content?["person"]?.stringValue,
            ]
            .compactMap { $0 }
            let head =
                "\(signal.exercise ? "[OEFENING] " : "")signal \(signal.id) from \(signal.sender)"
                + (what.isEmpty
                    ? organisation == nil
                        ? " (content withheld from this view)"
                        : " (open it: knooppunt signal show \(signal.id) --as \(organisation!))"
                    : ": " + what.joined(separator: " · "))
            print(head)
            if let assessment = content?["assessment"]?.stringValue { print("  \(assessment)") }
            print("  " + signal.line)
            for read in signal.reads {
                print(
                    "  opened by \(read.by ?? "a person") of \(read.organisation)"
                        + (read.role.map { " (\($0))" } ?? "")
                        + " at \(Timestamp(millisecondsSinceEpoch: read.committedAt).inAmsterdam.rfc3339)")
            }
        }
    }
}
