/// What a person may do within their own organisation. A person has exactly one role; an
/// organisation's administrator gives it (`knooppunt users add … --role`).
public enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Reads the picture, the history and the timeline; writes nothing.
    case viewer
    /// Composes and publishes the organisation's own reports and acknowledges what must land.
    case `operator`
    /// The national desk's work: national advice, acknowledgement requests, escalations.
    case deskOfficer = "desk-officer"
    /// Manages the organisation's accounts, keys and policy.
    case administrator

    /// "desk officer", for messages a person reads.
    public var title: String {
        switch self {
        case .viewer: "viewer"
        case .operator: "operator"
        case .deskOfficer: "desk officer"
        case .administrator: "administrator"
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Everything a person can ask of Knooppunt that a role decides, in the words of the
/// people who do it.
public enum PersonAction: String, Sendable, Hashable, CaseIterable {
    /// Read the picture, history, timeline and boards.
    case view
    /// Publish a report for the person's own organisation (incident, GRIP, sitrep, measure,
    /// threat level): what the operator screen and `knooppunt publish` do.
    case publishOwn = "publish-own"
    /// Publish national advice (the desk).
    case giveNationalAdvice = "give-national-advice"
    /// Ask parties to acknowledge a message that must land.
    case requestAcknowledgement = "request-acknowledgement"
    /// Confirm, as a person, that a message that must land has been received and read.
    case giveAcknowledgement = "give-acknowledgement"
    /// Take up an overdue acknowledgement or an alarm (escalation).
    case handleEscalation = "handle-escalation"
    /// Add, disable and reset accounts, issue tokens.
    case manageAccounts = "manage-accounts"
    /// Create, export and rotate the organisation's keys.
    case manageKeys = "manage-keys"
    /// Change the write policy and the network configuration.
    case managePolicy = "manage-policy"
    /// Open the content of a person-related signal sent or addressed to the organisation
    /// (every opening is logged). Not a viewer's: a signal is need-to-know, not picture.
    case readSignals = "read-signals"

    /// "publish reports for their own organisation", for refusals a person reads.
    public var phrase: String {
        switch self {
        case .view: "view the picture"
        case .publishOwn: "publish reports for their own organisation"
        case .giveNationalAdvice: "give national advice"
        case .requestAcknowledgement: "request acknowledgements"
        case .giveAcknowledgement: "give acknowledgements"
        case .handleEscalation: "handle escalations"
        case .manageAccounts: "manage accounts"
        case .manageKeys: "manage keys"
        case .managePolicy: "manage policy"
        case .readSignals: "read signals about persons"
        }
    }
}
