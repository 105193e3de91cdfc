import KnooppuntDomain
import StrictJSON

extension ThreatStepPlan {
    /// The threat levels and step plans as JSON, for the desk and the operator screens: per
    /// area its level in force, the plan's steps with their times, and the acknowledgement
    /// requests of those steps with per-party delivered / acknowledged / overdue.
    /// `{"now", "areas": [ThreatPlanState.json(…)]}`.
    public func board(
        records: [WorkflowRecord], applied: [OrganisationCode: SequenceNumber]?, now: Int64,
        exercise: Bool = false, tracker: AcknowledgementTracker = AcknowledgementTracker()
    ) -> JSONValue {
        let requests = tracker.requests(in: records, applied: applied, now: now)
        let areas = ThreatPlanState.all(records: records, exercise: exercise, reference: reference)
        return [
            "now": JSONFields.time(now), "areas": .array(areas.map { $0.json(requests: requests, now: now) }),
        ]
    }
}

extension ThreatPlanState {
    /// `{"area", "exercise", "levelInForce"?, "step"?, "planActive", "reviewAt"?,
    /// "actionAdvice"?, "override", "steps": [{"step", "level", "report", "sequence",
    /// "committedAt", "reason"?, "actionAdvice"?, "reviewAt"?, "author"?, "override",
    /// "acknowledgement"?}], "next", "reviewDue"?}`: `steps` are those of the plan under way (or
    /// the last announcement); `reviewDue` when `now` (the node's time) is given.
    public func json(requests: [AcknowledgementRequestState], now: Int64? = nil) -> JSONValue {
        let bySubject = Dictionary(requests.map { ($0.subject, $0) }, uniquingKeysWith: { _, last in last })
        var object: [String: JSONValue] = [
            "area": .string(area.code), "exercise": .bool(exercise), "planActive": .bool(planActive),
            "override": .bool(planSteps.contains { $0.isOverride }),
            "steps": .array(planSteps.map { $0.json(acknowledgement: bySubject[$0.report]) }),
            "next": .string(ThreatStepPlan.next(self)),
        ]
        object.set("levelInForce", levelInForce.map { .integer(Int64($0)) })
        object.set("step", current?.step.map { .string($0.rawValue) })
        object.set("reviewAt", reviewAt.map { .string($0.inAmsterdam.rfc3339Seconds) })
        object.set("actionAdvice", actionAdvice.map(JSONValue.string))
        object.set("reviewDue", now.map { .bool(reviewDue(now: $0)) })
        return .object(object)
    }

    /// "PV26 level 5: proposed 10:58 → consulting 11:05 → declared 11:20 → delivered 11:21 →
    /// adviceIssued 11:40 (OVERRIDE)".
    public var line: String {
        let level = levelInForce.map { "level \($0)" } ?? "no level"
        let steps = planSteps.map { record in
            let clock = String(
                Timestamp(millisecondsSinceEpoch: record.committedAt).inAmsterdam.rfc3339Seconds
                    .dropFirst(11).prefix(5))
            return "\(record.step?.rawValue ?? "?") \(clock)\(record.isOverride ? " (OVERRIDE)" : "")"
        }
        return "\(area.code) \(level): " + steps.joined(separator: " → ")
    }

    /// "REVIEW DUE since 19:20", or nil when the review is not due at `now`.
    public func reviewDueText(now: Int64) -> String? {
        guard reviewDue(now: now), let reviewAt else { return nil }
        return "REVIEW DUE since \(reviewAt.inAmsterdam.rfc3339Seconds.dropFirst(11).prefix(5))"
    }
}

extension ThreatStepRecord {
    func json(acknowledgement: AcknowledgementRequestState?) -> JSONValue {
        var object: [String: JSONValue] = [
            "report": .string(report.rawValue), "sequence": .integer(Int64(sequence)),
            "committedAt": JSONFields.time(committedAt), "override": .bool(isOverride),
        ]
        object.set("step", step.map { .string($0.rawValue) })
        object.set("level", level.map { .integer(Int64($0)) })
        object.set("reason", reason.map(JSONValue.string))
        object.set("actionAdvice", actionAdvice.map(JSONValue.string))
        object.set("reviewAt", reviewAt.map { .string($0.inAmsterdam.rfc3339Seconds) })
        object.set("author", author.map(JSONValue.string))
        object.set("acknowledgement", acknowledgement?.json)
        return .object(object)
    }
}
