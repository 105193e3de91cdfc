import KnooppuntDomain
import StrictJSON

extension DocumentCodec {
    /// The document form of a report; `decode(encode(x)) == x`.
    public func encode(_ document: ReportDocument) -> JSONValue {
        var object: [String: JSONValue] = ["type": .string(document.body.type.rawValue)]
        if let id = document.id { object["id"] = .string(id.rawValue) }
        if document.exercise { object["exercise"] = true }
        if let author = document.author { object["author"] = .string(author) }
        for (key, value) in Self.fields(of: document.body) { object[key] = value }
        return .object(object)
    }

    static func fields(of body: ReportBody) -> [String: JSONValue] {
        switch body {
        case .signal, .signalAck, .signalFollowUp, .signalRead:
            return signalFields(of: body)
        case .incident(let incident):
            var location: [String: JSONValue] = [:]
            if let municipality = incident.location.municipality {
                location["municipality"] = .string(municipality.rawValue)
            }
            if let point = incident.location.point { location["point"] = point.json }
            if let description = incident.location.description {
                location["description"] = .string(description)
            }
            var fields: [String: JSONValue] = [
                "incident": .string(incident.id.rawValue),
                "title": .string(incident.title),
                "kind": .string(incident.kind.rawValue),
                "location": .object(location),
                "startedAt": .string(incident.startedAt.rfc3339),
                "lead": [
                    "organisation": .string(incident.lead.organisation.rawValue),
                    "function": .string(incident.lead.function),
                ],
                "status": .string(incident.status.rawValue),
                "classification": incident.classification.json,
            ]
            if let merged = incident.mergedInto { fields["mergedInto"] = .string(merged.rawValue) }
            if !incident.linked.isEmpty {
                fields["linked"] = .array(incident.linked.map { .string($0.rawValue) })
            }
            return fields
        case .grip(let change):
            return [
                "incident": .string(change.incident.rawValue), "level": .string(change.level.rawValue),
                "codeList": .string(change.codeList), "reason": .string(change.reason),
                "decidedAt": .string(change.decidedAt.rfc3339), "classification": change.classification.json,
            ]
        case .sitrep(let sitrep):
            var beeld: [String: JSONValue] = [:]
            for (discipline, picture) in sitrep.beeld {
                beeld[discipline.rawValue] = [
                    "text": .string(picture.text), "classification": picture.classification.json,
                ]
            }
            var fields: [String: JSONValue] = [
                "incident": .string(sitrep.incident.rawValue), "beeld": .object(beeld),
                "confidence": .string(sitrep.confidence.rawValue),
                "verification": .string(sitrep.verification.rawValue),
            ]
            if let oordeel = sitrep.oordeel {
                fields["oordeel"] = [
                    "bottlenecks": .array(oordeel.bottlenecks.map(JSONValue.string)),
                    "risks": .array(oordeel.risks.map(JSONValue.string)),
                    "prognosis": .string(oordeel.prognosis),
                    "classification": oordeel.classification.json,
                ]
            }
            if let besluiten = sitrep.besluiten {
                fields["besluiten"] = [
                    "items": .array(
                        besluiten.items.map { decision in
                            var item: [String: JSONValue] = ["text": .string(decision.text)]
                            if let by = decision.decidedBy { item["decidedBy"] = .string(by) }
                            if let at = decision.at { item["at"] = .string(at.rfc3339) }
                            return .object(item)
                        }),
                    "classification": besluiten.classification.json,
                ]
            }
            if let acties = sitrep.acties {
                fields["acties"] = [
                    "items": .array(
                        acties.items.map {
                            [
                                "text": .string($0.text), "owner": .string($0.owner),
                                "deadline": .string($0.deadline.rfc3339),
                            ]
                        }),
                    "classification": acties.classification.json,
                ]
            }
            if let communicatie = sitrep.communicatie {
                var area: [String: JSONValue] = [:]
                if !communicatie.targetArea.regions.isEmpty {
                    area["regions"] = .array(communicatie.targetArea.regions.map { .string($0.rawValue) })
                }
                if !communicatie.targetArea.municipalities.isEmpty {
                    area["municipalities"] = .array(
                        communicatie.targetArea.municipalities.map { .string($0.rawValue) })
                }
                fields["communicatie"] = [
                    "coreMessage": .string(communicatie.coreMessage),
                    "actionAdvice": .string(communicatie.actionAdvice),
                    "targetArea": .object(area), "classification": communicatie.classification.json,
                ]
            }
            if let supersedes = sitrep.supersedes { fields["supersedes"] = .string(supersedes.rawValue) }
            if let due = sitrep.nextUpdateDue { fields["nextUpdateDue"] = .string(due.rfc3339) }
            return fields
        case .threat(let threat):
            var area: [String: JSONValue]
            switch threat.area {
            case .national: area = ["scope": "national"]
            case .province(let code): area = ["scope": "province", "code": .string(code.rawValue)]
            case .region(let code): area = ["scope": "region", "code": .string(code.rawValue)]
            }
            var fields: [String: JSONValue] = [
                "area": .object(area), "level": .integer(Int64(threat.level)),
                "step": .string(threat.step.rawValue),
                "reason": .string(threat.reason), "classification": threat.classification.json,
            ]
            if let advice = threat.actionAdvice { fields["actionAdvice"] = .string(advice) }
            if let review = threat.reviewAt { fields["reviewAt"] = .string(review.rfc3339) }
            return fields
        case .ackRequest(let request):
            var fields: [String: JSONValue] = [
                "subject": .string(request.subject.rawValue),
                "parties": .array(request.parties.map { .string($0.rawValue) }),
                "deadline": .string(request.deadline.rfc3339), "classification": request.classification.json,
            ]
            if let note = request.note { fields["note"] = .string(note) }
            return fields
        case .ack(let ack):
            var fields: [String: JSONValue] = [
                "subject": .string(ack.subject.rawValue), "by": .string(ack.by),
                "classification": ack.classification.json,
            ]
            if let note = ack.note { fields["note"] = .string(note) }
            return fields
        case .measure(let measures):
            var fields: [String: JSONValue] = [
                "municipality": .string(measures.municipality.rawValue),
                "measures": .array(
                    measures.measures.map { ["kind": .string($0.kind.rawValue), "text": .string($0.text)] }),
                "classification": measures.classification.json,
            ]
            if let incident = measures.incident { fields["incident"] = .string(incident.rawValue) }
            return fields
        }
    }
}

extension GeoPoint {
    var json: JSONValue { ["lat": .number(latitude), "lon": .number(longitude)] }
}
