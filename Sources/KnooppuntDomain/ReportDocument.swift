/// The kinds of report an organisation can publish.
public enum ReportType: String, Sendable, Hashable, CaseIterable {
    case incident, grip, sitrep, threat, ackRequest, ack, measure
    /// A person-related signal and what its recipients answer (issue 18; Signal.swift).
    case signal, signalAck, signalFollowUp
    /// That a person opened a signal's content (made by the daemon that showed it).
    case signalRead
}

/// What a report says, by type.
public enum ReportBody: Sendable, Hashable {
    case incident(Incident)
    case grip(GRIPChange)
    case sitrep(Sitrep)
    case threat(ThreatLevelChange)
    case ackRequest(AcknowledgementRequest)
    case ack(Acknowledgement)
    case measure(MunicipalMeasures)
    case signal(Signal)
    case signalAck(SignalAcknowledgement)
    case signalFollowUp(SignalFollowUp)
    case signalRead(SignalRead)

    public var type: ReportType {
        switch self {
        case .incident: .incident
        case .grip: .grip
        case .sitrep: .sitrep
        case .threat: .threat
        case .ackRequest: .ackRequest
        case .ack: .ack
        case .measure: .measure
        case .signal: .signal
        case .signalAck: .signalAck
        case .signalFollowUp: .signalFollowUp
        case .signalRead: .signalRead
        }
    }

    /// The incident the report is about, if any.
    public var incident: IncidentID? {
        switch self {
        case .incident(let incident): incident.id
        case .grip(let change): change.incident
        case .sitrep(let sitrep): sitrep.incident
        case .measure(let measures): measures.incident
        case .threat, .ackRequest, .ack, .signal, .signalAck, .signalFollowUp, .signalRead: nil
        }
    }

    /// The report an acknowledgement (request) is about.
    public var subject: ReportID? {
        switch self {
        case .ackRequest(let request): request.subject
        case .ack(let ack): ack.subject
        case .signalAck(let ack): ack.subject
        case .signalFollowUp(let followUp): followUp.subject
        case .signalRead(let read): read.subject
        default: nil
        }
    }

    /// The picture key this report writes, for a report from `origin`. The latest report per
    /// key is the current picture; the log keeps every earlier one. A signal's key is its
    /// report `id`, so nothing of its content is in a key.
    public func pictureKey(origin: OrganisationCode, exercise: Bool, id: ReportID? = nil) -> String {
        let key: String
        switch self {
        case .signal, .signalAck, .signalFollowUp, .signalRead:
            key = Self.signalKey(self, origin: origin, id: id) ?? ""
        case .incident(let incident): key = "incident/\(incident.id)"
        case .grip(let change): key = "incident/\(change.incident)/grip"
        case .sitrep(let sitrep): key = "incident/\(sitrep.incident)/sitrep/\(origin)"
        case .threat(let threat): key = "threat/\(threat.area.code)"
        case .ackRequest(let request): key = "ack/\(request.subject)/request"
        case .ack(let ack): key = "ack/\(ack.subject)/\(origin)"
        case .measure(let measures): key = "measure/\(measures.municipality)/\(origin)"
        }
        return exercise ? "exercise/" + key : key
    }
}

/// A report as an operator writes it (JSON or YAML): the body plus optional id, exercise flag
/// and author. A document without an id gets a fresh one when published, so a template can be
/// sent again and again.
public struct ReportDocument: Sendable, Hashable {
    public var id: ReportID?
    public var exercise: Bool
    /// The person who wrote it.
    public var author: String?
    public var body: ReportBody

    public init(id: ReportID? = nil, exercise: Bool = false, author: String? = nil, body: ReportBody) {
        self.id = id
        self.exercise = exercise
        self.author = author
        self.body = body
    }
}
