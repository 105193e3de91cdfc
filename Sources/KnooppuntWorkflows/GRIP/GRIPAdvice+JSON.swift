import KnooppuntDomain
import StrictJSON

extension GRIPAdvisor {
    /// The GRIP board as JSON, for the desk and the operator screens: every incident in
    /// `records` with its GRIP, history, advice and time-to-GRIP-3 (see ``IncidentGRIPState/json``).
    /// `includeExercise: false` leaves exercise incidents out.
    public func board(records: [WorkflowRecord], now: Int64, includeExercise: Bool = true) -> JSONValue {
        let incidents = incidents(in: records, now: now).filter { includeExercise || !$0.exercise }
        return [
            "now": JSONFields.time(now),
            "advice": .array(incidents.filter { $0.advice != nil }.map(\.json)),
            "incidents": .array(incidents.map(\.json)),
        ]
    }
}

extension IncidentGRIPState {
    /// `{"incident", "exercise", "title"?, "kind"?, "status"?, "lead"?, "region"?, "regions",
    /// "grip"? ("0"…"5", "RIJK"), "gripLabel"?, "history": [...], "advice"?: {"target", "label",
    /// "reasons", "since", "message"}, "timeToGRIP3": {"reached", "at"?, "afterOpenedSeconds"?,
    /// "afterAdviceSeconds"?, "statedSeconds"?, "text"}}`. Times in Europe/Amsterdam.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "incident": .string(incident.rawValue), "exercise": .bool(exercise),
            "regions": JSONFields.strings(regions), "history": .array(history.map(\.json)),
            "openedAt": JSONFields.time(openedAt), "timeToGRIP3": gripThreeJSON,
        ]
        object.set("title", title.map(JSONValue.string))
        object.set("kind", kind.map { .string($0.rawValue) })
        object.set("status", status.map { .string($0.rawValue) })
        object.set("lead", lead.map { .string($0.rawValue) })
        object.set("region", region.map { .string($0.rawValue) })
        object.set("grip", grip.map { .string($0.rawValue) })
        object.set("gripLabel", grip.map { .string($0.label) })
        object.set("startedAt", startedAt.map { .string($0.rfc3339Seconds) })
        object.set("markedTerroristAt", markedTerroristAt.map(JSONFields.time))
        if let advice {
            object["advice"] = [
                "target": .string(advice.target.rawValue), "label": .string(advice.target.label),
                "reasons": .array(advice.reasons.map { .string($0.rawValue) }),
                "since": JSONFields.time(advice.since), "message": .string(advice.message),
            ]
        }
        return .object(object)
    }

    var gripThreeJSON: JSONValue {
        var object: [String: JSONValue] = [
            "reached": .bool(gripThree.reached != nil), "text": .string(gripThreeText),
        ]
        if let reached = gripThree.reached {
            object["at"] = JSONFields.time(reached.committedAt)
            object.set("level", reached.level.map { .string($0.rawValue) })
        }
        object.set("afterOpenedSeconds", gripThree.afterOpenedMs.map(JSONFields.seconds))
        object.set("afterAdviceSeconds", gripThree.afterAdviceMs.map(JSONFields.seconds))
        object.set("statedSeconds", gripThree.statedMs.map(JSONFields.seconds))
        return .object(object)
    }
}

extension GRIPDecision {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "origin": .string(origin.rawValue), "sequence": .integer(Int64(sequence)),
            "committedAt": JSONFields.time(committedAt),
        ]
        object.set("level", level.map { .string($0.rawValue) })
        object.set("reason", reason.map(JSONValue.string))
        object.set("decidedAt", decidedAt.map { .string($0.rfc3339Seconds) })
        object.set("author", author.map(JSONValue.string))
        return .object(object)
    }
}
