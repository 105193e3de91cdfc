import KnooppuntDomain
import StrictJSON

extension SignalState {
    /// The state as JSON for tools: `content` is present only where the view holds it (the
    /// sender and the recipients); the national desk's stub has sender, recipients and states.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id.rawValue), "sender": .string(sender.rawValue),
            "sequence": .integer(Int64(sequence)),
            "committedAt": JSONFields.time(committedAt), "deadline": JSONFields.time(deadline),
            "exercise": .bool(exercise),
            "recipients": .array(recipients.map(\.json)),
        ]
        object["content"] = content.map { .object($0) } ?? .null
        object["reads"] = .array(
            reads.map { read in
                var entry: [String: JSONValue] = [
                    "organisation": .string(read.organisation.rawValue),
                    "committedAt": JSONFields.time(read.committedAt),
                ]
                entry.set("by", read.by.map(JSONValue.string))
                entry.set("role", read.role.map(JSONValue.string))
                return .object(entry)
            })
        return .object(object)
    }

    /// "DJI → GEM-X acknowledged 11:02 (jan), followed up: caseMeeting · POLICE OVERDUE".
    public var line: String {
        recipients.map { recipient in
            var text = "\(recipient.party) \(recipient.state.rawValue)"
            if let by = recipient.acknowledgedBy { text += " (\(by))" }
            if let outcome = recipient.outcome { text += ": \(outcome)" }
            if recipient.overdue && recipient.state != .overdue { text += ", acknowledgement OVERDUE" }
            return text
        }.joined(separator: " · ")
    }
}

extension SignalRecipient {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "party": .string(party.rawValue), "state": .string(state.rawValue), "overdue": .bool(overdue),
        ]
        object.set("delivered", delivered.map(JSONValue.bool))
        object.set("acknowledgedAt", acknowledgedAt.map(JSONFields.time))
        object.set("acknowledgedBy", acknowledgedBy.map(JSONValue.string))
        object.set("followedUpAt", followedUpAt.map(JSONFields.time))
        object.set("outcome", outcome.map(JSONValue.string))
        return .object(object)
    }
}
