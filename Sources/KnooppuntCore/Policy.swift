import KnooppuntDomain
import KnooppuntProtocol

/// What the node knows about an incident to enforce the write policy.
public struct IncidentRecord: Sendable, Hashable {
    /// The organisation that first reported the incident.
    public let opener: OrganisationCode
    /// The lead organisation named in its latest incident report.
    public var lead: OrganisationCode

    public init(opener: OrganisationCode, lead: OrganisationCode) {
        self.opener = opener
        self.lead = lead
    }
}

/// Who may write what (docs/PROTOCOL.md §8). The rules here are version 1 of the policy; they
/// are checked at the node on every submit, after the report has been decoded and verified.
public struct WritePolicy: Sendable {
    public init() {}

    /// Nil when `origin` may write `document`; otherwise the refusal (E301, E402, E403).
    public func check(
        _ document: ReportDocument, origin: OrganisationCode, incidents: [String: IncidentRecord]
    ) -> Problem? {
        let scope = document.exercise ? "exercise/" : ""
        func incident(_ id: IncidentID) -> IncidentRecord? { incidents[scope + id.rawValue] }
        switch document.body {
        case .incident(let report):
            // Rule: an incident is updated only by the organisation that opened it or its lead.
            if let known = incident(report.id), known.opener != origin, known.lead != origin {
                return Problem(
                    .incidentConflict, field: "incident",
                    "incident \(report.id) is held by \(known.opener) (lead \(known.lead)); only they update it"
                )
            }
        case .grip(let change):
            // Rule: only the lead organisation (or the opener) changes an incident's GRIP.
            guard let known = incident(change.incident) else {
                return Problem(
                    .unknownIncident, field: "incident", "incident \(change.incident) is not in the picture")
            }
            guard origin == known.lead || origin == known.opener else {
                return Problem(
                    .notPermitted, field: "incident",
                    "only \(known.lead), the lead, changes the GRIP of \(change.incident)")
            }
            if change.level == .rijk && origin != .national && known.lead != origin {
                return Problem(.notPermitted, field: "level", "GRIP Rijk is a national decision")
            }
        case .sitrep(let sitrep):
            // Rule: any organisation may report on a known incident.
            if incident(sitrep.incident) == nil {
                return Problem(
                    .unknownIncident, field: "incident", "incident \(sitrep.incident) is not in the picture")
            }
        case .threat:
            // Rule: only NCTV sets threat levels.
            guard origin == .nctv else {
                return Problem(.notPermitted, field: "type", "only NCTV sets threat levels")
            }
        case .measure(let measures):
            // Rule: a safety region reports measures only for its own municipalities.
            if origin.isSafetyRegion,
                ReferenceData.builtIn.municipalities[measures.municipality]?.region != origin
            {
                return Problem(
                    .notPermitted, field: "municipality", "\(measures.municipality) is not in \(origin)")
            }
            if let id = measures.incident, incident(id) == nil {
                return Problem(.unknownIncident, field: "incident", "incident \(id) is not in the picture")
            }
        case .ackRequest, .ack:
            break
        }
        return nil
    }

    /// Updates what the node knows about incidents after a report is accepted.
    public static func record(
        _ document: ReportDocument, origin: OrganisationCode, in incidents: inout [String: IncidentRecord]
    ) {
        guard case .incident(let report) = document.body else { return }
        let key = (document.exercise ? "exercise/" : "") + report.id.rawValue
        if var known = incidents[key] {
            known.lead = report.lead.organisation
            incidents[key] = known
        } else {
            incidents[key] = IncidentRecord(opener: origin, lead: report.lead.organisation)
        }
    }
}
