import KnooppuntDomain
import KnooppuntProtocol

/// One rule of the write policy (config/policy.yaml): what it governs, who may write that,
/// and the stable code a refusal carries.
public struct PolicyRule: Sendable, Hashable {
    public let id: String
    public let writes: PolicySubject
    public let allowed: [PolicyPrincipal]
    /// E301 notPermitted unless the file names another code (E403 for incident ownership).
    public let code: ErrorCode
    /// The rule in one sentence, as refusals quote it.
    public let says: String
}

/// What a rule governs: a kind of write the node recognises in a report.
public enum PolicySubject: String, Sendable, Hashable, CaseIterable {
    case threat
    case grip
    case gripRijk = "grip RIJK"
    case incidentUpdate = "incident update"
    case measure
    case adviceNational = "advice national"
    case adviceRegional = "advice regional"
    case ackRequest
}

/// Who a rule allows: an organisation, every organisation of a kind or a group, or a role
/// relative to the report.
public enum PolicyPrincipal: Sendable, Hashable, CustomStringConvertible {
    case organisation(OrganisationCode)
    /// Every organisation of this kind (`kind: infrastructure`).
    case kind(OrganisationKind)
    /// Every member of this group (`group: vital-infrastructure`), as network.json says.
    case group(String)
    /// Kind safetyRegion: VR01…VR25 (no partner can be of that kind).
    case safetyRegions
    case incidentLead
    case incidentOpener
    case municipalityRegion
    case areaRegion
    case subjectOrigin

    static let roles: [String: PolicyPrincipal] = [
        "safety regions": .safetyRegions, "incident lead": .incidentLead,
        "incident opener": .incidentOpener, "municipality region": .municipalityRegion,
        "area region": .areaRegion, "subject origin": .subjectOrigin,
    ]

    public init?(_ text: String) {
        if let code = OrganisationCode.inNetwork(text) {
            self = .organisation(code)
        } else if let role = Self.roles[text] {
            self = role
        } else {
            return nil
        }
    }

    /// `kind: K` or `group: G`, as a policy file's mapping entry `{kind: K}` reads.
    public init?(membership key: String, _ value: String) {
        switch key {
        case "kind":
            guard let kind = OrganisationKind(rawValue: value) else { return nil }
            self = .kind(kind)
        case "group":
            guard Organisation.isGroupName(value) else { return nil }
            self = .group(value)
        default: return nil
        }
    }

    var isMembership: Bool {
        switch self {
        case .kind, .group: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .organisation(let code): code.rawValue
        case .kind(let kind): "kind: \(kind)"
        case .group(let group): "group: \(group)"
        default: Self.roles.first { $0.value == self }!.key
        }
    }

    /// Whether `origin` is this principal for a report with these facts; nil when the facts
    /// needed are unknown (the rule is then not decided by this principal).
    func admits(_ origin: OrganisationCode, _ facts: PolicyFacts) -> Bool? {
        switch self {
        case .organisation(let code): code == origin
        // The 28's kinds are built in; a partner's comes from the registry the check was given.
        case .kind(let kind): (origin.builtInKind ?? facts.writer?.kind) == kind
        case .group(let group): facts.writer?.groups.contains(group) ?? false
        case .safetyRegions: origin.isSafetyRegion
        case .incidentLead: facts.incident.map { $0.lead == origin }
        case .incidentOpener: facts.incident.map { $0.opener == origin }
        case .municipalityRegion: facts.municipalityRegion.map { $0 == origin }
        case .areaRegion: facts.areaRegion.map { $0 == origin }
        case .subjectOrigin: facts.subjectOrigin.map { $0 == origin }
        }
    }
}

/// What the policy needs to know about one report besides its writer.
struct PolicyFacts {
    var subjects: Set<PolicySubject> = []
    /// The incident the report is about, as the node knows it (nil for a new incident).
    var incident: IncidentRecord?
    var municipalityRegion: OrganisationCode?
    /// The one safety region action advice is for.
    var areaRegion: OrganisationCode?
    /// Who wrote the report an acknowledgement request is about (nil: not known here).
    var subjectOrigin: OrganisationCode?
    /// The writer's entry in the network (its kind and groups), looked up only when a rule
    /// names a kind or a group; nil for a writer the network does not know.
    var writer: Organisation?

    init(
        _ document: ReportDocument, incident: IncidentRecord?, subjectOrigin: OrganisationCode?,
        reference: ReferenceData
    ) {
        self.incident = incident
        self.subjectOrigin = subjectOrigin
        switch document.body {
        case .incident:
            if incident != nil { subjects.insert(.incidentUpdate) }
        case .grip(let change):
            subjects.insert(.grip)
            if change.level == .rijk { subjects.insert(.gripRijk) }
        case .threat:
            subjects.insert(.threat)
        case .measure(let measures):
            subjects.insert(.measure)
            municipalityRegion = reference.municipalities[measures.municipality]?.region
        case .sitrep(let sitrep):
            guard let area = sitrep.communicatie?.targetArea else { break }
            // Advice for exactly one region is regional; for several, or for no area at all
            // (the whole country), it is national.
            var regions = Set(area.regions)
            for code in area.municipalities {
                if let region = reference.municipalities[code]?.region { regions.insert(region) }
            }
            if regions.count == 1, let region = regions.first {
                subjects.insert(.adviceRegional)
                areaRegion = region
            } else {
                subjects.insert(.adviceNational)
            }
        case .ackRequest:
            subjects.insert(.ackRequest)
        case .ack, .signal, .signalAck, .signalFollowUp, .signalRead:
            break
        }
    }
}
