import KnooppuntDomain

/// Where one party stands with one acknowledgement request.
public enum PartyAcknowledgementState: String, Sendable, Hashable, CaseIterable {
    /// A person of the party acknowledged the subject.
    case acknowledged
    /// The deadline passed without an acknowledgement (delivered or not: see `delivered`).
    case overdue
    /// Its daemon applied the request; nobody acknowledged yet; the deadline has not passed.
    case delivered
    /// Its daemon has not applied the request yet; the deadline has not passed.
    case notDelivered
    /// Delivery cannot be told from here (no liveness board), nor is it acknowledged.
    case unknown
}

public struct PartyAcknowledgement: Sendable, Hashable {
    public let party: OrganisationCode
    public let state: PartyAcknowledgementState
    /// Whether its daemon reported applying the request; nil when unknown here.
    public let delivered: Bool?
    public let acknowledgedAt: Int64?
    /// The person who acknowledged, when this view may read it.
    public let by: String?
    public let note: String?
    /// Acknowledged after the deadline (nil in an exercise: its deadlines are scripted time).
    public let late: Bool?
}

/// An overdue acknowledgement is an alarm at the desk that a person must acknowledge.
public struct AcknowledgementAlarm: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// Parties are still missing and no person has acknowledged the alarm.
        case open
        /// A person (of the requester or the national desk) acknowledged the alarm.
        case acknowledged
        /// Every party has acknowledged since, late.
        case resolved
    }

    public let request: ReportID
    /// The deadline: when the alarm was raised (ms since 1970).
    public let raisedAt: Int64
    public let state: State
    /// Parties without an acknowledgement now.
    public let missing: [OrganisationCode]
    /// Of those, the parties whose daemon has not applied the request either (when known).
    public let notDelivered: [OrganisationCode]
    /// Open for longer than the rules' `escalateAfter`: out-of-band alerting goes further.
    public let escalated: Bool
    public let acknowledgedBy: AlarmAcknowledgement?
}

/// A person's acknowledgement of an alarm: an `ack` report whose subject is the request.
public struct AlarmAcknowledgement: Sendable, Hashable {
    public let organisation: OrganisationCode
    public let by: String?
    public let note: String?
    public let at: Int64
    public let sequence: SequenceNumber
}

/// One acknowledgement request with, per party, delivered / acknowledged / overdue.
public struct AcknowledgementRequestState: Sendable, Hashable {
    public let request: ReportID
    public let subject: ReportID
    /// A few words naming the subject ("threat level 5 · PV26 · declared"), when visible.
    public let subjectSummary: String?
    public let subjectSequence: SequenceNumber?
    public let requestedBy: OrganisationCode
    public let author: String?
    public let sequence: SequenceNumber
    public let committedAt: Int64
    public let deadline: Timestamp?
    public let note: String?
    public let exercise: Bool
    /// This view may not read the request (its parties and deadline are unknown).
    public let withheld: Bool
    public let parties: [PartyAcknowledgement]
    public let alarm: AcknowledgementAlarm?

    public func party(_ code: OrganisationCode) -> PartyAcknowledgement? {
        parties.first { $0.party == code }
    }
}

/// Named limits of acknowledgement alarms.
public struct AlarmRules: Sendable, Hashable {
    /// An alarm nobody acknowledged this long after the deadline escalates (out-of-band to the
    /// national desk and the requester).
    public var escalateAfter: Duration

    public static let standard = AlarmRules(escalateAfter: .seconds(300))

    public init(escalateAfter: Duration) { self.escalateAfter = escalateAfter }

    var escalateAfterMs: Int64 {
        escalateAfter.components.seconds * 1000 + escalateAfter.components.attoseconds / 1_000_000_000_000_000
    }
}
