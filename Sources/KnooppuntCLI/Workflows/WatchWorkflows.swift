import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

/// The crisis workflows in `watch`: GRIP advice and time-to-GRIP-3, threat levels with their
/// step plans, acknowledgements with their alarms, and measures side by side under one level.
struct WatchWorkflows {
    let grip: [IncidentGRIPState]
    let plans: [ThreatPlanState]
    let requests: [AcknowledgementRequestState]
    let measures: MeasureComparison
    let deliveryKnown: Bool
    let now: Int64

    /// Most rows a section shows; the rest are counted.
    static let maxRows = 8

    init(records: [WorkflowRecord], board: NodeBoard?, includeExercise: Bool) {
        let records = includeExercise ? records : records.filter { !$0.exercise }
        now = board?.now ?? Timestamp.nowMilliseconds()
        deliveryKnown = board != nil
        grip = GRIPAdvisor().incidents(in: records, now: now)
        plans =
            ThreatPlanState.all(records: records, exercise: false)
            + (includeExercise ? ThreatPlanState.all(records: records, exercise: true) : [])
        requests = AcknowledgementTracker().requests(in: records, applied: board?.applied, now: now)
        measures = MeasureComparison(records: records)
    }

    /// `summary` (the picture's JSON) with the workflows added: `gripAdvice`, `threatPlans`,
    /// `acknowledgements`, `measures`.
    func json(adding summary: JSONValue) -> JSONValue {
        var object = summary.objectValue ?? [:]
        object["gripAdvice"] = .array(grip.map(\.json))
        object["threatPlans"] = .array(plans.map { $0.json(requests: requests, now: now) })
        object["acknowledgements"] = .array(requests.map(\.json))
        object["deliveryKnown"] = .bool(deliveryKnown)
        object["measures"] = measures.json
        return .object(object)
    }

    var lines: [String] {
        var lines: [String] = []
        let advised = grip.filter { $0.advice != nil }
        if !advised.isEmpty {
            lines += ["", "GRIP ADVICE"]
            for state in advised.prefix(Self.maxRows) {
                let advice = state.advice!
                lines.append(
                    "  !! \(state.exercise ? "[OEFENING] " : "")\(state.incident)  \(advice.message)  (since \(AckText.clock(advice.since)), \(durationText(milliseconds: now - advice.since)) ago)"
                )
            }
        }
        let open = grip.filter { $0.status != .closed }
        if !open.isEmpty {
            lines += ["", "TIME TO GRIP 3"]
            for state in open.prefix(Self.maxRows) {
                lines.append(
                    "  \(state.exercise ? "[OEFENING] " : "")\(state.incident)  \(state.grip?.label ?? "no GRIP")  \(state.gripThreeText)"
                        + (state.regions.count > 1
                            ? "  regions \(state.regions.map(\.rawValue).joined(separator: ","))" : ""))
            }
        }
        if !plans.isEmpty {
            lines += ["", "THREAT LEVELS AND STEP PLANS"]
            for plan in plans.prefix(Self.maxRows) {
                lines.append(
                    "  \(plan.exercise ? "[OEFENING] " : "")\(plan.line)"
                        + (plan.reviewDueText(now: now).map { "  !! \($0)" } ?? ""))
                if let current = plan.current,
                    let request = requests.last(where: { $0.subject == current.report })
                {
                    lines.append("     " + AckText.parties(request))
                }
            }
        }
        let pending = requests.filter { request in
            request.alarm.map { $0.state != .resolved }
                ?? request.parties.contains { $0.state != .acknowledged }
        }
        if !pending.isEmpty {
            lines += ["", "ACKNOWLEDGEMENTS\(deliveryKnown ? "" : " (delivery unknown: no liveness board)")"]
            for request in pending.prefix(Self.maxRows) {
                let what = request.subjectSummary ?? "report \(request.subject)"
                lines.append(
                    "  \(request.exercise ? "[OEFENING] " : "")\(what) — from \(request.requestedBy), by \(request.deadline.map { AckText.clock($0.millisecondsSinceEpoch) } ?? "?")"
                )
                lines.append("     " + AckText.parties(request))
                if let alarm = request.alarm { lines.append("     " + AckText.alarmLine(request, alarm)) }
            }
            if pending.count > Self.maxRows {
                lines.append("  … \(pending.count - Self.maxRows) more (`knooppunt ack list`)")
            }
        }
        for group in measures.groups where !group.rows.isEmpty {
            let level =
                group.level.map { "THREAT LEVEL \($0) (\(group.areas.joined(separator: ", ")))" }
                ?? "NO THREAT LEVEL"
            lines += ["", "MEASURES UNDER \(level)"]
            lines.append(
                "  " + pad("MUNICIPALITY", 28) + group.kinds.map { pad(MeasureText.short($0), 10) }.joined())
            for row in group.rows.prefix(Self.maxRows) {
                lines.append(
                    "  " + pad("\(row.name) (\(row.region))", 28)
                        + group.kinds.map { pad(row.has($0) ? "x" : "-", 10) }.joined())
            }
            if group.rows.count > Self.maxRows {
                lines.append("  … \(group.rows.count - Self.maxRows) more with measures")
            }
            if !group.withoutMeasures.isEmpty {
                lines.append(
                    "  \(group.withoutMeasures.count) other municipalities under this level report no measures"
                )
            }
        }
        return lines
    }
}

enum MeasureText {
    /// Column headings that fit: "stayInside" → "stay in".
    static func short(_ kind: MeasureKind) -> String {
        switch kind {
        case .stayInside: "stay in"
        case .buildingsClosed: "bldg shut"
        case .schoolsClosed: "schools"
        case .publicTransportStopped: "transport"
        case .roadsClosed: "roads"
        case .eventsCancelled: "events"
        case .evacuation: "evacuate"
        case .increasedSurveillance: "watch"
        case .other: "other"
        }
    }
}

/// Earlier reports from the node's log (offline, read as it grows): GRIP decisions and
/// threat steps that the picture (latest per key) no longer holds, for time-to-GRIP-3 and the
/// step plans. Absent when the node's store is not in --dir.
final class LogHistory {
    let log: LogReader
    private var after: SequenceNumber = 0
    private(set) var records: [WorkflowRecord] = []
    static let filter = LogFilter(types: [.incident, .grip, .threat])
    /// Most records kept; the oldest go first (the picture still holds the latest per key).
    static let maxRecords = 20_000

    init?(_ folder: DataFolder) {
        guard FileManager.default.fileExists(atPath: folder.nodeStore.path),
            let log = try? LogReader(nodeStorePath: folder.nodeStore.path)
        else { return nil }
        self.log = log
    }

    /// Reads what was added since the last call.
    func refresh() {
        while let page = try? log.updates(matching: Self.filter, after: after), let last = page.last {
            records += page.map { WorkflowRecord($0, view: .organisation(.national)) }
            after = last.sequence
            if records.count > Self.maxRecords { records.removeFirst(records.count - Self.maxRecords) }
            if page.count < LogReader.pageSize { break }
        }
    }
}
