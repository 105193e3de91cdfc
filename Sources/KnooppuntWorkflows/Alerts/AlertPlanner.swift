import KnooppuntDomain
import StrictJSON

/// One out-of-band alert for one organisation's hook. Its id is stable, so the alert service
/// sends each once, whatever restarts in between.
public struct AlertNotification: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// A must-land message this organisation has not acknowledged by its deadline.
        case overdue
        /// An alarm about overdue acknowledgements that nobody acknowledged in time.
        case escalation
    }

    /// `<request id>/<kind>/<organisation>`.
    public let id: String
    public let kind: Kind
    /// Whose hook it goes to.
    public let organisation: OrganisationCode
    public let request: ReportID
    /// What the hook receives (JSON): see ``AlertPlanner``.
    public let payload: JSONValue
}

/// Which out-of-band alerts are due, as a pure function of the acknowledgement board: for
/// every open alarm, each party still missing gets an `overdue` alert on its own hook (its
/// daemon may be down: the hook is the way around it); an escalated alarm also goes to the
/// national desk's hook and the requester's as `escalation`. Organisations without a hook get
/// nothing.
public enum AlertPlanner {
    public static func due(
        _ requests: [AcknowledgementRequestState], hooked: Set<OrganisationCode>
    ) -> [AlertNotification] {
        var result: [AlertNotification] = []
        for request in requests {
            guard let alarm = request.alarm, alarm.state == .open else { continue }
            for party in alarm.missing where hooked.contains(party) {
                result.append(notification(.overdue, to: party, request, alarm))
            }
            guard alarm.escalated else { continue }
            for organisation in Set([OrganisationCode.national, request.requestedBy]).sorted()
            where hooked.contains(organisation) {
                result.append(notification(.escalation, to: organisation, request, alarm))
            }
        }
        return result
    }

    static func notification(
        _ kind: AlertNotification.Kind, to organisation: OrganisationCode,
        _ request: AcknowledgementRequestState,
        _ alarm: AcknowledgementAlarm
    ) -> AlertNotification {
        let what = request.subjectSummary ?? "report \(request.subject)"
        let deadline = request.deadline.map { $0.inAmsterdam.rfc3339Seconds } ?? "?"
        let message: String
        switch kind {
        case .overdue:
            let delivered =
                alarm.notDelivered.contains(organisation) ? " It has not reached your daemon." : ""
            message =
                "\(organisation): please acknowledge \(what) from \(request.requestedBy); the deadline was \(deadline).\(delivered)"
        case .escalation:
            message =
                "Nobody acknowledged the alarm: \(alarm.missing.map(\.rawValue).joined(separator: ", ")) did not acknowledge \(what) from \(request.requestedBy) (deadline \(deadline))."
        }
        var payload: [String: JSONValue] = [
            "kind": .string(kind.rawValue), "organisation": .string(organisation.rawValue),
            "request": .string(request.request.rawValue), "subject": .string(request.subject.rawValue),
            "requestedBy": .string(request.requestedBy.rawValue), "deadline": .string(deadline),
            "missing": JSONFields.strings(alarm.missing),
            "notDelivered": JSONFields.strings(alarm.notDelivered),
            "raisedAt": JSONFields.time(alarm.raisedAt), "message": .string(message),
        ]
        payload.set("subjectSummary", request.subjectSummary.map(JSONValue.string))
        payload.set("note", request.note.map(JSONValue.string))
        let id = "\(request.request)/\(kind.rawValue)/\(organisation)"
        payload["id"] = .string(id)
        return AlertNotification(
            id: id, kind: kind, organisation: organisation, request: request.request,
            payload: .object(payload))
    }
}
