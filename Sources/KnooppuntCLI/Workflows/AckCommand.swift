import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

/// `knooppunt ack …`: acknowledgements by people, requests for them, and alarms.
struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge messages, ask for acknowledgements, see who is overdue, answer alarms.",
        discussion: """
            Any message can require acknowledgement from named parties by a deadline (`ack request`). \
            A person of each party confirms with `ack give`. `ack list` shows per party: delivered \
            (its daemon applied the request), acknowledged (by whom, when, late or not), overdue \
            (deadline passed). An overdue request raises an alarm that a person of the requester \
            or the national desk must acknowledge (`ack alarm`); until then the alert service \
            (`knooppunt alerts`) sends it out of band.

            Deadlines run on the national node's clock where its liveness board can be read \
            (--dir of the node's host or a local network); elsewhere delivery shows as unknown.

            Examples:
              knooppunt ack list --as VR09
              knooppunt ack list --json
              knooppunt ack give 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as VR09 --user jdevries
              knooppunt ack request 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as VR09 --parties VR14,POLICE --deadline 30m
              knooppunt ack alarm 9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d --as NCTV --token-file ./var/NCTV/dienstdoende.token --note "VR14 gebeld"
            """,
        subcommands: [AckListCommand.self, AckGiveCommand.self, AckRequestCommand.self, AckAlarmCommand.self])
}

/// The records and delivery facts an acknowledgement command works from.
struct AckContext {
    let records: [WorkflowRecord]
    let board: NodeBoard?
    var now: Int64 { board?.now ?? Timestamp.nowMilliseconds() }

    /// As `organisation` sees it (its daemon's picture), or as the national desk (the node's log).
    static func load(_ folder: FolderOption, as organisation: OrganisationCode?) throws -> AckContext {
        let board = NodeBoard.read(folder.folder, try folder.network())
        if let organisation, organisation != .national {
            return AckContext(records: try DaemonPicture.records(folder.folder, organisation), board: board)
        }
        return AckContext(records: try NationalLog.acknowledgementRecords(folder.folder), board: board)
    }

    func requests(rules: AlarmRules = .standard) -> [AcknowledgementRequestState] {
        AcknowledgementTracker(rules: rules).requests(in: records, applied: board?.applied, now: now)
    }
}

struct AckListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract:
            "Every acknowledgement request with, per party, delivered / acknowledged / overdue, and alarms.",
        discussion: """
            With --as, the requests that organisation sent or must answer, from its daemon's \
            picture; without, every request the national desk may see, from the node's log.

            Examples:
              knooppunt ack list --as VR09
              knooppunt ack list --json
            """)
    @Option(name: .customLong("as"), help: "The organisation whose requests to show.") var organisation:
        OrganisationCode?
    @Flag(help: "Include exercise requests.") var exercise = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var folder: FolderOption

    func run() throws {
        let context = try AckContext.load(folder, as: organisation)
        let records = context.records.filter { exercise || !$0.exercise }
        let tracker = AcknowledgementTracker()
        if json {
            print(
                JSONWriter.pretty(
                    tracker.board(
                        records: records, applied: context.board?.applied, now: context.now,
                        party: organisation)))
            return
        }
        let requests = tracker.requests(in: records, applied: context.board?.applied, now: context.now).filter
        {
            request in organisation.map { request.requestedBy == $0 || request.party($0) != nil } ?? true
        }
        if context.board == nil {
            print("(no national node's liveness board in \(folder.folder.root.path): delivery unknown)")
        }
        if requests.isEmpty { print("No acknowledgement requests.") }
        for request in requests { print(AckText.render(request)) }
    }
}

/// Acknowledgement requests for people.
enum AckText {
    static func clock(_ milliseconds: Int64) -> String {
        String(
            Timestamp(millisecondsSinceEpoch: milliseconds).inAmsterdam.rfc3339Seconds.dropFirst(11).prefix(5)
        )
    }

    /// "VR09 acknowledged 11:02 (Jan) · POLICE delivered · VR14 OVERDUE, not delivered".
    static func parties(_ request: AcknowledgementRequestState) -> String {
        if request.withheld { return "acknowledgements: request withheld from this view" }
        return request.parties.map { party in
            switch party.state {
            case .acknowledged:
                return "\(party.party) acknowledged \(party.acknowledgedAt.map(clock) ?? "")"
                    + (party.by.map { " (\($0))" } ?? "") + (party.late == true ? " LATE" : "")
            case .overdue:
                let delivery = party.delivered.map { $0 ? ", delivered" : ", not delivered" } ?? ""
                return "\(party.party) OVERDUE\(delivery)"
            case .delivered: return "\(party.party) delivered"
            case .notDelivered: return "\(party.party) not delivered"
            case .unknown: return "\(party.party) waiting"
            }
        }.joined(separator: " · ")
    }

    static func render(_ request: AcknowledgementRequestState) -> String {
        let deadline = request.deadline.map { $0.inAmsterdam.rfc3339Seconds } ?? "?"
        var lines = [
            "\(request.exercise ? "[OEFENING] " : "")\(request.subjectSummary ?? "report \(request.subject)") — from \(request.requestedBy), deadline \(deadline)",
            "  request \(request.request) · subject \(request.subject)",
            "  " + parties(request),
        ]
        if let note = request.note { lines.append("  note: \(note)") }
        if let alarm = request.alarm { lines.append("  " + alarmLine(request, alarm)) }
        return lines.joined(separator: "\n")
    }

    static func alarmLine(_ request: AcknowledgementRequestState, _ alarm: AcknowledgementAlarm) -> String {
        switch alarm.state {
        case .open:
            return "ALARM\(alarm.escalated ? " (escalated)" : "") since \(clock(alarm.raisedAt)): "
                + "\(alarm.missing.map(\.rawValue).joined(separator: ", ")) missing; a person acknowledges with "
                + "`knooppunt ack alarm \(request.request) --as \(request.requestedBy) --user NAME`"
        case .acknowledged:
            let by = alarm.acknowledgedBy
            return
                "alarm acknowledged \(by.map { clock($0.at) } ?? "") by \(by?.by ?? "?") (\(by?.organisation.rawValue ?? "?"))"
                + (by?.note.map { ": \($0)" } ?? "")
        case .resolved:
            return "alarm resolved: every party acknowledged, late"
        }
    }
}

/// What `give`, `request` and `alarm` share.
struct AckWriteOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: "The organisation whose daemon publishes it.") var organisation:
        OrganisationCode
    @Option(help: "Seconds to wait for the node's answer.") var wait: Double = 15
    @Flag(help: "Print JSON lines.") var json = false
    @OptionGroup var folder: FolderOption

    func publish(_ body: ReportBody, exercise: Bool, by signedIn: SignedIn) throws {
        var random = SystemRandomNumberGenerator()
        let document = ReportDocument(
            id: ReportID.random(using: &random), exercise: exercise, author: signedIn.person.author,
            body: body)
        let publisher = try WorkflowPublisher(
            folder: folder.folder, organisation: organisation, credential: signedIn.credential, wait: wait,
            output: printLine)
        try publisher.publish(
            [PlannedReport(document: document, summary: "\(body.type.rawValue)")], json: json)
    }
}

struct AckGiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "give", abstract: "Acknowledge a report as a person of your organisation.",
        discussion:
            "Example:\n  knooppunt ack give 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as VR09 --user jdevries"
    )
    @Argument(help: "The report id to acknowledge.") var subject: String
    @Option(help: "A note.") var note: String?
    @OptionGroup var options: AckWriteOptions
    @OptionGroup var person: PersonOptions

    func run() throws {
        guard let id = ReportID(subject) else { throw ValidationError("not a report id: \(subject)") }
        let signedIn = try person.signIn(
            of: options.organisation, folder: options.folder.folder, for: .giveAcknowledgement)
        defer { signedIn.close() }
        let by = signedIn.person.author
        let records = try DaemonPicture.records(options.folder.folder, options.organisation)
        guard let report = records.first(where: { $0.id == id }) ?? records.first(where: { $0.subject == id })
        else {
            printError(
                "E404 unknownReport: \(id) is not in \(options.organisation)'s picture (see `knooppunt ack list --as \(options.organisation)`)"
            )
            throw ExitCode(ExitCodes.invalid)
        }
        let requester = records.last { $0.type == .ackRequest && $0.subject == id }?.origin
        let readers = OrganisationSet([options.organisation, .national] + (requester.map { [$0] } ?? []))
        try options.publish(
            .ack(Acknowledgement(subject: id, by: by, note: note, classification: .parties(readers))),
            exercise: report.exercise, by: signedIn)
    }
}

struct AckRequestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Require acknowledgement of a report from named parties by a deadline.",
        discussion:
            "Example:\n  knooppunt ack request 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f --as VR09 --parties VR14,POLICE --deadline 30m"
    )
    @Argument(help: "The report id that must land.") var subject: String
    @Option(help: "Who must acknowledge (VR14,POLICE,…).") var parties: OrganisationList
    @Option(help: "By when, from now (e.g. 30m).") var deadline: DurationArgument
    @Option(help: "A note for the parties.") var note: String?
    @OptionGroup var options: AckWriteOptions
    @OptionGroup var person: PersonOptions

    func run() throws {
        guard let id = ReportID(subject) else { throw ValidationError("not a report id: \(subject)") }
        let signedIn = try person.signIn(
            of: options.organisation, folder: options.folder.folder, for: .requestAcknowledgement)
        defer { signedIn.close() }
        let records = try DaemonPicture.records(options.folder.folder, options.organisation)
        let exercise = records.first { $0.id == id }?.exercise ?? false
        let now =
            NodeBoard.read(options.folder.folder, try options.folder.network())?.now
            ?? Timestamp.nowMilliseconds()
        let readers = OrganisationSet(parties.codes + [options.organisation, .national])
        try options.publish(
            .ackRequest(
                AcknowledgementRequest(
                    subject: id, parties: OrganisationSet(parties.codes), deadline: deadline.after(now),
                    note: note,
                    classification: .parties(readers))),
            exercise: exercise, by: signedIn)
    }
}

struct AckAlarmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alarm",
        abstract: "Acknowledge an alarm about overdue acknowledgements (as the requester).",
        discussion: """
            The alarm of a request is acknowledged by an acknowledgement of the request itself, \
            from the organisation that sent it (or the national desk), after its deadline. It \
            stops the alarm's escalation; the overdue parties stay overdue until they acknowledge.

            Example:
              knooppunt ack alarm 9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d --as NCTV --token-file ./var/NCTV/dienstdoende.token --note "VR14 telefonisch bereikt"
            """)
    @Argument(help: "The acknowledgement request's id (shown by `ack list`).") var request: String
    @Option(help: "What was done about it.") var note: String?
    @OptionGroup var options: AckWriteOptions
    @OptionGroup var person: PersonOptions

    func run() throws {
        guard let id = ReportID(request) else { throw ValidationError("not a report id: \(request)") }
        let signedIn = try person.signIn(
            of: options.organisation, folder: options.folder.folder, for: .handleEscalation)
        defer { signedIn.close() }
        let by = signedIn.person.author
        let context = try AckContext.load(options.folder, as: options.organisation)
        guard let state = context.requests().first(where: { $0.request == id }) else {
            printError(
                "E404 unknownReport: no acknowledgement request \(id) in \(options.organisation)'s picture")
            throw ExitCode(ExitCodes.invalid)
        }
        guard options.organisation == state.requestedBy || options.organisation == .national else {
            printError(
                "the alarm of \(id) is acknowledged by its requester, \(state.requestedBy) (or the national desk); \(options.organisation) acknowledges the report itself with `knooppunt ack give \(state.subject) --as \(options.organisation)`"
            )
            throw ExitCode(ExitCodes.invalid)
        }
        guard state.alarm?.state == .open else {
            printError(
                "no open alarm for \(id): "
                    + (state.alarm.map { "it is \($0.state.rawValue)" }
                        ?? "its deadline has not passed, or nobody is missing"))
            throw ExitCode(ExitCodes.invalid)
        }
        let readers = OrganisationSet([options.organisation, .national, state.requestedBy])
        try options.publish(
            .ack(Acknowledgement(subject: id, by: by, note: note, classification: .parties(readers))),
            exercise: state.exercise, by: signedIn)
    }
}
