import KnooppuntDomain

/// The node's advice to scale an incident up (the first lesson of 18 March 2019: a possible
/// terrorist attack goes straight to GRIP 3). Advice only: the lead region decides and
/// publishes the GRIP change; GRIP Rijk is a national decision and is never advised.
public struct GRIPAdvice: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// The incident is marked as a possible terrorist attack and is below GRIP 3.
        case possibleTerroristAttack
        /// The incident touches more than one safety region and is below GRIP 5.
        case severalRegions
    }

    /// The level advised: GRIP 3 or GRIP 5, never GRIP Rijk.
    public let target: GRIPLevel
    public let reasons: [Reason]
    /// When the advice arose (node commit time, ms since 1970).
    public let since: Int64
    /// One line for people, naming the level and why.
    public let message: String
    /// The same line in Dutch, for the screens ("Opschalen naar GRIP 3: …").
    public let dutchMessage: String
}

/// One GRIP decision of an incident: who, when, why.
public struct GRIPDecision: Sendable, Hashable {
    public let level: GRIPLevel?
    public let reason: String?
    /// When the lead organisation says it decided (its own clock; scripted time in an exercise).
    public let decidedAt: Timestamp?
    public let origin: OrganisationCode
    public let author: String?
    public let sequence: SequenceNumber
    public let committedAt: Int64
}

/// How long an incident took to reach GRIP 3 (or higher), measured twice: on the node's commit
/// clock (tamper-evident), and between the times the lead organisation wrote down (the
/// incident's `startedAt` and the GRIP decision's `decidedAt`; in an exercise, scripted time).
public struct GRIPThreeTiming: Sendable, Hashable {
    /// The first decision at GRIP 3 or higher; nil while the incident is below GRIP 3.
    public let reached: GRIPDecision?
    /// Reached: from the incident's first report to that decision, on the node's clock.
    /// Not reached: how long the incident has been open without GRIP 3 so far.
    public let afterOpenedMs: Int64?
    /// Reached: from the possible-terrorist-attack mark to GRIP 3, on the node's clock.
    public let afterAdviceMs: Int64?
    /// Reached: `decidedAt − startedAt` as the documents state them.
    public let statedMs: Int64?
}

/// An incident as the GRIP rules see it.
public struct IncidentGRIPState: Sendable, Hashable {
    public let incident: IncidentID
    public let exercise: Bool
    public internal(set) var title: String?
    public internal(set) var kind: IncidentKind?
    public internal(set) var status: IncidentStatus?
    public internal(set) var lead: OrganisationCode?
    /// The region of its location (or its opener's, when the location is withheld).
    public internal(set) var region: OrganisationCode?
    /// Every safety region the incident touches (see ``GRIPAdvisor``), sorted.
    public internal(set) var regions: [OrganisationCode] = []
    public internal(set) var grip: GRIPLevel?
    public internal(set) var history: [GRIPDecision] = []
    /// The first commit about the incident (ms since 1970).
    public internal(set) var openedAt: Int64 = 0
    /// The incident's `startedAt`, as its opener wrote it.
    public internal(set) var startedAt: Timestamp?
    /// When it was first marked a possible terrorist attack (commit time).
    public internal(set) var markedTerroristAt: Int64?
    /// When it first touched a second region (commit time).
    public internal(set) var severalRegionsAt: Int64?
    public internal(set) var gripThree = GRIPThreeTiming(
        reached: nil, afterOpenedMs: nil, afterAdviceMs: nil, statedMs: nil)
    public internal(set) var advice: GRIPAdvice?
    public internal(set) var lastSequence: SequenceNumber = 0

    init(incident: IncidentID, exercise: Bool) {
        self.incident = incident
        self.exercise = exercise
    }
}
