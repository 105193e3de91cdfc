import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// What an export is about: one report, an incident's current crisis communication, or the
/// current action advice for a threat-level area (`national`, `PV26`, `VR09`).
public enum CAPSource: Sendable, Hashable {
    case report(ReportID)
    case incident(IncidentID)
    case threat(String)
}

/// Turns the action advice (handelingsperspectief) of a report in the node's log into a CAP
/// 1.2 alert: a sitrep's `communicatie` section, or a threat level's `actionAdvice`.
///
/// Pure: it reads only the records it is given. `sent` is the moment the node committed the
/// report (Europe/Amsterdam, whole seconds), so exporting the same report twice gives the same
/// alert. Content from other reports (the incident's kind and title, its GRIP level) is used
/// only when it is at least as open as the advice itself: a public alert never carries a
/// partners-only incident title.
public struct CAPExport: Sendable {
    public let reference: ReferenceData
    let codec: DocumentCodec
    /// Radius of the circle around the incident's point when a target area names no region
    /// (the reference data has region boundaries, not municipal ones).
    public var incidentCircleKilometres = 1.0

    public init(reference: ReferenceData = .builtIn) {
        self.reference = reference
        codec = DocumentCodec(reference: reference)
    }

    // MARK: Names

    /// `urn:knooppunt:vr09`: the organisation that gave the advice.
    public static func sender(_ origin: OrganisationCode) -> String {
        "urn:knooppunt:\(origin.rawValue.lowercased())"
    }

    /// `knooppunt-<report id>`, with `-update` or `-cancel` for those message types, so each
    /// message a report gives rise to has its own identifier.
    public static func identifier(report: ReportID, msgType: CAPAlert.MessageType) -> String {
        switch msgType {
        case .alert: "knooppunt-\(report)"
        case .update: "knooppunt-\(report)-update"
        case .cancel: "knooppunt-\(report)-cancel"
        }
    }

    /// The report id inside an identifier this exporter wrote.
    public static func reportID(fromIdentifier identifier: String) -> ReportID? {
        guard identifier.hasPrefix("knooppunt-") else { return nil }
        let rest = identifier.dropFirst("knooppunt-".count)
        let id = ReportID(String(rest.prefix(36)))
        let suffix = rest.dropFirst(36)
        return suffix.isEmpty || suffix == "-update" || suffix == "-cancel" ? id : nil
    }

    /// The `sent` of an alert made from `update`.
    public static func sent(_ update: Update) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: update.committedAt).inAmsterdam
    }

    /// An earlier alert for `<references>`: either written out as `sender,identifier,sent`, or
    /// an identifier this exporter wrote, completed from the log with `lookup`.
    public static func reference(
        _ text: String, lookup: (ReportID) throws -> Update?
    ) throws -> CAPAlert.Reference {
        if let literal = CAPAlert.Reference(text: text) { return literal }
        guard let id = reportID(fromIdentifier: text) else {
            throw WorkflowError(
                .invalidRequest,
                "\"\(text)\" is neither sender,identifier,sent nor an identifier knooppunt-<report id> of an earlier export"
            )
        }
        guard let update = try lookup(id) else {
            throw WorkflowError(.notFound, "report \(id) (of alert \(text)) is not in the node's log")
        }
        return CAPAlert.Reference(
            sender: sender(update.report.origin), identifier: text, sent: sent(update).rfc3339Seconds)
    }

    // MARK: What to read

    /// The log rows an export of `source` needs to find its report (a report is read by id).
    public static func logFilter(for source: CAPSource, exercise: Bool) -> LogFilter {
        let scope = exercise ? "exercise/" : ""
        switch source {
        case .report: return LogFilter()
        case .incident(let id): return LogFilter(keyPrefixes: ["\(scope)incident/\(id)/sitrep/"])
        case .threat(let area): return LogFilter(keys: ["\(scope)threat/\(area)"])
        }
    }

    /// The rows that describe an incident: its incident reports and GRIP changes.
    public static func contextFilter(incident: IncidentID, exercise: Bool) -> LogFilter {
        let scope = exercise ? "exercise/" : ""
        return LogFilter(keys: ["\(scope)incident/\(incident)", "\(scope)incident/\(incident)/grip"])
    }

    // MARK: Choosing the report

    /// The report to export among `records` (sequence order): for an incident the latest
    /// sitrep with crisis communication; for an area the latest threat report with action
    /// advice (for a cancel, the latest threat report of the area).
    public func select(
        _ source: CAPSource, exercise: Bool, cancel: Bool, from records: [Update]
    ) throws -> Update {
        let picture = exercise ? "exercise picture" : "real picture"
        switch source {
        case .report(let id):
            guard let update = records.first(where: { $0.report.id == id }) else {
                throw WorkflowError(.notFound, "report \(id) is not in the node's log")
            }
            return update
        case .incident(let id):
            let candidates = records.filter {
                $0.report.envelope.type == .sitrep && $0.report.envelope.incident == id
                    && $0.report.envelope.exercise == exercise
                    && $0.report.envelope.sections.contains { $0.name == "communicatie" }
            }
            guard let latest = candidates.max(by: { $0.sequence < $1.sequence }) else {
                throw WorkflowError(
                    .notFound,
                    "no sitrep of incident \(id) in the \(picture) carries crisis communication (communicatie)"
                        + (exercise ? "" : "; for an exercise incident add --exercise"))
            }
            return latest
        case .threat(let area):
            let candidates = records.filter {
                $0.report.envelope.type == .threat && $0.report.envelope.exercise == exercise
                    && $0.report.envelope.key.hasSuffix("threat/\(area)")
            }.sorted { $0.sequence > $1.sequence }
            let chosen = cancel ? candidates.first : candidates.first { threat(of: $0)?.actionAdvice != nil }
            guard let chosen else {
                throw WorkflowError(
                    .notFound,
                    candidates.isEmpty
                        ? "no threat level for \(area) in the \(picture)"
                            + (exercise ? "" : "; for an exercise add --exercise")
                        : "no threat report for \(area) in the \(picture) carries action advice")
            }
            return chosen
        }
    }

    func threat(of update: Update) -> ThreatLevelChange? {
        guard case .threat(let threat)? = try? update.report.document(codec: codec).body else { return nil }
        return threat
    }
}
