import ArgumentParser
import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore
import KnooppuntWorkflows

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "An incident's full timeline: who sent what, when, whom it reached, who acknowledged.",
        discussion: """
            Reads the national node's log in --dir and every daemon store found there (offline, \
            read-only; it also works while the network runs). One row per report about the \
            incident, in the node's sequence order, with the commit time in Europe/Amsterdam:
            incident reports, GRIP changes, sitreps, measures, threat-level changes for the \
            incident's area while it ran, and acknowledgement requests and acknowledgements of \
            those. Per report: which daemons hold it (delivered) and who acknowledged it when.

            Content is shown as --view may see it (default NATIONAL, the national desk):
            sections it may not read are named, never shown.

            Examples:
              knooppunt timeline --incident VR09-20190318-01
              knooppunt timeline --incident VR09-20190318-01 --exercise --format json
              knooppunt timeline --incident VR09-20190318-01 --format csv --output tijdlijn.csv
            """)

    @Option(help: "The incident id.") var incident: String
    @Option(help: "md (a table), json or csv.") var format: String = "md"
    @Flag(help: "The exercise incident of that id (exercise reports are a picture of their own).")
    var exercise = false
    @Option(help: "Whose view the content is shown in: an organisation code or public.") var view: String =
        "NATIONAL"
    @Option(help: "Write to this file instead of standard output.") var output: String?
    @OptionGroup var folder: FolderOption

    func validate() throws {
        if IncidentID(incident) == nil { throw ValidationError("--incident: not an incident id") }
        if Timeline.Format(rawValue: format) == nil { throw ValidationError("--format: md, json or csv") }
        if parsedView == nil {
            throw ValidationError("--view: an organisation code (NATIONAL, VR09, …) or public")
        }
    }

    var parsedView: View? {
        view.lowercased() == "public"
            ? .publicView : OrganisationCode.inNetwork(view.uppercased()).map(View.organisation)
    }

    func run() throws {
        let id = IncidentID(incident)!
        let log = try OfflineStores.log(folder.folder)
        let records = try log.allUpdates(
            matching: TimelineBuilder.logFilter(incident: id, exercise: exercise))
        let builder = TimelineBuilder()
        do {
            // First which reports belong to the incident, then where those went.
            let reports = try builder.build(
                incident: id, exercise: exercise, records: records, delivered: [:], view: parsedView!)
            let delivered = OfflineStores.deliveries(
                folder.folder, of: Set(reports.entries.map(\.sequence)), note: printError)
            let timeline = try builder.build(
                incident: id, exercise: exercise, records: records, delivered: delivered, view: parsedView!)
            try CommandOutput.write(timeline.formatted(Timeline.Format(rawValue: format)!), to: output)
        } catch let error as WorkflowError {
            printError(error.message)
            throw ExitCode(ExitCodes.invalid)
        }
    }
}
