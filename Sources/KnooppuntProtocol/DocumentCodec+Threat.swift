import KnooppuntDomain
import StrictJSON

// Threat levels, acknowledgements and measures.
extension DocumentCodec {
    func decodeThreat(_ r: inout FieldReader) -> ThreatLevelChange? {
        let area = r.object("area").flatMap { decodeThreatArea($0) }
        let level = r.integer("level", in: 1...5)
        let step = r.enumeration("step", ThreatStep.self)
        let reason = r.string("reason", max: DocumentLimits.textCharacters)
        let actionAdvice = r.string("actionAdvice", max: DocumentLimits.textCharacters, required: false)
        let reviewAt = r.timestamp("reviewAt", required: false)
        let classification = r.classification()
        guard let area, let level, let step, let reason, let classification,
            !(r.has("actionAdvice") && actionAdvice == nil), !(r.has("reviewAt") && reviewAt == nil)
        else { return nil }
        return ThreatLevelChange(
            area: area, level: Int(level), step: step, reason: reason, actionAdvice: actionAdvice,
            reviewAt: reviewAt,
            classification: classification)
    }

    private enum Scope: String, CaseIterable { case national, province, region }

    func decodeThreatArea(_ reader: FieldReader) -> ThreatArea? {
        var r = reader
        defer { r.finish() }
        guard let scope = r.enumeration("scope", Scope.self) else {
            _ = r.has("code")
            return nil
        }
        switch scope {
        case .national:
            if r.has("code") {
                r.context.fail(.invalidCombination, r.at("code"), "a national area has no code")
            }
            return r.object["code"] == nil ? .national : nil
        case .province:
            guard let code = r.string("code", max: 8) else { return nil }
            guard reference.provinces[ProvinceCode(code)] != nil else {
                r.context.fail(.unknownCode, r.at("code"), "unknown province code \"\(code)\" (PV20…PV31)")
                return nil
            }
            return .province(ProvinceCode(code))
        case .region:
            guard let value = r.value("code", required: true),
                let code = FieldReader.region(value, path: r.at("code"), context: r.context)
            else { return nil }
            return .region(code)
        }
    }

    func decodeAckRequest(_ r: inout FieldReader) -> AcknowledgementRequest? {
        let subject = r.reportID("subject")
        var parties = OrganisationSet()
        var partiesOK = true
        if let items = r.array("parties", max: OrganisationCode.all.count) {
            for (item, path) in items {
                if let code = FieldReader.organisation(item, path: path, context: r.context) {
                    parties.insert(code)
                } else {
                    partiesOK = false
                }
            }
            if partiesOK && parties.isEmpty {
                r.context.fail(.missingField, r.at("parties"), "name at least one party")
                partiesOK = false
            }
        } else {
            partiesOK = false
        }
        let deadline = r.timestamp("deadline")
        let note = r.string("note", max: DocumentLimits.textCharacters, required: false)
        let classification = r.classification()
        guard let subject, partiesOK, let deadline, let classification, !(r.has("note") && note == nil) else {
            return nil
        }
        return AcknowledgementRequest(
            subject: subject, parties: parties, deadline: deadline, note: note, classification: classification
        )
    }

    func decodeAck(_ r: inout FieldReader) -> Acknowledgement? {
        let subject = r.reportID("subject")
        let by = r.string("by", max: DocumentLimits.nameCharacters)
        let note = r.string("note", max: DocumentLimits.textCharacters, required: false)
        let classification = r.classification()
        guard let subject, let by, let classification, !(r.has("note") && note == nil) else { return nil }
        return Acknowledgement(subject: subject, by: by, note: note, classification: classification)
    }

    func decodeMeasure(_ r: inout FieldReader) -> MunicipalMeasures? {
        let municipality = r.municipality("municipality")
        let incident = r.incidentID("incident", required: false)
        var measures: [Measure] = []
        var ok = true
        if let items = r.array("measures") {
            for (item, path) in items {
                guard var m = FieldReader(item, path: path, context: r.context) else {
                    ok = false
                    continue
                }
                let kind = m.enumeration("kind", MeasureKind.self)
                let text = m.string("text", max: DocumentLimits.textCharacters)
                m.finish()
                if let kind, let text { measures.append(Measure(kind: kind, text: text)) } else { ok = false }
            }
            if ok && measures.isEmpty {
                r.context.fail(.missingField, r.at("measures"), "give at least one measure")
                ok = false
            }
        } else {
            ok = false
        }
        let classification = r.classification()
        guard let municipality, ok, let classification, !(r.has("incident") && incident == nil) else {
            return nil
        }
        return MunicipalMeasures(
            municipality: municipality, incident: incident, measures: measures, classification: classification
        )
    }
}
