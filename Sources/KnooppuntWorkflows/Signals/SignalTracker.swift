import KnooppuntDomain
import StrictJSON

/// Where one recipient stands with one signal, most advanced first.
public enum SignalRecipientState: String, Sendable, Hashable, CaseIterable {
    /// A person of the recipient recorded what was done with it.
    case followedUp
    /// A person of the recipient acknowledged receipt.
    case acknowledged
    /// The acknowledgement deadline passed without one (delivered or not: see `delivered`).
    case overdue
    /// Its daemon applied the signal; nobody acknowledged yet.
    case delivered
    /// Its daemon has not applied the signal yet.
    case notDelivered
    /// Delivery cannot be told from here (no liveness board), nor is it acknowledged.
    case unknown
}

public struct SignalRecipient: Sendable, Hashable {
    public let party: OrganisationCode
    public let state: SignalRecipientState
    public let delivered: Bool?
    public let acknowledgedAt: Int64?
    /// The person who acknowledged, where this view may read it.
    public let acknowledgedBy: String?
    public let followedUpAt: Int64?
    /// The latest follow-up's outcome, where this view may read it.
    public let outcome: String?
    /// Past the deadline without an acknowledgement.
    public let overdue: Bool
}

/// That a person opened a signal's content, as a read record tells it.
public struct SignalReading: Sendable, Hashable {
    /// The reader's organisation (the record's origin).
    public let organisation: OrganisationCode
    /// The person and their role, where this view may read the record.
    public let by: String?
    public let role: String?
    /// When the node committed the record (ms since 1970).
    public let committedAt: Int64
}

/// One signal with, per recipient, delivered / acknowledged / followed up / overdue. Its
/// content (kind, person, assessment) is filled in only where the view holds it: the sender
/// and the recipients; the national desk sees the stub (sender, recipients, states).
public struct SignalState: Sendable, Hashable {
    public let id: ReportID
    public let sender: OrganisationCode
    public let sequence: SequenceNumber
    public let committedAt: Int64
    /// By when each recipient must acknowledge (ms since 1970).
    public let deadline: Int64
    public let exercise: Bool
    /// The content, where this view holds it.
    public let content: [String: JSONValue]?
    public let recipients: [SignalRecipient]
    /// Who opened its content (the read records this view holds: the sender's view holds
    /// every one, a recipient's its own), oldest first.
    public var reads: [SignalReading] = []

    public var overdue: [OrganisationCode] { recipients.filter(\.overdue).map(\.party) }
}

/// Per signal and recipient: delivered, acknowledged, followed up, overdue. A pure function of
/// the signal records a view holds, the liveness board and the node's time.
///
/// - Only acknowledgements and follow-ups from a recipient count (the node refuses others).
/// - Exercise signals carry scripted time: they are never overdue.
public struct SignalTracker: Sendable {
    /// How long a recipient has to acknowledge (config/signals.yaml `acknowledgeWithinMinutes`).
    public let acknowledgeWithinMs: Int64

    public init(acknowledgeWithinMs: Int64) { self.acknowledgeWithinMs = acknowledgeWithinMs }

    /// Every signal in `records`, oldest first.
    public func signals(
        in records: [SignalRecord], applied: [OrganisationCode: SequenceNumber]?, now: Int64
    ) -> [SignalState] {
        let ordered = records.sorted { $0.record.sequence < $1.record.sequence }
        var answers: [ReportID: [SignalRecord]] = [:]
        for item in ordered where item.record.type != .signal {
            if let subject = item.record.subject { answers[subject, default: []].append(item) }
        }
        return ordered.filter { $0.record.type == .signal }.map { signal in
            state(of: signal, answers: answers[signal.record.id] ?? [], applied: applied, now: now)
        }
    }

    private func state(
        of signal: SignalRecord, answers: [SignalRecord], applied: [OrganisationCode: SequenceNumber]?,
        now: Int64
    ) -> SignalState {
        let record = signal.record
        let deadline = record.committedAt + acknowledgeWithinMs
        let judged = !record.exercise
        let recipients = signal.readers.filter { $0 != record.origin }
        let parties = recipients.map { party -> SignalRecipient in
            let own = answers.filter { $0.record.origin == party }
            let ack = own.first { $0.record.type == .signalAck }
            let followUp = own.last { $0.record.type == .signalFollowUp }
            let delivered = applied.map { ($0[party] ?? 0) >= record.sequence }
            let overdue = judged && ack == nil && now > deadline
            let state: SignalRecipientState =
                followUp != nil
                ? .followedUp
                : ack != nil
                    ? .acknowledged
                    : overdue ? .overdue : delivered.map { $0 ? .delivered : .notDelivered } ?? .unknown
            return SignalRecipient(
                party: party, state: state, delivered: ack != nil || followUp != nil ? true : delivered,
                acknowledgedAt: ack?.record.committedAt,
                // The signed envelope's author is the same person as `by` (the daemon sets both): it
                // stays when the retention withholds an answer that carried a note.
                acknowledgedBy: ack?.record.section("signalAck")?["by"]?.stringValue ?? ack?.record.author,
                followedUpAt: followUp?.record.committedAt,
                outcome: followUp?.record.section("signalFollowUp")?["outcome"]?.stringValue, overdue: overdue
            )
        }
        let reads = answers.filter { $0.record.type == .signalRead }.map { read in
            SignalReading(
                organisation: read.record.origin, by: read.record.section("signalRead")?["by"]?.stringValue,
                role: read.record.section("signalRead")?["role"]?.stringValue,
                committedAt: read.record.committedAt)
        }
        return SignalState(
            id: record.id, sender: record.origin, sequence: record.sequence, committedAt: record.committedAt,
            deadline: deadline, exercise: record.exercise, content: record.section("signal")?.objectValue,
            recipients: parties, reads: reads)
    }

    /// The signals with overdue recipients as acknowledgement requests, so the existing alarm
    /// path (``AlertPlanner``, the alert service's hooks) raises them: each overdue recipient
    /// gets an `overdue` alert, and an alarm open longer than the rules' `escalateAfter` goes
    /// to the national desk and the sender. The summary names no content.
    public static func alarms(
        _ signals: [SignalState], rules: AlarmRules, now: Int64
    ) -> [AcknowledgementRequestState] {
        signals.compactMap { signal in
            guard !signal.exercise, now > signal.deadline else { return nil }
            let missing = signal.overdue
            guard !missing.isEmpty else { return nil }
            let notDelivered = signal.recipients.filter { $0.overdue && $0.delivered == false }.map(\.party)
            let parties = signal.recipients.map { recipient in
                PartyAcknowledgement(
                    party: recipient.party,
                    state: recipient.overdue
                        ? .overdue : recipient.acknowledgedAt != nil ? .acknowledged : .delivered,
                    delivered: recipient.delivered, acknowledgedAt: recipient.acknowledgedAt, by: nil,
                    note: nil,
                    late: recipient.acknowledgedAt.map { $0 > signal.deadline })
            }
            return AcknowledgementRequestState(
                request: signal.id, subject: signal.id,
                subjectSummary: "signal \(signal.id) from \(signal.sender)",
                subjectSequence: signal.sequence, requestedBy: signal.sender, author: nil,
                sequence: signal.sequence,
                committedAt: signal.committedAt, deadline: Timestamp(millisecondsSinceEpoch: signal.deadline),
                note: nil, exercise: false, withheld: true, parties: parties,
                alarm: AcknowledgementAlarm(
                    request: signal.id, raisedAt: signal.deadline, state: .open, missing: missing,
                    notDelivered: notDelivered, escalated: now - signal.deadline >= rules.escalateAfterMs,
                    acknowledgedBy: nil))
        }
    }
}
