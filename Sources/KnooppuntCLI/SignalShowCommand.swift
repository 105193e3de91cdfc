import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import StrictJSON

/// `knooppunt signal show ID`: opens a signal's content as a person, logged (issue 18).
struct SignalShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Open a signal's content as a person; the opening is logged and the sender sees it.",
        discussion: """
            Only the daemon of the sender or of a recipient holds a signal's content, and it \
            shows it only to one of its people whose role may read signals (operator, desk \
            officer). Before it shows anything it stores a read record (who, role, when; never \
            content) in its outbox; the node appends it to the audit log and delivers it to the \
            sender only. When the node cannot be reached the record waits in the outbox and the \
            content is still shown. `signal list --as ORG` lists signals without their content.

            Examples:
              knooppunt signal show 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as GEM-UTRECHT --user pbakker
              knooppunt signal show 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as DJI --token-file ~/.knooppunt/dji.token --json

            Exit codes: 0 shown, 1 refused (E404 no such signal here, E314 not sent to or by \
            this organisation, E316 its retention ended), 5 the daemon is not running, 6 the \
            person was refused (E800–E805).
            """)
    @Argument(help: "The signal's report id.") var subject: String
    @Option(
        name: .customLong("as"), help: "The organisation whose daemon holds it (the sender or a recipient).")
    var organisation: OrganisationCode
    @Flag(help: "Print the daemon's answer as JSON.") var json = false
    @OptionGroup var folder: FolderOption
    @OptionGroup var person: PersonOptions

    func run() throws {
        guard let id = ReportID(subject) else { throw ValidationError("not a report id: \(subject)") }
        let signedIn = try person.signIn(of: organisation, folder: folder.folder, for: .readSignals)
        defer { signedIn.close() }
        let endpoint = folder.folder.operatorEndpoint(organisation)
        let answer: OperatorResponse
        do {
            guard LocalClient.socketExists(endpoint) else {
                throw DaemonPicture.notRunning(folder.folder, organisation)
            }
            answer = try OperatorClient(endpoint: endpoint).openSignal(id, as: signedIn.credential)
        } catch let failure as ServiceFailure {
            printError(failure.message)
            throw ExitCode(ExitCodes.code(for: failure.kind))
        } catch {
            printError("the daemon of \(organisation) did not answer: \(error)")
            throw ExitCode(ExitCodes.daemonUnreachable)
        }
        switch answer {
        case .signal(let opened):
            if json {
                print(JSONWriter.pretty(opened))
            } else {
                print(Self.text(opened))
            }
        case .error(let refusal):
            let problem = refusal.first
            printError("E\(problem.code.rawValue) \(problem.code.name): \(problem.message)")
            throw ExitCode(
                problem.code.isPersonRefusal ? PersonOptions.refusedExit : ExitCodes.invalid)
        default:
            printError("the daemon of \(organisation) gave an unexpected answer (\(answer.command))")
            throw ExitCode(ExitCodes.invalid)
        }
    }

    /// The signal as a person reads it, then the read record that was kept.
    static func text(_ opened: JSONValue) -> String {
        let content = opened["content"]
        func field(_ name: String) -> String { content?[name]?.stringValue ?? "-" }
        let recipients = (content?["recipients"]?.arrayValue ?? []).compactMap(\.stringValue)
        let retention = content?["retentionDays"]?.integerValue.map { "\($0) days" } ?? "-"
        let read = opened["read"]
        return """
            \(opened["exercise"]?.boolValue == true ? "[OEFENING] " : "")signal \(opened["id"]?.stringValue ?? "")
              from:        \(opened["sender"]?.stringValue ?? "-")\(opened["author"]?.stringValue.map { " (\($0))" } ?? "")
              to:          \(recipients.joined(separator: ", "))
              person:      \(field("person"))
              kind:        \(field("kind"))
              asked:       \(field("asked"))
              legal basis: \(field("legalBasis"))
              retention:   \(retention)
              assessment:  \(field("assessment"))
            opened by \(read?["by"]?.stringValue ?? "-") (\(read?["role"]?.stringValue ?? "-")); read record \(read?["id"]?.stringValue ?? "-") \(read?["state"]?.stringValue ?? "")
            """
    }
}
