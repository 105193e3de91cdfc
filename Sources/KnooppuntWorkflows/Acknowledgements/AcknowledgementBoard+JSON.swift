import KnooppuntDomain
import StrictJSON

extension AcknowledgementTracker {
    /// The acknowledgement board as JSON for the desk and the operator screens:
    /// `{"now", "deliveryKnown", "alarms": [request…], "requests": [request…]}`; with `party`,
    /// only requests that party sent or must answer. See ``AcknowledgementRequestState/json``.
    public func board(
        records: [WorkflowRecord], applied: [OrganisationCode: SequenceNumber]?, now: Int64,
        party: OrganisationCode? = nil
    ) -> JSONValue {
        let all = requests(in: records, applied: applied, now: now).filter { request in
            party.map { request.requestedBy == $0 || request.party($0) != nil } ?? true
        }
        return [
            "now": JSONFields.time(now), "deliveryKnown": .bool(applied != nil),
            "alarms": .array(all.filter { $0.alarm != nil && $0.alarm?.state != .resolved }.map(\.json)),
            "requests": .array(all.map(\.json)),
        ]
    }
}

extension AcknowledgementRequestState {
    /// `{"request", "subject", "subjectSummary"?, "requestedBy", "author"?, "sequence",
    /// "committedAt", "deadline"?, "note"?, "exercise", "withheld", "parties": [{"party",
    /// "state", "delivered"?, "acknowledgedAt"?, "by"?, "note"?, "late"?}], "alarm"?: {"state",
    /// "raisedAt", "missing", "notDelivered", "escalated", "acknowledgedBy"?}}`.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "request": .string(request.rawValue), "subject": .string(subject.rawValue),
            "requestedBy": .string(requestedBy.rawValue), "sequence": .integer(Int64(sequence)),
            "committedAt": JSONFields.time(committedAt), "exercise": .bool(exercise),
            "withheld": .bool(withheld), "parties": .array(parties.map(\.json)),
        ]
        object.set("subjectSummary", subjectSummary.map(JSONValue.string))
        object.set("subjectSequence", subjectSequence.map { .integer(Int64($0)) })
        object.set("author", author.map(JSONValue.string))
        object.set("deadline", deadline.map { .string($0.inAmsterdam.rfc3339Seconds) })
        object.set("note", note.map(JSONValue.string))
        object.set("alarm", alarm?.json)
        return .object(object)
    }
}

extension PartyAcknowledgement {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "party": .string(party.rawValue), "state": .string(state.rawValue),
        ]
        object.set("delivered", delivered.map(JSONValue.bool))
        object.set("acknowledgedAt", acknowledgedAt.map(JSONFields.time))
        object.set("by", by.map(JSONValue.string))
        object.set("note", note.map(JSONValue.string))
        object.set("late", late.map(JSONValue.bool))
        return .object(object)
    }
}

extension AcknowledgementAlarm {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "state": .string(state.rawValue), "raisedAt": JSONFields.time(raisedAt),
            "missing": JSONFields.strings(missing), "notDelivered": JSONFields.strings(notDelivered),
            "escalated": .bool(escalated),
        ]
        if let by = acknowledgedBy {
            var answer: [String: JSONValue] = [
                "organisation": .string(by.organisation.rawValue), "at": JSONFields.time(by.at),
                "sequence": .integer(Int64(by.sequence)),
            ]
            answer.set("by", by.by.map(JSONValue.string))
            answer.set("note", by.note.map(JSONValue.string))
            object["acknowledgedBy"] = .object(answer)
        }
        return .object(object)
    }
}
