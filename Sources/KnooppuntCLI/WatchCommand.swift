import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntWorkflows
import StrictJSON
import ZeroMQ

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch the live national picture in the terminal.",
        discussion: """
            Subscribes to the national node as the national organisation and shows, updating in \
            place: every safety region with its GRIP and threat level, the open incidents with \
            their latest sitreps, who is alive, and "picture as of seq N at T" (or how long the \
            node has been unreachable).

            --once --json prints the current picture with its sequence and view hash, then exits.

            A report from a partner beyond the 28 names its origin's kind ("RWS (infrastructure)"); \
            --kind K (repeatable) shows only the reports whose origin is of kind K, e.g. \
            infrastructure, waterBoard, health, safetyRegion, nctv. It reads network.json again \
            when it changes (knooppunt org add|remove, a key rotation), as the daemons and the \
            desk do: a partner added while it runs appears under its kind.

            Examples:
              knooppunt watch
              knooppunt watch --once --json
              knooppunt watch --kind infrastructure --kind waterBoard
            """)

    @OptionGroup var folder: FolderOption
    @Flag(help: "Print the picture once (when caught up with the node) and exit.") var once = false
    @Flag(help: "With --once: print JSON.") var json = false
    @Flag(help: "Include exercise incidents.") var exercise = false
    @Option(help: "With --once: give up after this many seconds.") var timeout: Double = 20
    @Option(
        name: .customLong("kind"),
        help: "Show only reports whose origin is of this kind (repeatable), e.g. infrastructure.")
    var kindNames: [String] = []

    /// The kinds of --kind; empty shows every report.
    var kinds: Set<OrganisationKind> { Set(kindNames.compactMap(OrganisationKind.init(rawValue:))) }

    func validate() throws {
        for name in kindNames where OrganisationKind(rawValue: name) == nil {
            throw ValidationError(
                "--kind \(name) is not a kind (a word such as infrastructure or waterBoard)")
        }
    }

    func run() throws {
        var network = try folder.network()
        var registry = network.registry
        var networkWatch = NetworkFileWatch(folder.folder)
        let follower = try PictureFollower(
            folder: folder.folder, network: network, organisation: .national, role: .watch)
        defer { follower.close() }
        let view = follower.view
        let history = LogHistory(folder.folder)
        var unreachableSince: Date?
        var lastDraw = ContinuousClock.now - .seconds(5)
        let started = ContinuousClock.now
        while true {
            try follower.poll(timeout: .milliseconds(250))
            if let reloaded = Self.reload(&networkWatch, follower) {
                network = reloaded
                registry = reloaded.registry
            }
            if follower.isNodeReachable() {
                unreachableSince = nil
            } else if unreachableSince == nil, ContinuousClock.now - started > .seconds(2) {
                unreachableSince = Date()
            }
            if once {
                if follower.isCaughtUp {
                    let summary = only(
                        PictureSummary(
                            picture: follower.mirror.picture, view: view, includeExercise: exercise),
                        picture: follower.mirror.picture, registry)
                    let board = NodeControl.active(folder.folder, network, timeout: .milliseconds(500))
                    let workflows = self.workflows(follower, history, board, registry)
                    print(
                        json
                            ? JSONWriter.pretty(workflows.json(adding: summary.json))
                            : render(
                                summary, board: nil, unreachableSince: nil,
                                nodeTime: follower.heartbeat?.nodeTime, workflows: workflows,
                                registry: registry))
                    return
                }
                if ContinuousClock.now - started > .milliseconds(Int64(timeout * 1000)) {
                    printError(
                        "E505 nodeUnreachable: no national node delivered the picture within \(timeout)s")
                    throw ExitCode(ExitCodes.daemonUnreachable)
                }
                continue
            }
            if ContinuousClock.now - lastDraw >= .seconds(1) {
                lastDraw = .now
                let summary = only(
                    PictureSummary(picture: follower.mirror.picture, view: view, includeExercise: exercise),
                    picture: follower.mirror.picture, registry)
                let board = NodeControl.active(folder.folder, network, timeout: .milliseconds(300))
                // Clear the screen and draw from the top: the picture updates in place.
                print(
                    "\u{1B}[H\u{1B}[2J"
                        + render(
                            summary, board: board, unreachableSince: unreachableSince,
                            nodeTime: follower.heartbeat?.nodeTime,
                            workflows: workflows(follower, history, board, registry), registry: registry))
                flushStandardOutput()
            }
        }
    }

    /// GRIP advice, step plans, acknowledgements and measures from the picture, the log's
    /// history (on the node's host) and the liveness board.
    func workflows(
        _ follower: PictureFollower, _ history: LogHistory?, _ board: NodeStatus?,
        _ registry: OrganisationRegistry
    ) -> WatchWorkflows {
        history?.refresh()
        let picture = follower.mirror.picture.entries.values.map { WorkflowRecord($0.update) }
        let records = WorkflowRecord.merged(picture, history?.records ?? [])
        return WatchWorkflows(
            records: kinds.isEmpty
                ? records : records.filter { kinds.contains(Self.kind(of: $0.origin, registry)) },
            board: board.map(NodeBoard.init(status:)),
            includeExercise: exercise)
    }

    func render(
        _ summary: PictureSummary, board: NodeStatus?, unreachableSince: Date?, nodeTime: Int64?,
        workflows: WatchWorkflows? = nil, registry: OrganisationRegistry = .installed
    ) -> String {
        var lines: [String] = []
        let now = Timestamp.now().inAmsterdam
        if let since = unreachableSince {
            let at = Timestamp(millisecondsSinceEpoch: Int64(since.timeIntervalSince1970 * 1000)).inAmsterdam
            lines.append("!! NODE UNREACHABLE since \(at.rfc3339Seconds) — showing the last picture received")
        }
        lines.append(
            "KNOOPPUNT — national picture as of seq \(summary.sequence) at \(now.rfc3339Seconds) (Europe/Amsterdam)"
        )
        lines.append("view hash \(summary.viewHash.prefix(16))…  epoch \(summary.epoch)")
        lines.append("")
        lines.append(pad("REGION", 34) + pad("GRIP", 10) + pad("THREAT", 8) + "OPEN INCIDENTS")
        for region in summary.regions {
            lines.append(
                pad("\(region.code) \(region.name)", 34) + pad(region.grip?.label ?? "-", 10)
                    + pad(region.threatLevel.map(String.init) ?? "-", 8) + String(region.openIncidents))
        }
        lines.append("")
        lines.append("INCIDENTS")
        if summary.incidents.isEmpty { lines.append("  (none)") }
        for incident in summary.incidents.prefix(12) {
            var line =
                "  \(incident.exercise ? "[OEFENING] " : "")\(incident.id)  \(incident.title ?? "(withheld)")"
            line +=
                "  [\(incident.kind ?? "?")] \(incident.region?.rawValue ?? "?")  \(incident.grip?.label ?? "no GRIP")"
            line += "  \(incident.status ?? "")  lead \(incident.lead ?? "?")"
            lines.append(line)
            if let sitrep = incident.sitreps.last {
                let text = sitrep.beeld.map { "\($0.0): \($0.1 ?? "(withheld)")" }.joined(separator: " | ")
                lines.append(
                    "     latest sitrep \(Self.label(sitrep.origin, registry)) seq \(sitrep.sequence) (\(sitrep.verification ?? "?")): \(text.prefix(100))"
                )
            }
        }
        if !summary.threats.isEmpty {
            lines.append("")
            lines.append("THREAT LEVELS")
            for threat in summary.threats {
                lines.append(
                    "  \(pad(threat.area, 10)) level \(threat.level.map(String.init) ?? "?")  \(threat.step ?? "")"
                )
            }
        }
        if let parties = board?.parties {
            lines.append("")
            lines.append("ALIVE")
            var cells: [String] = []
            // The 28 as always; the partners on lines of their own per kind, below.
            for (code, party) in parties.sorted(by: { $0.key < $1.key })
            where code != "NATIONAL" && OrganisationCode(code)?.isReference ?? true {
                let alive = party.lastHeardMsAgo.map { $0 < Self.upWithinMs } ?? false
                let lag = party.lag.map { $0 > 0 ? " lag \($0)" : "" } ?? ""
                cells.append("\(code) \(alive ? "up" : "DOWN")\(lag)")
            }
            for row in stride(from: 0, to: cells.count, by: 6) {
                lines.append("  " + cells[row..<min(row + 6, cells.count)].map { pad($0, 18) }.joined())
            }
            lines += Self.partnerLines(parties, registry)
        }
        lines += workflows?.lines ?? []
        return lines.joined(separator: "\n")
    }
}
