/// A request that named parties acknowledge a report by a deadline (a message that must land).
public struct AcknowledgementRequest: Sendable, Hashable {
    public var subject: ReportID
    public var parties: OrganisationSet
    public var deadline: Timestamp
    public var note: String?
    public var classification: Classification

    public init(
        subject: ReportID, parties: OrganisationSet, deadline: Timestamp, note: String? = nil,
        classification: Classification
    ) {
        self.subject = subject
        self.parties = parties
        self.deadline = deadline
        self.note = note
        self.classification = classification
    }
}

/// A person's confirmation that their organisation has taken note of a report.
public struct Acknowledgement: Sendable, Hashable {
    public var subject: ReportID
    /// The person who acknowledged.
    public var by: String
    public var note: String?
    public var classification: Classification

    public init(subject: ReportID, by: String, note: String? = nil, classification: Classification) {
        self.subject = subject
        self.by = by
        self.note = note
        self.classification = classification
    }
}

/// Kinds of local measures a municipality takes.
public enum MeasureKind: String, Sendable, Hashable, CaseIterable {
    case stayInside, buildingsClosed, schoolsClosed, publicTransportStopped, roadsClosed, eventsCancelled
    case evacuation, increasedSurveillance, other
}

public struct Measure: Sendable, Hashable {
    public var kind: MeasureKind
    public var text: String
    public init(kind: MeasureKind, text: String) {
        self.kind = kind
        self.text = text
    }
}

/// The measures in force in one municipality, as its region reports them.
public struct MunicipalMeasures: Sendable, Hashable {
    public var municipality: MunicipalityCode
    public var incident: IncidentID?
    public var measures: [Measure]
    public var classification: Classification

    public init(
        municipality: MunicipalityCode, incident: IncidentID? = nil, measures: [Measure],
        classification: Classification
    ) {
        self.municipality = municipality
        self.incident = incident
        self.measures = measures
        self.classification = classification
    }
}
