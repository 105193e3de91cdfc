import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntWorkflows
import StrictJSON

/// `knooppunt nctv level …`: threat levels and the level-5 step plan, from NCTV's daemon.
struct ThreatLevelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "level",
        abstract: "Threat levels and the level-5 step plan (NCTV).",
        discussion: """
            Level 5 (critical) follows the step plan, one command per step, in this order:

              propose → consult (acknowledgement asked of the affected authorities)
                      → declare (every affected party must acknowledge by a deadline)
                      → deliver (once every affected party's daemon applied it)
                      → advise  (public action advice; waits for that delivery, or
                                 --override --reason, recorded in the report)
                      → review  (extend until the next review; repeatable)
                      → lower   (to level 1–4, acknowledged again)

            Levels 1–4 are announced with `announce` (also acknowledged). A step out of order is \
            refused with E700 and the command that comes next; advice without confirmed \
            delivery with E701. Every step is a report NCTV's daemon publishes: timestamped by \
            the node, in every timeline, in `watch` and at the desk. Delivery is read from the \
            national node's liveness board in --dir.

            The affected parties of an area are its safety regions and the police (add more with \
            --also). Areas: national, a province (PV20…PV31) or a safety region (VR01…VR25).

            Every step is taken by a person of NCTV whose role asks for acknowledgements (a desk \
            officer), named with --token-file, --user or the token file in $KNOOPPUNT_TOKEN_FILE; \
            the examples assume the last.

            Examples:
              knooppunt nctv level propose --area PV26 --reason "Mogelijke aanslag in Utrecht"
              knooppunt nctv level consult --area PV26 --deadline 15m
              knooppunt nctv level declare --area PV26 --reason "Dreigingsniveau 5" --deadline 30m --review-in 8h
              knooppunt nctv level deliver --area PV26
              knooppunt nctv level advise --area PV26 --advice "Blijf binnen; volg de politie"
              knooppunt nctv level review --area PV26 --reason "Dader voortvluchtig" --review-in 4h
              knooppunt nctv level lower --area PV26 --to 4 --reason "Aanhouding"
              knooppunt nctv level announce --area national --level 3 --reason "…"
              knooppunt nctv level status --area PV26
            """,
        subcommands: [
            LevelStatusCommand.self, LevelAnnounceCommand.self, LevelProposeCommand.self,
            LevelConsultCommand.self, LevelDeclareCommand.self, LevelDeliverCommand.self,
            LevelAdviseCommand.self, LevelReviewCommand.self, LevelLowerCommand.self,
        ])
}

/// What every step command takes.
struct StepOptions: ParsableArguments {
    @Option(help: "The area: national, PVxx (a province) or VRxx (a safety region).") var area: String
    /// The person taking the step (the reports' author): a desk officer of NCTV, since every
    /// step but `propose` asks parties to acknowledge.
    @OptionGroup var person: PersonOptions
    @Option(help: "More parties that must acknowledge, besides the area's regions and the police (VR14,…).")
    var also: OrganisationList?
    @Flag(help: "Run the step plan in the exercise picture.") var exercise = false
    @Option(help: "Seconds to wait for the node's answer to each report.") var wait: Double = 15
    @Flag(help: "Print JSON lines.") var json = false
    @OptionGroup var folder: FolderOption

    func validate() throws {
        if ThreatArea(code: area) == nil {
            throw ValidationError("--area: national, a province PV20…PV31 or a safety region VR01…VR25")
        }
    }

    var threatArea: ThreatArea { ThreatArea(code: area)! }
}

/// Signs the person in and takes the step (docs/workflows.md).
enum StepRunner {
    static func run(_ options: StepOptions, _ command: (Int64) -> ThreatStepCommand) throws {
        let folder = options.folder.folder
        let signedIn = try options.person.signIn(of: .nctv, folder: folder, for: .publishOwn)
        defer { signedIn.close() }
        try ThreatStepService(folder: folder, network: try options.folder.network()).take(
            command, area: options.threatArea, also: options.also?.codes ?? [], exercise: options.exercise,
            person: signedIn.person, credential: signedIn.credential, wait: options.wait, json: options.json,
            output: printLine)
    }
}

struct LevelStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Where each threat level and step plan stands, with every step's time and acknowledgements.",
        discussion: """
            Reads NCTV's daemon (its picture and its store's history) and, where the national \
            node runs in --dir, its liveness board (who has the reports).

            Examples:
              knooppunt nctv level status
              knooppunt nctv level status --area PV26 --json
            """)

    @Option(help: "Only this area (national, PVxx, VRxx).") var area: String?
    @Flag(help: "The exercise picture.") var exercise = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var folder: FolderOption

    func run() throws {
        let records = try ThreatStepService.currentRecords(folder.folder)
        let board = NodeBoard.read(folder.folder, try folder.network())
        let now = board?.now ?? Timestamp.nowMilliseconds()
        let requests = AcknowledgementTracker().requests(in: records, applied: board?.applied, now: now)
        var states = ThreatPlanState.all(records: records, exercise: exercise)
        if let area {
            guard let wanted = ThreatArea(code: area) else {
                throw ValidationError("--area: national, a province PV20…PV31 or a safety region VR01…VR25")
            }
            states = [ThreatPlanState.build(area: wanted, exercise: exercise, records: records)]
        }
        if json {
            print(JSONWriter.pretty(["areas": .array(states.map { $0.json(requests: requests, now: now) })]))
            return
        }
        if states.isEmpty { print("No threat levels\(exercise ? " in the exercise picture" : "").") }
        for state in states { print(StepPlanText.render(state, requests: requests, now: now)) }
    }
}

/// The step plan for people: one line per step, acknowledgements under it.
enum StepPlanText {
    static func render(
        _ state: ThreatPlanState, requests: [AcknowledgementRequestState], now: Int64
    ) -> String {
        var lines = [
            "\(state.area.code): level \(state.levelInForce.map(String.init) ?? "-")"
                + (state.planActive ? " — step plan at \(state.current?.step?.rawValue ?? "?")" : "")
        ]
        for step in state.planSteps {
            let clock = Timestamp(millisecondsSinceEpoch: step.committedAt).inAmsterdam.rfc3339Seconds
            lines.append(
                "  \(clock)  \(pad(step.step?.rawValue ?? "?", 13)) level \(step.level.map(String.init) ?? "?")"
                    + (step.author.map { "  by \($0)" } ?? "") + (step.isOverride ? "  OVERRIDE" : ""))
            if let reason = step.reason { lines.append("      \(reason.prefix(160))") }
            if let advice = step.actionAdvice { lines.append("      advice: \(advice.prefix(160))") }
            if let request = requests.last(where: { $0.subject == step.report }) {
                lines.append("      " + AckText.parties(request))
            }
        }
        if let due = state.reviewDueText(now: now) { lines.append("  !! \(due): review or lower the level") }
        lines.append("  " + ThreatStepPlan.next(state))
        return lines.joined(separator: "\n")
    }
}

struct LevelAnnounceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "announce",
        abstract: "Announce a threat level 1–4 (acknowledged by the affected parties).",
        discussion:
            "Example:\n  knooppunt nctv level announce --area national --level 3 --reason \"…\" --deadline 1h"
    )
    @OptionGroup var options: StepOptions
    @Option(help: "The level, 1 (minimal) … 4 (substantial).") var level: Int
    @Option(help: "Why.") var reason: String
    @Option(help: "Acknowledgement deadline (e.g. 1h).") var deadline = DurationArgument(seconds: 3600)

    func run() throws {
        try StepRunner.run(options) { now in
            .announce(level: level, reason: reason, deadline: deadline.after(now))
        }
    }
}

struct LevelProposeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "Step 1: propose threat level 5 for an area (national desk and NCTV only).",
        discussion:
            "Example:\n  knooppunt nctv level propose --area PV26 --reason \"Mogelijke aanslag in Utrecht\"")
    @OptionGroup var options: StepOptions
    @Option(help: "Why.") var reason: String

    func run() throws { try StepRunner.run(options) { _ in .propose(reason: reason) } }
}

struct LevelConsultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consult",
        abstract: "Step 2: consult the affected authorities (acknowledgement requested, with a deadline).",
        discussion:
            "Example:\n  knooppunt nctv level consult --area PV26 --deadline 15m --parties VR09,POLICE")
    @OptionGroup var options: StepOptions
    @Option(help: "What is asked.") var reason = "NCTV consults the affected authorities on threat level 5."
    @Option(help: "Who is consulted (default: the area's regions and the police).") var parties:
        OrganisationList?
    @Option(help: "Answer deadline (e.g. 15m).") var deadline = DurationArgument(seconds: 900)

    func run() throws {
        let consulted =
            parties?.codes
            ?? ThreatStepPlan().affectedParties(options.threatArea, also: options.also?.codes ?? [])
        try StepRunner.run(options) { now in
            .consult(reason: reason, parties: consulted, deadline: deadline.after(now))
        }
    }
}

struct LevelDeclareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "declare",
        abstract: "Step 3: declare level 5; every affected party must acknowledge by the deadline.",
        discussion:
            "Example:\n  knooppunt nctv level declare --area PV26 --reason \"Dreigingsniveau 5\" --deadline 30m --review-in 8h"
    )
    @OptionGroup var options: StepOptions
    @Option(help: "Why.") var reason: String
    @Option(help: "Acknowledgement deadline (e.g. 30m).") var deadline = DurationArgument(seconds: 1800)
    @Option(name: .customLong("review-in"), help: "When the level is reviewed (e.g. 8h).") var reviewIn:
        DurationArgument?

    func run() throws {
        try StepRunner.run(options) { now in
            .declare(reason: reason, reviewAt: reviewIn?.after(now), deadline: deadline.after(now))
        }
    }
}

struct LevelDeliverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract:
            "Step 4: record that every affected party's daemon has the declaration (refused until it has).",
        discussion: "Example:\n  knooppunt nctv level deliver --area PV26")
    @OptionGroup var options: StepOptions

    func run() throws { try StepRunner.run(options) { _ in .deliver } }
}

struct LevelAdviseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advise",
        abstract: "Step 5: public action advice; waits for confirmed delivery to every affected party.",
        discussion: """
            Refused (E701) while any affected party's daemon has not applied the declaration, \
            unless --override is given with --reason: the advice then goes out and its report \
            says so ("OVERRIDE: <reason> (…not reached …)"), in the node's log for good.

            Examples:
              knooppunt nctv level advise --area PV26 --advice "Blijf binnen; volg de politie"
              knooppunt nctv level advise --area PV26 --advice "Blijf binnen" --override --reason "Dader op de vlucht"
            """)
    @OptionGroup var options: StepOptions
    @Option(help: "The action advice for the public (handelingsperspectief).") var advice: String
    @Flag(help: "Give the advice without confirmed delivery (needs --reason; recorded).") var override = false
    @Option(help: "Why (required with --override).") var reason: String?
    @Option(help: "Acknowledgement deadline (e.g. 30m).") var deadline = DurationArgument(seconds: 1800)
    @Option(name: .customLong("review-in"), help: "When the level is reviewed next (e.g. 4h).") var reviewIn:
        DurationArgument?

    func validate() throws {
        if override && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--override needs --reason \"…\": an override is recorded with its reason")
        }
    }

    func run() throws {
        try StepRunner.run(options) { now in
            .advise(
                advice: advice, reason: override ? nil : reason, reviewAt: reviewIn?.after(now),
                deadline: deadline.after(now), override: override ? reason : nil)
        }
    }
}

struct LevelReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review", abstract: "Step 6: periodic review: keep level 5 until the next review.",
        discussion:
            "Example:\n  knooppunt nctv level review --area PV26 --reason \"Dader voortvluchtig\" --review-in 4h"
    )
    @OptionGroup var options: StepOptions
    @Option(help: "Why the level stays.") var reason: String
    @Option(name: .customLong("review-in"), help: "The next review (e.g. 4h).") var reviewIn: DurationArgument

    func run() throws {
        try StepRunner.run(options) { now in .review(reason: reason, reviewAt: reviewIn.after(now)) }
    }
}

struct LevelLowerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lower",
        abstract:
            "Step 7: lower level 5 (or withdraw a proposal) to 1–4, acknowledged by the affected parties.",
        discussion: "Example:\n  knooppunt nctv level lower --area PV26 --to 4 --reason \"Aanhouding\"")
    @OptionGroup var options: StepOptions
    @Option(help: "The new level, 1–4.") var to: Int
    @Option(help: "Why.") var reason: String
    @Option(help: "Acknowledgement deadline (e.g. 1h).") var deadline = DurationArgument(seconds: 3600)

    func run() throws {
        try StepRunner.run(options) { now in .lower(level: to, reason: reason, deadline: deadline.after(now))
        }
    }
}
