/// What kind of incident this is. `possibleTerroristAttack` triggers the GRIP 3 advice.
public enum IncidentKind: String, Sendable, Hashable, CaseIterable {
    case fire, explosion, shooting, stabbing, possibleTerroristAttack, hostageSituation
    case flood, storm, chemicalRelease, nuclear, infectiousDisease, transportAccident
    case infrastructureFailure, cyberIncident, publicOrder, evacuation, other
}

/// Where an incident is: a municipality, a point, or both, resolved to its safety region.
public struct IncidentLocation: Sendable, Hashable {
    public var municipality: MunicipalityCode?
    public var point: GeoPoint?
    /// Free text such as an address or "24 Oktoberplein".
    public var description: String?

    public init(municipality: MunicipalityCode? = nil, point: GeoPoint? = nil, description: String? = nil) {
        self.municipality = municipality
        self.point = point
        self.description = description
    }

    /// The safety region: the municipality's region, else the region containing the point.
    public func region(in reference: ReferenceData) -> OrganisationCode? {
        if let municipality, let region = reference.municipalities[municipality]?.region { return region }
        if let point { return reference.region(containing: point) }
        return nil
    }
}

/// One clear command structure: which organisation leads, and which function in it.
public struct LeadAuthority: Sendable, Hashable {
    public var organisation: OrganisationCode
    /// E.g. "Burgemeester van Utrecht", "Voorzitter veiligheidsregio".
    public var function: String

    public init(organisation: OrganisationCode, function: String) {
        self.organisation = organisation
        self.function = function
    }
}

public enum IncidentStatus: String, Sendable, Hashable, CaseIterable {
    case open, closed, reopened
}

/// An incident as its lead organisation reports it.
public struct Incident: Sendable, Hashable {
    public var id: IncidentID
    public var title: String
    public var kind: IncidentKind
    public var location: IncidentLocation
    public var startedAt: Timestamp
    public var lead: LeadAuthority
    public var status: IncidentStatus
    /// Set when this incident was merged into another; it then lives on there.
    public var mergedInto: IncidentID?
    /// Related incidents, e.g. in neighbouring regions.
    public var linked: [IncidentID]
    public var classification: Classification

    public init(
        id: IncidentID, title: String, kind: IncidentKind, location: IncidentLocation, startedAt: Timestamp,
        lead: LeadAuthority, status: IncidentStatus = .open, mergedInto: IncidentID? = nil,
        linked: [IncidentID] = [], classification: Classification
    ) {
        self.id = id
        self.title = title
        self.kind = kind
        self.location = location
        self.startedAt = startedAt
        self.lead = lead
        self.status = status
        self.mergedInto = mergedInto
        self.linked = linked
        self.classification = classification
    }
}
