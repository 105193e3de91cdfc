/// The disciplines of a BOB situation picture (beeld), each with its own section.
public enum Discipline: String, Sendable, Hashable, CaseIterable, Comparable {
    // Cases are named in lower case; their raw values are the codes crisis teams use.
    /// Brandweer: fire service.
    case brw = "BRW"
    /// Politie: police.
    case pol = "POL"
    /// Geneeskundige zorg: medical care (GHOR).
    case gz = "GZ"
    /// Bevolkingszorg: population care (municipalities).
    case bz = "BZ"
    /// Crisiscommunicatie: crisis communication.
    case ccom = "CCOM"
    /// Defensie: defence.
    case def = "DEF"
    /// Multidisciplinary summary.
    case multi = "MULTI"

    public static func < (a: Discipline, b: Discipline) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One discipline's part of the picture (beeld).
public struct DisciplinePicture: Sendable, Hashable {
    public var text: String
    public var classification: Classification
    public init(text: String, classification: Classification) {
        self.text = text
        self.classification = classification
    }
}

/// Oordeel: the judgement of the situation.
public struct Assessment: Sendable, Hashable {
    public var bottlenecks: [String]
    public var risks: [String]
    public var prognosis: String
    public var classification: Classification
    public init(bottlenecks: [String], risks: [String], prognosis: String, classification: Classification) {
        self.bottlenecks = bottlenecks
        self.risks = risks
        self.prognosis = prognosis
        self.classification = classification
    }
}

/// One decision (besluit) of a crisis team.
public struct Decision: Sendable, Hashable {
    public var text: String
    public var decidedBy: String?
    public var at: Timestamp?
    public init(text: String, decidedBy: String? = nil, at: Timestamp? = nil) {
        self.text = text
        self.decidedBy = decidedBy
        self.at = at
    }
}

public struct Decisions: Sendable, Hashable {
    public var items: [Decision]
    public var classification: Classification
    public init(items: [Decision], classification: Classification) {
        self.items = items
        self.classification = classification
    }
}

/// One action (actie) with who owns it and by when.
public struct Action: Sendable, Hashable {
    public var text: String
    public var owner: String
    public var deadline: Timestamp
    public init(text: String, owner: String, deadline: Timestamp) {
        self.text = text
        self.owner = owner
        self.deadline = deadline
    }
}

public struct Actions: Sendable, Hashable {
    public var items: [Action]
    public var classification: Classification
    public init(items: [Action], classification: Classification) {
        self.items = items
        self.classification = classification
    }
}

/// The area a message to the public is meant for.
public struct TargetArea: Sendable, Hashable {
    public var regions: [OrganisationCode]
    public var municipalities: [MunicipalityCode]
    public init(regions: [OrganisationCode] = [], municipalities: [MunicipalityCode] = []) {
        self.regions = regions
        self.municipalities = municipalities
    }
}

/// Crisis communication: the core message and the action advice (handelingsperspectief).
public struct CrisisCommunication: Sendable, Hashable {
    public var coreMessage: String
    /// Handelingsperspectief: what the public should do.
    public var actionAdvice: String
    public var targetArea: TargetArea
    public var classification: Classification
    public init(
        coreMessage: String, actionAdvice: String, targetArea: TargetArea, classification: Classification
    ) {
        self.coreMessage = coreMessage
        self.actionAdvice = actionAdvice
        self.targetArea = targetArea
        self.classification = classification
    }
}

public enum Confidence: String, Sendable, Hashable, CaseIterable { case low, medium, high }

public enum VerificationStatus: String, Sendable, Hashable, CaseIterable {
    case unconfirmed, confirmed, retracted
}

/// A situation report (sitrep) in the BOB structure: beeld, oordeel, besluiten, acties, plus
/// crisis communication. A correction names the sitrep it supersedes; both stay in the history.
public struct Sitrep: Sendable, Hashable {
    public var incident: IncidentID
    public var beeld: [Discipline: DisciplinePicture]
    public var oordeel: Assessment?
    public var besluiten: Decisions?
    public var acties: Actions?
    public var communicatie: CrisisCommunication?
    public var confidence: Confidence
    public var verification: VerificationStatus
    public var supersedes: ReportID?
    public var nextUpdateDue: Timestamp?

    public init(
        incident: IncidentID, beeld: [Discipline: DisciplinePicture], oordeel: Assessment? = nil,
        besluiten: Decisions? = nil, acties: Actions? = nil, communicatie: CrisisCommunication? = nil,
        confidence: Confidence, verification: VerificationStatus, supersedes: ReportID? = nil,
        nextUpdateDue: Timestamp? = nil
    ) {
        self.incident = incident
        self.beeld = beeld
        self.oordeel = oordeel
        self.besluiten = besluiten
        self.acties = acties
        self.communicatie = communicatie
        self.confidence = confidence
        self.verification = verification
        self.supersedes = supersedes
        self.nextUpdateDue = nextUpdateDue
    }
}
