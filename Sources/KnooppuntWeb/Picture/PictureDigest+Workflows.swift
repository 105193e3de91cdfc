import KnooppuntDomain
import KnooppuntWorkflows
import StrictJSON

// The workflows on the screens (GRIP advice and time-to-GRIP-3, acknowledgement alarms, the
// steps of a threat level, measures side by side) come from the same rules as `watch`,
// `knooppunt ack` and `knooppunt export grip` (KnooppuntWorkflows), so the desk, an operator
// screen and the terminal never disagree about what the node advises or who is overdue.

extension WorkflowRecord {
    /// A screen's picture entry as the workflow rules read it: withheld sections (`.null`)
    /// stay withheld. Nil for an entry whose envelope fields do not parse.
    init?(digest entry: DigestEntry) {
        guard let id = ReportID(entry.id), let origin = OrganisationCode(entry.origin),
            let type = ReportType(rawValue: entry.type)
        else { return nil }
        var sections: [String: JSONValue] = [:]
        var withheld: [String] = []
        for (name, content) in entry.sections {
            if content == .null { withheld.append(name) } else { sections[name] = content }
        }
        self.init(
            sequence: entry.sequence, committedAt: entry.committedAt, id: id, origin: origin, type: type,
            key: entry.key, incident: entry.incident.flatMap { IncidentID($0) },
            subject: entry.subject.flatMap { ReportID($0) }, exercise: entry.exercise, author: entry.author,
            sections: sections, withheld: withheld)
    }
}

extension PictureDigest {
    /// Every incident's GRIP state by its scoped key (`exercise/` for exercise incidents), from
    /// the picture and whatever history the screen holds (as records), judged at `now`.
    static func gripStates(
        _ records: [WorkflowRecord], now: Int64, reference: ReferenceData
    ) -> [String: IncidentGRIPState] {
        var states: [String: IncidentGRIPState] = [:]
        for state in GRIPAdvisor(reference: reference).incidents(in: records, now: now) {
            states[(state.exercise ? "exercise/" : "") + state.incident.rawValue] = state
        }
        return states
    }
}

extension PictureDigest {
    /// The requests with an alarm that is not resolved, open ones first. `applied` empty means
    /// the liveness board is not known here: delivery is then unknown, not "not delivered".
    static func alarms(
        _ records: [WorkflowRecord], applied: [String: SequenceNumber], now: Int64
    ) -> [AcknowledgementRequestState] {
        var board: [OrganisationCode: SequenceNumber] = [:]
        for (code, sequence) in applied {
            if let organisation = OrganisationCode(code) { board[organisation] = sequence }
        }
        // Requests, acknowledgements and the reports they name (for the subject's summary).
        let acks = records.filter { $0.type == .ackRequest || $0.type == .ack }
        let subjects = Set(acks.compactMap(\.subject))
        let named = records.filter { subjects.contains($0.id) && $0.type != .ackRequest && $0.type != .ack }
        return AcknowledgementTracker().requests(
            in: acks + named, applied: applied.isEmpty ? nil : board, now: now
        )
        .filter { $0.alarm.map { $0.state != .resolved } ?? false }
    }
}

extension PictureDigest {
    /// Each threat with the steps of its area's plan and whether its periodic review is due.
    static func withSteps(
        _ threats: [Threat], _ records: [WorkflowRecord], now: Int64, reference: ReferenceData
    ) -> [Threat] {
        var plans: [String: ThreatPlanState] = [:]
        for exercise in [false, true] {
            for state in ThreatPlanState.all(records: records, exercise: exercise, reference: reference) {
                plans[(exercise ? "exercise/" : "") + state.area.code] = state
            }
        }
        return threats.map { threat in
            var threat = threat
            let plan = plans[(threat.exercise ? "exercise/" : "") + threat.area]
            threat.steps = plan.map { Array($0.planSteps) } ?? []
            threat.reviewDue = plan?.reviewDue(now: now) ?? false
            return threat
        }
    }
}

extension GRIPAdvice {
    /// `{"target", "label", "reasons", "message", "since", "sinceText"}` for the screens.
    var screenJSON: JSONValue {
        var object = JSONObject()
        object["target"] = target.rawValue
        object["label"] = target.label
        object.set("reasons", .array(reasons.map { .string($0.rawValue) }))
        object["message"] = message
        object.set("messages", ["nl": .string(dutchMessage), "en": .string(message)])
        object.time("since", since)
        return object.value
    }
}
