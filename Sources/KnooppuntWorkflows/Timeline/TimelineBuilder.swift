import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// Builds an incident's ``Timeline`` from log records. Pure: the caller reads the node's log
/// (``logFilter(incident:exercise:)``) and the daemons' mirrors.
///
/// What belongs to an incident:
/// - every report naming it (incident, GRIP, sitreps, measures), in the same picture (real or
///   exercise);
/// - threat-level changes for an area covering the incident's region (its opener's region, and
///   the region of its location where the view may read it), committed between the incident's
///   first and last report;
/// - acknowledgement requests and acknowledgements of any of these.
public struct TimelineBuilder: Sendable {
    public let reference: ReferenceData

    public init(reference: ReferenceData = .builtIn) { self.reference = reference }

    /// The log rows a timeline of `incident` may need (a superset; ``build`` picks).
    public static func logFilter(incident: IncidentID, exercise: Bool) -> LogFilter {
        let scope = exercise ? "exercise/" : ""
        return LogFilter(
            keys: ["\(scope)incident/\(incident)"], keyPrefixes: ["\(scope)incident/\(incident)/"],
            types: [.measure, .threat, .ackRequest, .ack])
    }

    /// - Parameters:
    ///   - records: log records in sequence order (at least those of ``logFilter``).
    ///   - delivered: per checked organisation, the sequences its mirror holds.
    public func build(
        incident: IncidentID, exercise: Bool, records: [Update],
        delivered: [OrganisationCode: Set<SequenceNumber>], view: View
    ) throws -> Timeline {
        let records = records.filter { $0.report.envelope.exercise == exercise }
        let own = records.filter { $0.report.envelope.incident == incident }
        guard let first = own.first, let last = own.last else {
            throw WorkflowError(
                .notFound,
                "incident \(incident) has no reports in the \(exercise ? "exercise" : "real") picture"
                    + (exercise ? "" : "; for an exercise incident add --exercise"))
        }
        let areaKeys = threatKeys(regions: regions(of: own, view: view))
        var chosen = own
        chosen += records.filter {
            $0.report.envelope.type == .threat && (first.sequence...last.sequence).contains($0.sequence)
                && areaKeys.contains(String($0.report.envelope.key.split(separator: "/").last ?? ""))
        }
        var ids = Set(chosen.map(\.report.id))
        for record in records where [.ackRequest, .ack].contains(record.report.envelope.type) {
            if let subject = record.report.envelope.subject, ids.contains(subject) {
                chosen.append(record)
                ids.insert(record.report.id)
            }
        }
        chosen.sort { $0.sequence < $1.sequence }
        let checked = delivered.keys.sorted()
        let entries = chosen.map { record in
            entry(record, view: view, delivered: delivered, checked: checked, all: chosen, exercise: exercise)
        }
        // Time-to-GRIP-3 up to the incident's last report (a reconstruction has no "now").
        let grip = GRIPAdvisor(reference: reference).incidents(
            in: own.map { WorkflowRecord($0, view: view) }, now: last.committedAt
        ).first
        return Timeline(
            incident: incident, exercise: exercise, view: view, checked: checked, entries: entries, grip: grip
        )
    }

    /// The safety regions the incident is in: its opener's, and its location's where visible.
    private func regions(of reports: [Update], view: View) -> Set<OrganisationCode> {
        var regions: Set<OrganisationCode> = []
        if let opener = reports.first(where: { $0.report.envelope.type == .incident })?.report.origin,
            opener.isSafetyRegion
        {
            regions.insert(opener)
        }
        for record in reports where record.report.envelope.type == .incident {
            let fields = visibleSections(record.report.projected(for: view))["incident"]
            if let code = fields?["location"]?["municipality"]?.stringValue,
                let region = reference.municipalities[MunicipalityCode(code)]?.region
            {
                regions.insert(region)
            }
        }
        return regions
    }

    /// Threat-area codes covering `regions`: national, their provinces and the regions.
    private func threatKeys(regions: Set<OrganisationCode>) -> Set<String> {
        var keys: Set<String> = ["national"]
        for region in regions {
            keys.insert(region.rawValue)
            if let province = reference.regions[region]?.province { keys.insert(province.rawValue) }
        }
        return keys
    }

    private func entry(
        _ record: Update, view: View, delivered: [OrganisationCode: Set<SequenceNumber>],
        checked: [OrganisationCode], all: [Update], exercise: Bool
    ) -> TimelineEntry {
        let report = record.report.projected(for: view)
        let envelope = report.envelope
        let sections = visibleSections(report)
        let withheld = zip(envelope.sections, report.sections).compactMap { descriptor, content in
            content == nil ? "\(descriptor.name) (\(descriptor.classification))" : nil
        }
        let fields = TimelineFields.keyFields(type: envelope.type, envelope: envelope, sections: sections)
        let reached = checked.filter { delivered[$0]?.contains(record.sequence) == true }
        return TimelineEntry(
            sequence: record.sequence, epoch: record.epoch,
            committed: Timestamp(millisecondsSinceEpoch: record.committedAt).inAmsterdam,
            created: envelope.created, origin: envelope.origin, type: envelope.type, report: envelope.id,
            key: envelope.key, author: envelope.author, fields: fields, withheld: withheld,
            summary: TimelineFields.summary(type: envelope.type, fields: fields, withheld: withheld),
            reached: reached, notReached: checked.filter { !reached.contains($0) },
            acknowledgement: acknowledgement(of: envelope.id, in: all, view: view, exercise: exercise))
    }

    private func acknowledgement(
        of id: ReportID, in records: [Update], view: View, exercise: Bool
    ) -> AcknowledgementStatus? {
        let requests = records.filter {
            $0.report.envelope.type == .ackRequest && $0.report.envelope.subject == id
        }
        let acks = records.filter { $0.report.envelope.type == .ack && $0.report.envelope.subject == id }
        guard !requests.isEmpty || !acks.isEmpty else { return nil }
        // The latest request counts: a sender may widen the parties or move the deadline.
        let request = requests.last.map { visibleSections($0.report.projected(for: view))["ackRequest"] }
        let parties = (request??["parties"]?.arrayValue ?? []).compactMap {
            $0.stringValue.flatMap(OrganisationCode.init)
        }
        let deadline = request??["deadline"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
        var given: [AcknowledgementStatus.Given] = []
        for ack in acks where !given.contains(where: { $0.organisation == ack.report.origin }) {
            let at = Timestamp(millisecondsSinceEpoch: ack.committedAt).inAmsterdam
            given.append(
                AcknowledgementStatus.Given(
                    organisation: ack.report.origin,
                    by: visibleSections(ack.report.projected(for: view))["ack"]?["by"]?.stringValue, at: at,
                    sequence: ack.sequence, late: exercise ? nil : deadline.map { at > $0 } ?? false))
        }
        let acknowledged = Set(given.map(\.organisation))
        return AcknowledgementStatus(
            requestedBy: requests.last?.report.origin, parties: parties, deadline: deadline, given: given,
            missing: parties.filter { !acknowledged.contains($0) })
    }

    /// Section name → content, for the sections present.
    func visibleSections(_ report: SealedReport) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (descriptor, content) in zip(report.envelope.sections, report.sections) {
            if let content, let value = try? JSONParser.parse(content) { result[descriptor.name] = value }
        }
        return result
    }
}
