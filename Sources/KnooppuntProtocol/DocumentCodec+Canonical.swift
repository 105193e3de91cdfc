import KnooppuntDomain
import StrictJSON

extension DocumentCodec {
    /// A sitrep read straight from its envelope and the canonical bytes of its sections
    /// (``JSONWriter/canonical(_:)``, the form every writer of the network sends), without
    /// building a JSON tree per section and merging them into one. Nil for any other type, any
    /// section not in that form, and anything the strict decoder would refuse: the caller then
    /// takes the strict way (parse, ``SectionLayout/merge(_:contents:)``, ``decode(_:)``),
    /// which alone says what is wrong.
    ///
    /// Why sitreps: every region sends one per incident each cycle, so they are most of what a
    /// node reads, and their tree (a dictionary per section and per object, merged into one
    /// more) cost more than their fields. Every field goes through the strict decoder's own
    /// checks (FieldReader's, the identifiers' parsers, the reference data), so what this
    /// returns is what the strict decoder returns for the same report; the differential tests
    /// in DocumentCanonicalTests hold the two to that.
    func decodeCanonical(_ envelope: Envelope, sections: [[UInt8]?]) -> ReportDocument? {
        guard envelope.type == .sitrep, envelope.subject == nil, let incident = envelope.incident,
            sections.count == envelope.sections.count
        else { return nil }
        let context = DecodeContext(reference: reference)
        if let author = envelope.author {
            guard
                FieldReader.string(
                    .string(author), path: "", max: DocumentLimits.nameCharacters, allowEmpty: false,
                    context: context) != nil
            else { return nil }
        }
        guard var sitrep = Self.sitrepMeta(envelope.meta, incident: incident, context: context) else {
            return nil
        }
        for (descriptor, bytes) in zip(envelope.sections, sections) {
            guard let bytes else { return nil }
            let read = bytes.withUnsafeBufferPointer { buffer in
                var scanner = CanonicalScanner(bytes: buffer)
                let read = scanner.sitrepSection(
                    descriptor.name, classification: descriptor.classification, into: &sitrep, context)
                return read && scanner.index == buffer.count
            }
            guard read else { return nil }
        }
        guard !sitrep.beeld.isEmpty, context.problems.isEmpty else { return nil }
        return ReportDocument(
            id: envelope.id, exercise: envelope.exercise, author: envelope.author, body: .sitrep(sitrep))
    }

    /// A sitrep without sections from the envelope's meta (``SectionLayout/sitrepMeta``): every
    /// value a string, each key one the sitrep has.
    private static func sitrepMeta(
        _ meta: [String: JSONValue], incident: IncidentID, context: DecodeContext
    ) -> Sitrep? {
        var confidence: Confidence?
        var verification: VerificationStatus?
        var supersedes: ReportID?
        var nextUpdateDue: Timestamp?
        for (key, value) in meta {
            guard case .string(let text) = value else { return nil }
            switch key {
            case "confidence":
                confidence = FieldReader.enumeration(value, Confidence.self, path: "", context: context)
                guard confidence != nil else { return nil }
            case "verification":
                verification = FieldReader.enumeration(
                    value, VerificationStatus.self, path: "", context: context)
                guard verification != nil else { return nil }
            case "supersedes":
                supersedes = ReportID(text)
                guard supersedes != nil else { return nil }
            case "nextUpdateDue":
                nextUpdateDue = FieldReader.timestamp(value, path: "", context: context)
                guard nextUpdateDue != nil else { return nil }
            default:
                return nil
            }
        }
        guard let confidence, let verification else { return nil }
        return Sitrep(
            incident: incident, beeld: [:], confidence: confidence, verification: verification,
            supersedes: supersedes, nextUpdateDue: nextUpdateDue)
    }
}

extension CanonicalScanner {
    /// One section of a sitrep (its name and class from the envelope) into `sitrep`. False
    /// when the content is not in canonical form, fails a check, or the section came before.
    mutating func sitrepSection(
        _ name: String, classification: Classification, into sitrep: inout Sitrep, _ context: DecodeContext
    ) -> Bool {
        switch name {
        case "oordeel":
            guard sitrep.oordeel == nil,
                let oordeel = assessment(classification, context)
            else { return false }
            sitrep.oordeel = oordeel
        case "besluiten":
            guard sitrep.besluiten == nil,
                let items = items({ $0.decision(context) })
            else { return false }
            sitrep.besluiten = Decisions(items: items, classification: classification)
        case "acties":
            guard sitrep.acties == nil,
                let items = items({ $0.action(context) })
            else { return false }
            sitrep.acties = Actions(items: items, classification: classification)
        case "communicatie":
            guard sitrep.communicatie == nil,
                let communicatie = communication(classification, context)
            else { return false }
            sitrep.communicatie = communicatie
        default:
            guard name.hasPrefix("beeld."), let discipline = Discipline(rawValue: String(name.dropFirst(6))),
                sitrep.beeld[discipline] == nil
            else { return false }
            var text: String?
            let read = object { scanner, key in
                guard key.elementsEqual("text".utf8) else { return false }
                text = scanner.text(max: DocumentLimits.textCharacters, context)
                return text != nil
            }
            guard read, let text else { return false }
            sitrep.beeld[discipline] = DisciplinePicture(text: text, classification: classification)
        }
        return true
    }

    /// A list of at most ``DocumentLimits/listItems`` values, each read by `item` (nil: give up).
    mutating func list<T>(_ item: (inout CanonicalScanner) -> T?) -> [T]? {
        var values: [T] = []
        let read = array(max: DocumentLimits.listItems) { scanner in
            guard let value = item(&scanner) else { return false }
            values.append(value)
            return true
        }
        return read ? values : nil
    }

    /// A list of texts, each checked as FieldReader checks a text.
    mutating func texts(max: Int, _ context: DecodeContext) -> [String]? {
        list { $0.text(max: max, context) }
    }

    mutating func assessment(_ classification: Classification, _ context: DecodeContext) -> Assessment? {
        var bottlenecks: [String]?
        var prognosis: String?
        var risks: [String]?
        let read = object { scanner, key in
            switch String(decoding: key, as: UTF8.self) {
            case "bottlenecks":
                bottlenecks = scanner.texts(max: DocumentLimits.textCharacters, context)
                return bottlenecks != nil
            case "prognosis":
                prognosis = scanner.text(max: DocumentLimits.textCharacters, context)
                return prognosis != nil
            case "risks":
                risks = scanner.texts(max: DocumentLimits.textCharacters, context)
                return risks != nil
            default: return false
            }
        }
        guard read, let bottlenecks, let prognosis, let risks else { return nil }
        return Assessment(
            bottlenecks: bottlenecks, risks: risks, prognosis: prognosis, classification: classification)
    }

    /// A section's `items`: one to ``DocumentLimits/listItems`` objects, each read by `item`.
    mutating func items<T>(_ item: (inout CanonicalScanner) -> T?) -> [T]? {
        var items: [T]?
        let read = object { scanner, key in
            guard key.elementsEqual("items".utf8) else { return false }
            items = scanner.list(item)
            return items != nil
        }
        guard read, let items, !items.isEmpty else { return nil }
        return items
    }

    mutating func decision(_ context: DecodeContext) -> Decision? {
        var at: Timestamp?
        var decidedBy: String?
        var text: String?
        let read = object { scanner, key in
            switch String(decoding: key, as: UTF8.self) {
            case "at":
                at = scanner.timestamp(context)
                return at != nil
            case "decidedBy":
                decidedBy = scanner.text(max: DocumentLimits.nameCharacters, context)
                return decidedBy != nil
            case "text":
                text = scanner.text(max: DocumentLimits.textCharacters, context)
                return text != nil
            default: return false
            }
        }
        guard read, let text else { return nil }
        return Decision(text: text, decidedBy: decidedBy, at: at)
    }

    mutating func action(_ context: DecodeContext) -> Action? {
        var deadline: Timestamp?
        var owner: String?
        var text: String?
        let read = object { scanner, key in
            switch String(decoding: key, as: UTF8.self) {
            case "deadline":
                deadline = scanner.timestamp(context)
                return deadline != nil
            case "owner":
                owner = scanner.text(max: DocumentLimits.nameCharacters, context)
                return owner != nil
            case "text":
                text = scanner.text(max: DocumentLimits.textCharacters, context)
                return text != nil
            default: return false
            }
        }
        guard read, let text, let owner, let deadline else { return nil }
        return Action(text: text, owner: owner, deadline: deadline)
    }

    mutating func communication(
        _ classification: Classification, _ context: DecodeContext
    ) -> CrisisCommunication? {
        var actionAdvice: String?
        var coreMessage: String?
        var targetArea: TargetArea?
        let read = object { scanner, key in
            switch String(decoding: key, as: UTF8.self) {
            case "actionAdvice":
                actionAdvice = scanner.text(max: DocumentLimits.textCharacters, context)
                return actionAdvice != nil
            case "coreMessage":
                coreMessage = scanner.text(max: DocumentLimits.textCharacters, context)
                return coreMessage != nil
            case "targetArea":
                targetArea = scanner.targetArea(context)
                return targetArea != nil
            default: return false
            }
        }
        guard read, let actionAdvice, let coreMessage, let targetArea else { return nil }
        return CrisisCommunication(
            coreMessage: coreMessage, actionAdvice: actionAdvice, targetArea: targetArea,
            classification: classification)
    }

    /// Regions and municipalities (at least one), each a code the reference data knows.
    mutating func targetArea(_ context: DecodeContext) -> TargetArea? {
        var area = TargetArea()
        let read = object { scanner, key in
            switch String(decoding: key, as: UTF8.self) {
            case "municipalities":
                let codes = scanner.list {
                    $0.string().flatMap { FieldReader.municipality(.string($0), path: "", context: context) }
                }
                area.municipalities = codes ?? []
                return codes != nil
            case "regions":
                let codes = scanner.list {
                    $0.string().flatMap { FieldReader.region(.string($0), path: "", context: context) }
                }
                area.regions = codes ?? []
                return codes != nil
            default: return false
            }
        }
        guard read, !(area.regions.isEmpty && area.municipalities.isEmpty) else { return nil }
        return area
    }
}
