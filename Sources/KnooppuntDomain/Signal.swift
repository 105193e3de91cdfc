/// What a signal about a person is about (issue 18).
public enum SignalKind: String, Sendable, Hashable, CaseIterable {
    case radicalisation, violence, psychological, other
}

/// What the sender asks of the recipients.
public enum SignalRequest: String, Sendable, Hashable, CaseIterable {
    /// Take note.
    case inform
    /// Discuss it in a Multidisciplinair Afstemmingsoverleg Resocialisatie.
    case discussMAR
    /// Discuss it in a case meeting (e.g. at a Zorg- en Veiligheidshuis).
    case discussCaseMeeting
    /// Act on it within the recipient's own task.
    case act
}

/// What a recipient did with a signal after acknowledging it.
public enum SignalOutcome: String, Sendable, Hashable, CaseIterable {
    /// Taken into a case meeting or a MAR.
    case caseMeeting
    /// Considered; no action.
    case noAction
    /// Forwarded on the recipient's own legal basis.
    case forwarded
    /// Closed.
    case closed
}

/// A person-related signal sent to named recipients on a legal basis.
///
/// The person is named only by a pseudonymous reference that the sender resolves: no name or
/// BSN field exists on the wire. The readers are not the sender's choice: they are always the
/// sender and the named recipients (``classification``), whatever a document says.
public struct Signal: Sendable, Hashable {
    /// The longest pseudonymous person reference.
    public static let maximumPersonReference = 64
    /// The longest legal-basis code.
    public static let maximumLegalBasis = 32
    /// The most recipients one signal names.
    public static let maximumRecipients = 16
    /// The longest retention any signal may ask for (five years); the configured policy may
    /// allow less.
    public static let maximumRetentionDays = 1_825
    /// The longest exercise retention (one day): an exercise that plays a signal's whole life,
    /// deletion included, states its retention in seconds.
    public static let maximumExerciseRetentionSeconds = 86_400

    /// The organisation that sends it (must be the report's origin).
    public var sender: OrganisationCode
    /// The pseudonymous reference only the sender can resolve to a person.
    public var person: String
    public var kind: SignalKind
    /// The sender's assessment.
    public var assessment: String
    /// A code from the configured list of legal bases (config/signals.yaml).
    public var legalBasis: String
    public var recipients: OrganisationSet
    public var retentionDays: Int
    /// An exercise's retention in seconds, instead of `retentionDays` (the node refuses it on a
    /// real signal, E317): so an exercise, and a test, sees the content deleted within seconds.
    public var exerciseRetentionSeconds: Int?
    public var asked: SignalRequest

    public init(
        sender: OrganisationCode, person: String, kind: SignalKind, assessment: String, legalBasis: String,
        recipients: OrganisationSet, retentionDays: Int, asked: SignalRequest,
        exerciseRetentionSeconds: Int? = nil
    ) {
        self.sender = sender
        self.person = person
        self.kind = kind
        self.assessment = assessment
        self.legalBasis = legalBasis
        self.recipients = recipients
        self.retentionDays = retentionDays
        self.asked = asked
        self.exerciseRetentionSeconds = exerciseRetentionSeconds
    }

    /// Exactly the sender and the recipients: the node refuses a signal classified otherwise.
    public var classification: Classification { .parties(readers) }

    public var readers: OrganisationSet {
        var set = recipients
        set.insert(sender)
        return set
    }
}

/// A recipient's acknowledgement of receipt, by a person whose role allows it.
public struct SignalAcknowledgement: Sendable, Hashable {
    /// The signal's report id.
    public var subject: ReportID
    /// The person who acknowledged.
    public var by: String
    public var note: String?
    /// The signal's readers: the node refuses any other.
    public var classification: Classification

    public init(subject: ReportID, by: String, note: String? = nil, classification: Classification) {
        self.subject = subject
        self.by = by
        self.note = note
        self.classification = classification
    }
}

/// What a recipient did with a signal.
public struct SignalFollowUp: Sendable, Hashable {
    public var subject: ReportID
    public var outcome: SignalOutcome
    /// The person who recorded it.
    public var by: String
    public var note: String?
    /// For ``SignalOutcome/forwarded``: the recipient's own legal basis for forwarding.
    public var legalBasis: String?
    /// The signal's readers: the node refuses any other.
    public var classification: Classification

    public init(
        subject: ReportID, outcome: SignalOutcome, by: String, note: String? = nil, legalBasis: String? = nil,
        classification: Classification
    ) {
        self.subject = subject
        self.outcome = outcome
        self.by = by
        self.note = note
        self.legalBasis = legalBasis
        self.classification = classification
    }
}

/// That a person opened a signal's content: made only by the daemon that showed it (the
/// sender's or a recipient's), never carrying content. Its readers are the signal's sender and
/// the reader's own organisation, so the sender sees who read its signal and nobody else does.
public struct SignalRead: Sendable, Hashable {
    /// The longest role name.
    public static let maximumRole = 32

    /// The signal's report id.
    public var subject: ReportID
    /// The person who opened it ("Full Name (user)").
    public var by: String
    /// Their role when they opened it.
    public var role: String
    /// When the daemon showed the content (ms since 1970, the daemon's clock).
    public var at: Int64
    /// Exactly the signal's sender and the reader's organisation: the node refuses any other.
    public var classification: Classification

    public init(subject: ReportID, by: String, role: String, at: Int64, classification: Classification) {
        self.subject = subject
        self.by = by
        self.role = role
        self.at = at
        self.classification = classification
    }
}

extension ReportBody {
    /// The picture keys of signals: by report id only, so no content (kind, person) is in a key.
    static func signalKey(_ body: ReportBody, origin: OrganisationCode, id: ReportID?) -> String? {
        switch body {
        case .signal: "signal/\(id?.rawValue ?? "-")"
        case .signalAck(let ack): "signal/\(ack.subject)/ack/\(origin)"
        case .signalFollowUp(let followUp): "signal/\(followUp.subject)/followUp/\(origin)"
        // One key per read (its own id), so the picture keeps every read, not only the last.
        case .signalRead(let read): "signal/\(read.subject)/read/\(id?.rawValue ?? "-")"
        default: nil
        }
    }
}
