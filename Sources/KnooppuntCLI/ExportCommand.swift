import ArgumentParser
import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore
import KnooppuntWorkflows

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export crisis communication (CAP 1.2) and time-to-GRIP-3 for other systems.",
        subcommands: [ExportCAPCommand.self, ExportGRIPCommand.self])
}

struct ExportCAPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cap",
        abstract: "Write the action advice of an incident or a threat level as a CAP 1.2 alert.",
        discussion: """
            Reads the national node's log in --dir (offline, read-only) and writes one CAP 1.2 \
            alert (OASIS; valid against config/cap/cap12.xsd): a sitrep's crisis communication \
            (communicatie: core message, action advice, target area) or a threat level's action \
            advice for its area. The area is one polygon per part of each safety region, plus \
            the named municipalities; status is Exercise for exercise reports.

            --incident takes the latest sitrep of the incident with crisis communication; \
            --threat the latest threat report of the area (national, PVxx, VRxx) with action \
            advice; --report one report by id. Exercise incidents and threat levels need \
            --exercise. An alert that replaces earlier ones names them with --update-of (an \
            identifier this command wrote, or sender,identifier,sent); add --cancel to withdraw \
            them instead.

            Examples:
              knooppunt export cap --incident VR09-20190318-01
              knooppunt export cap --threat PV26 --exercise --output dreiging.xml
              knooppunt export cap --threat PV26 --update-of knooppunt-6f1c2a9e-3b7d-4c8e-9a1f-2d3e4f5a6b7c
            """)

    @Option(help: "Export this report (a sitrep with crisis communication, or a threat level).")
    var report: String?
    @Option(help: "Export the incident's latest crisis communication.") var incident: String?
    @Option(help: "Export the latest action advice for this threat area: national, PVxx or VRxx.")
    var threat: String?
    @Flag(help: "Look in the exercise picture (for --incident and --threat).") var exercise = false
    @Option(
        name: .customLong("update-of"), parsing: .upToNextOption,
        help: "Earlier alert(s) this one updates: an identifier knooppunt-… or sender,identifier,sent.")
    var updateOf: [String] = []
    @Flag(help: "Cancel the alerts named by --update-of instead of updating them.") var cancel = false
    @Option(help: "Write the XML to this file instead of standard output.") var output: String?
    @OptionGroup var folder: FolderOption

    func validate() throws {
        guard [report, incident, threat].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give one of --report ID, --incident ID or --threat AREA")
        }
        if let report, ReportID(report) == nil {
            throw ValidationError("--report: not a report id (lowercase UUID)")
        }
        if let incident, IncidentID(incident) == nil {
            throw ValidationError("--incident: not an incident id")
        }
        if let threat, !Self.isThreatArea(threat) {
            throw ValidationError(
                "--threat: national, a province code (PV20…PV31) or a region code (VR01…VR25)")
        }
        if cancel && updateOf.isEmpty {
            throw ValidationError("--cancel needs --update-of: which alerts to cancel")
        }
    }

    static func isThreatArea(_ text: String) -> Bool {
        text == "national" || ReferenceData.builtIn.provinces[ProvinceCode(text)] != nil
            || OrganisationCode(text)?.isSafetyRegion == true
    }

    var source: CAPSource {
        if let report { return .report(ReportID(report)!) }
        if let incident { return .incident(IncidentID(incident)!) }
        return .threat(threat!)
    }

    func run() throws {
        let log = try OfflineStores.log(folder.folder)
        let exporter = CAPExport()
        do {
            let references = try updateOf.map { text in try CAPExport.reference(text, lookup: log.update(id:))
            }
            let records: [Update]
            if case .report(let id) = source {
                records = try log.update(id: id).map { [$0] } ?? []
            } else {
                records = try log.allUpdates(matching: CAPExport.logFilter(for: source, exercise: exercise))
            }
            let chosen = try exporter.select(source, exercise: exercise, cancel: cancel, from: records)
            var context: [Update] = []
            if let incident = chosen.report.envelope.incident {
                context = try log.allUpdates(
                    matching: CAPExport.contextFilter(
                        incident: incident, exercise: chosen.report.envelope.exercise))
            }
            let msgType: CAPAlert.MessageType = cancel ? .cancel : (references.isEmpty ? .alert : .update)
            let alert = try exporter.alert(
                from: chosen, context: context, msgType: msgType, references: references)
            try CommandOutput.write(alert.xml, to: output)
            let envelope = chosen.report.envelope
            printError(
                "exported \(envelope.type.rawValue) \(envelope.id) of \(envelope.origin) (seq \(chosen.sequence)\(envelope.exercise ? ", exercise" : "")) as \(alert.msgType.rawValue) \(alert.identifier)"
            )
        } catch let error as WorkflowError {
            printError(error.message)
            throw ExitCode(ExitCodes.invalid)
        }
    }
}
