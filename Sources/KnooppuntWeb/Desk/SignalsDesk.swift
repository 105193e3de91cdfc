import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON

/// What the national desk shows of signals about persons (issue 18): how many there are and
/// where each recipient stands, never their content. The desk's view holds a signal's envelope
/// (sender, recipients as its readers, sequence, time) and not its sections, so the states are
/// told from the envelopes alone; content appears only for a signal the national organisation
/// itself received, as its own view then holds it.
enum SignalsDesk {
    /// The most signals the desk lists one by one (newest first); the counts cover all.
    static let maximumListed = 200

    /// `{"counts": {"signals", "exercise", "recipients": {state: n}, "overdue"}, "signals": [...]}`.
    static func json(
        _ records: [Update], applied: [OrganisationCode: SequenceNumber]?, policy: SignalPolicy, now: Int64
    ) -> [String: JSONValue] {
        let signals = SignalTracker(acknowledgeWithinMs: policy.acknowledgeWithinMs).signals(
            in: records.compactMap { SignalRecord($0) }, applied: applied, now: now)
        var byState: [String: Int64] = [:]
        for state in SignalRecipientState.allCases { byState[state.rawValue] = 0 }
        for signal in signals where !signal.exercise {
            for recipient in signal.recipients { byState[recipient.state.rawValue, default: 0] += 1 }
        }
        let listed = signals.reversed().prefix(maximumListed).map { signal -> JSONValue in
            var object = signal.json.objectValue ?? [:]
            let readers = Set(signal.recipients.map(\.party) + [signal.sender])
            if !readers.contains(.national) { object["content"] = .null }
            object["committedAtText"] = .string(AmsterdamTime.text(signal.committedAt))
            return .object(object)
        }
        return [
            "counts": [
                "signals": .integer(Int64(signals.filter { !$0.exercise }.count)),
                "exercise": .integer(Int64(signals.filter(\.exercise).count)),
                "overdue": .integer(Int64(signals.filter { !$0.exercise && !$0.overdue.isEmpty }.count)),
                "recipients": .object(byState.mapValues(JSONValue.integer)),
            ],
            "signals": .array(Array(listed)),
        ]
    }
}
