import KnooppuntDomain
import StrictJSON

/// Strict conversion between report documents (JSON values) and ``ReportDocument``.
///
/// Decoding is total: it returns a document or every problem found, each with a stable code
/// and the field path. Nothing is guessed and nothing is defaulted silently; `exercise`
/// (false) is the only documented default.
public struct DocumentCodec: Sendable {
    public let reference: ReferenceData

    public init(reference: ReferenceData = .builtIn) { self.reference = reference }

    // MARK: Decoding

    public func decode(_ value: JSONValue) throws(Problems) -> ReportDocument {
        let context = DecodeContext(reference: reference)
        let document = decode(value, context: context)
        if let document, context.problems.isEmpty { return document }
        guard !context.problems.isEmpty else {
            // Decoding never returns nil without a problem; keep that promise visible.
            throw Problems(Problem(.invalidEnvelope, field: "$", "document could not be read"))
        }
        throw Problems(context.problems)
    }

    func decode(_ value: JSONValue, context: DecodeContext) -> ReportDocument? {
        guard var reader = FieldReader(value, path: "$", context: context) else { return nil }
        let type = reader.enumeration("type", ReportType.self)
        let id = reader.reportID("id", required: false)
        let exercise = reader.bool("exercise", required: false) ?? false
        let author = reader.string("author", max: DocumentLimits.nameCharacters, required: false)
        let hadID = reader.has("id")
        guard let type else {
            // Without a type we cannot know the other fields; report only what we know.
            return nil
        }
        let body: ReportBody?
        switch type {
        case .incident: body = decodeIncident(&reader).map(ReportBody.incident)
        case .grip: body = decodeGRIP(&reader).map(ReportBody.grip)
        case .sitrep: body = decodeSitrep(&reader).map(ReportBody.sitrep)
        case .threat: body = decodeThreat(&reader).map(ReportBody.threat)
        case .ackRequest: body = decodeAckRequest(&reader).map(ReportBody.ackRequest)
        case .ack: body = decodeAck(&reader).map(ReportBody.ack)
        case .measure: body = decodeMeasure(&reader).map(ReportBody.measure)
        case .signal: body = decodeSignal(&reader).map(ReportBody.signal)
        case .signalAck: body = decodeSignalAck(&reader).map(ReportBody.signalAck)
        case .signalFollowUp: body = decodeSignalFollowUp(&reader).map(ReportBody.signalFollowUp)
        case .signalRead: body = decodeSignalRead(&reader).map(ReportBody.signalRead)
        }
        reader.finish()
        guard let body, !(hadID && id == nil) else { return nil }
        return ReportDocument(id: id, exercise: exercise, author: author, body: body)
    }

    func decodeIncident(_ r: inout FieldReader) -> Incident? {
        let id = r.incidentID("incident")
        let title = r.string("title", max: DocumentLimits.titleCharacters)
        let kind = r.enumeration("kind", IncidentKind.self)
        let location = r.object("location").flatMap { decodeLocation($0) }
        let startedAt = r.timestamp("startedAt")
        let lead = r.object("lead").flatMap { decodeLead($0) }
        let status = r.enumeration("status", IncidentStatus.self)
        let mergedInto = r.incidentID("mergedInto", required: false)
        var linked: [IncidentID] = []
        var linkedOK = true
        if let items = r.array("linked", required: false) {
            for (item, path) in items {
                if let id = FieldReader.incidentID(item, path: path, context: r.context) {
                    linked.append(id)
                } else {
                    linkedOK = false
                }
            }
        }
        let classification = r.classification()
        guard let id, let title, let kind, let location, let startedAt, let lead, let status, linkedOK,
            let classification
        else { return nil }
        if mergedInto == id {
            r.context.fail(
                .invalidCombination, r.at("mergedInto"), "an incident cannot be merged into itself")
            return nil
        }
        return Incident(
            id: id, title: title, kind: kind, location: location, startedAt: startedAt, lead: lead,
            status: status,
            mergedInto: mergedInto, linked: linked, classification: classification)
    }

    func decodeLocation(_ reader: FieldReader) -> IncidentLocation? {
        var r = reader
        defer { r.finish() }
        let municipality = r.municipality("municipality", required: false)
        let point = r.object("point", required: false).flatMap { decodePoint($0) }
        let description = r.string("description", max: DocumentLimits.titleCharacters, required: false)
        let hasMunicipality = r.has("municipality")
        let hasPoint = r.has("point")
        if !hasMunicipality && !hasPoint {
            r.context.fail(.invalidCombination, r.path, "give a municipality, a point, or both")
            return nil
        }
        if (hasMunicipality && municipality == nil) || (hasPoint && point == nil) { return nil }
        if r.has("description") && description == nil { return nil }
        return IncidentLocation(municipality: municipality, point: point, description: description)
    }

    func decodePoint(_ reader: FieldReader) -> GeoPoint? {
        var r = reader
        defer { r.finish() }
        let lat = r.number("lat", in: -90...90)
        let lon = r.number("lon", in: -180...180)
        guard let lat, let lon else { return nil }
        return GeoPoint(latitude: lat, longitude: lon)
    }

    func decodeLead(_ reader: FieldReader) -> LeadAuthority? {
        var r = reader
        defer { r.finish() }
        let organisation = r.organisation("organisation")
        let function = r.string("function", max: DocumentLimits.nameCharacters)
        guard let organisation, let function else { return nil }
        return LeadAuthority(organisation: organisation, function: function)
    }

    func decodeGRIP(_ r: inout FieldReader) -> GRIPChange? {
        let incident = r.incidentID("incident")
        let codeList = r.string("codeList", max: 40)
        if let codeList, codeList != GRIPLevel.codeList {
            r.context.fail(
                .unsupportedVersion, r.at("codeList"),
                "unknown GRIP code list \"\(codeList.prefix(40))\"; this version knows \(GRIPLevel.codeList)")
        }
        let level = r.enumeration("level", GRIPLevel.self)
        let reason = r.string("reason", max: DocumentLimits.textCharacters)
        let decidedAt = r.timestamp("decidedAt")
        let classification = r.classification()
        guard let incident, codeList == GRIPLevel.codeList, let level, let reason, let decidedAt,
            let classification
        else { return nil }
        return GRIPChange(
            incident: incident, level: level, reason: reason, decidedAt: decidedAt,
            classification: classification)
    }

    func decodeSitrep(_ r: inout FieldReader) -> Sitrep? {
        let incident = r.incidentID("incident")
        var beeld: [Discipline: DisciplinePicture] = [:]
        var beeldOK = true
        if var b = r.object("beeld") {
            for discipline in Discipline.allCases {
                guard var d = b.object(discipline.rawValue, required: false) else {
                    if b.has(discipline.rawValue) { beeldOK = false }
                    continue
                }
                let text = d.string("text", max: DocumentLimits.textCharacters)
                let classification = d.classification()
                d.finish()
                if let text, let classification {
                    beeld[discipline] = DisciplinePicture(text: text, classification: classification)
                } else {
                    beeldOK = false
                }
            }
            b.finish()
            if beeldOK && beeld.isEmpty {
                r.context.fail(
                    .missingField, b.path,
                    "give the picture of at least one discipline (BRW, POL, GZ, BZ, CCOM, DEF, MULTI)")
                beeldOK = false
            }
        } else {
            beeldOK = false
        }
        let oordeel = optionalSection(&r, "oordeel") { s -> Assessment? in
            let bottlenecks = s.strings("bottlenecks", max: DocumentLimits.textCharacters)
            let risks = s.strings("risks", max: DocumentLimits.textCharacters)
            let prognosis = s.string("prognosis", max: DocumentLimits.textCharacters)
            let classification = s.classification()
            guard let bottlenecks, let risks, let prognosis, let classification else { return nil }
            return Assessment(
                bottlenecks: bottlenecks, risks: risks, prognosis: prognosis, classification: classification)
        }
        let besluiten = optionalSection(&r, "besluiten") { s -> Decisions? in
            let items = self.items(&s) { i -> Decision? in
                let text = i.string("text", max: DocumentLimits.textCharacters)
                let decidedBy = i.string("decidedBy", max: DocumentLimits.nameCharacters, required: false)
                let at = i.timestamp("at", required: false)
                guard let text, !(i.has("decidedBy") && decidedBy == nil), !(i.has("at") && at == nil) else {
                    return nil
                }
                return Decision(text: text, decidedBy: decidedBy, at: at)
            }
            let classification = s.classification()
            guard let items, let classification else { return nil }
            return Decisions(items: items, classification: classification)
        }
        let acties = optionalSection(&r, "acties") { s -> Actions? in
            let items = self.items(&s) { i -> Action? in
                let text = i.string("text", max: DocumentLimits.textCharacters)
                let owner = i.string("owner", max: DocumentLimits.nameCharacters)
                let deadline = i.timestamp("deadline")
                guard let text, let owner, let deadline else { return nil }
                return Action(text: text, owner: owner, deadline: deadline)
            }
            let classification = s.classification()
            guard let items, let classification else { return nil }
            return Actions(items: items, classification: classification)
        }
        let communicatie = optionalSection(&r, "communicatie") { s -> CrisisCommunication? in
            let coreMessage = s.string("coreMessage", max: DocumentLimits.textCharacters)
            let actionAdvice = s.string("actionAdvice", max: DocumentLimits.textCharacters)
            let targetArea = s.object("targetArea").flatMap { self.decodeTargetArea($0) }
            let classification = s.classification()
            guard let coreMessage, let actionAdvice, let targetArea, let classification else { return nil }
            return CrisisCommunication(
                coreMessage: coreMessage, actionAdvice: actionAdvice, targetArea: targetArea,
                classification: classification)
        }
        let confidence = r.enumeration("confidence", Confidence.self)
        let verification = r.enumeration("verification", VerificationStatus.self)
        let supersedes = r.reportID("supersedes", required: false)
        let nextUpdateDue = r.timestamp("nextUpdateDue", required: false)
        guard let incident, beeldOK, let confidence, let verification,
            oordeel.ok, besluiten.ok, acties.ok, communicatie.ok,
            !(r.has("supersedes") && supersedes == nil), !(r.has("nextUpdateDue") && nextUpdateDue == nil)
        else { return nil }
        return Sitrep(
            incident: incident, beeld: beeld, oordeel: oordeel.value, besluiten: besluiten.value,
            acties: acties.value,
            communicatie: communicatie.value, confidence: confidence, verification: verification,
            supersedes: supersedes, nextUpdateDue: nextUpdateDue)
    }

    /// An optional object field decoded by `body`; `ok` is false when present but invalid.
    func optionalSection<T>(
        _ r: inout FieldReader, _ key: String, _ body: (inout FieldReader) -> T?
    )
        -> (value: T?, ok: Bool)
    {
        guard r.has(key) else { return (nil, true) }
        guard var s = r.object(key) else { return (nil, false) }
        let value = body(&s)
        s.finish()
        return (value, value != nil)
    }

    func items<T>(_ s: inout FieldReader, _ body: (inout FieldReader) -> T?) -> [T]? {
        guard let list = s.array("items") else { return nil }
        var result: [T] = []
        var ok = true
        for (item, path) in list {
            guard var i = FieldReader(item, path: path, context: s.context) else {
                ok = false
                continue
            }
            if let value = body(&i) { result.append(value) } else { ok = false }
            i.finish()
        }
        if ok && result.isEmpty {
            s.context.fail(.missingField, s.at("items"), "give at least one item, or leave the section out")
            return nil
        }
        return ok ? result : nil
    }

    func decodeTargetArea(_ reader: FieldReader) -> TargetArea? {
        var r = reader
        defer { r.finish() }
        var regions: [OrganisationCode] = []
        var municipalities: [MunicipalityCode] = []
        var ok = true
        for (item, path) in r.array("regions", required: false) ?? [] {
            if let code = FieldReader.region(item, path: path, context: r.context) {
                regions.append(code)
            } else {
                ok = false
            }
        }
        for (item, path) in r.array("municipalities", required: false) ?? [] {
            if let code = FieldReader.municipality(item, path: path, context: r.context) {
                municipalities.append(code)
            } else {
                ok = false
            }
        }
        if ok && regions.isEmpty && municipalities.isEmpty {
            r.context.fail(.invalidCombination, r.path, "name at least one region or municipality")
            return nil
        }
        return ok ? TargetArea(regions: regions, municipalities: municipalities) : nil
    }
}
