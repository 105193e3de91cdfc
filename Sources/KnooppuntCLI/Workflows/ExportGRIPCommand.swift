import ArgumentParser
import Foundation
import KnooppuntDomain
import KnooppuntServices
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

struct ExportGRIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grip",
        abstract: "Export every incident's GRIP history, advice and time-to-GRIP-3 (CSV or JSON).",
        discussion: """
            Reads the national node's log in --dir (offline, read-only; the national desk's view). \
            Per incident: its kind, regions, current GRIP, when it was marked a possible \
            terrorist attack, the first decision at GRIP 3 or higher, and time-to-GRIP-3 twice:
            on the node's commit clock from the incident's first report (and from the terrorist \
            mark), and between the times the documents state (startedAt → decidedAt). An \
            incident still below GRIP 3 shows how long it has waited so far, and any advice.

            Examples:
              knooppunt export grip
              knooppunt export grip --format json --output grip.json
              knooppunt export grip --exercise
            """)

    @Option(help: "csv or json.") var format: String = "csv"
    @Flag(help: "The exercise incidents instead of the real ones.") var exercise = false
    @Option(help: "Write to this file instead of standard output.") var output: String?
    @OptionGroup var folder: FolderOption

    func validate() throws {
        if !["csv", "json"].contains(format) { throw ValidationError("--format: csv or json") }
    }

    func run() throws {
        let records = try NationalLog.records(folder.folder, types: [.incident, .grip, .sitrep, .measure])
            .filter { $0.exercise == exercise }
        let now = NodeBoard.read(folder.folder, try folder.network())?.now ?? Timestamp.nowMilliseconds()
        let incidents = GRIPAdvisor().incidents(in: records, now: now).sorted { $0.openedAt < $1.openedAt }
        let text =
            format == "json"
            ? JSONWriter.pretty(["exercise": .bool(exercise), "incidents": .array(incidents.map(\.json))])
                + "\n"
            : GRIPExport.csv(incidents)
        try CommandOutput.write(text, to: output)
    }
}

/// Time-to-GRIP-3 as CSV (RFC 4180), one row per incident.
enum GRIPExport {
    static let header = [
        "incident", "kind", "status", "regions", "grip", "opened", "marked_terrorist", "grip3_at",
        "grip3_level",
        "to_grip3_seconds", "to_grip3_after_mark_seconds", "to_grip3_stated_seconds", "waiting_seconds",
        "advice", "history",
    ]

    static func csv(_ incidents: [IncidentGRIPState]) -> String {
        func time(_ ms: Int64?) -> String {
            ms.map { Timestamp(millisecondsSinceEpoch: $0).inAmsterdam.rfc3339Seconds } ?? ""
        }
        func seconds(_ ms: Int64?) -> String { ms.map { String($0 / 1000) } ?? "" }
        var lines = [header.joined(separator: ",")]
        for state in incidents {
            let reached = state.gripThree.reached
            let history = state.history.map { decision in
                "\(decision.level?.rawValue ?? "?")@\(time(decision.committedAt))"
            }
            let cells = [
                state.incident.rawValue, state.kind?.rawValue ?? "", state.status?.rawValue ?? "",
                state.regions.map(\.rawValue).joined(separator: " "), state.grip?.rawValue ?? "",
                time(state.openedAt), time(state.markedTerroristAt), time(reached?.committedAt),
                reached?.level?.rawValue ?? "", seconds(reached == nil ? nil : state.gripThree.afterOpenedMs),
                seconds(state.gripThree.afterAdviceMs), seconds(state.gripThree.statedMs),
                seconds(reached == nil ? state.gripThree.afterOpenedMs : nil), state.advice?.message ?? "",
                history.joined(separator: " "),
            ]
            lines.append(cells.map(Timeline.csvCell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
