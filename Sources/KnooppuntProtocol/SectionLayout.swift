import KnooppuntDomain
import StrictJSON

/// How a document is cut into an envelope and sections, and put back together.
///
/// A sitrep has a section per discipline picture (`beeld.BRW` …), plus `oordeel`, `besluiten`,
/// `acties` and `communicatie`; every other type has one section named after the type. The
/// incident id and subject report id go in the envelope (routing needs them even when the
/// content is withheld); the sitrep's non-section fields go in `meta`.
public enum SectionLayout {
    static let commonFields: Set<String> = ["type", "id", "exercise", "author"]
    /// Keys that come from the envelope when a document is rebuilt; section content never has them.
    static let envelopeOwned: Set<String> = commonFields.union(["incident", "subject", "classification"])
    /// The keys a sitrep's section content never has: its other envelope fields are the
    /// document's, not a section's.
    static let sitrepOwned: Set<String> = ["classification"]
    static let sitrepMeta = ["confidence", "verification", "supersedes", "nextUpdateDue"]
    static let sitrepTail = ["oordeel", "besluiten", "acties", "communicatie"]

    /// The section names a report of `type` may carry, in wire order.
    public static func sectionNames(for type: ReportType) -> [String] {
        type == .sitrep ? sitrepSectionNames : [type.rawValue]
    }

    /// A sitrep's section names in wire order, made once: every report's envelope is checked
    /// against them.
    private static let sitrepSectionNames = beeldSectionNames.map(\.1) + sitrepTail

    static func envelopeField(for type: ReportType) -> String? {
        switch type {
        case .incident, .grip, .sitrep, .measure: "incident"
        case .ackRequest, .ack, .signalAck, .signalFollowUp, .signalRead: "subject"
        case .threat, .signal: nil
        }
    }

    public struct Split: Sendable {
        public var incident: IncidentID?
        public var subject: ReportID?
        public var meta: [String: JSONValue]
        /// Name, classification and canonical content bytes, in wire order.
        public var sections: [(name: String, classification: Classification, content: [UInt8])]
    }

    /// Cuts a valid document into envelope fields and sections.
    public static func split(_ document: ReportDocument, codec: DocumentCodec) -> Split {
        cut(document, codec: codec, writingContent: true)
    }

    /// The names of the sections `document` is cut into, in wire order: what `split` gives.
    /// The node checks every report's names, so they are read off the document's fields
    /// rather than from a cut of its encoding (one JSON encoding of the document less per
    /// report); `SectionLayoutTests` holds the two to the same answer.
    public static func sectionNames(of document: ReportDocument) -> [String] {
        guard case .sitrep(let sitrep) = document.body else { return [document.body.type.rawValue] }
        var names: [String] = []
        for (discipline, name) in beeldSectionNames where sitrep.beeld[discipline] != nil {
            names.append(name)
        }
        let tail: [(present: Bool, name: String)] = [
            (sitrep.oordeel != nil, "oordeel"), (sitrep.besluiten != nil, "besluiten"),
            (sitrep.acties != nil, "acties"), (sitrep.communicatie != nil, "communicatie"),
        ]
        assert(tail.map(\.name) == sitrepTail, "in the order of sitrepTail")
        for (present, name) in tail where present { names.append(name) }
        return names
    }

    /// Each discipline with the name of its picture's section, in wire order.
    static let beeldSectionNames: [(Discipline, String)] = Discipline.allCases.map {
        ($0, "beeld.\($0.rawValue)")
    }

    /// `split`, with each section's content left empty unless `writingContent`.
    private static func cut(_ document: ReportDocument, codec: DocumentCodec, writingContent: Bool) -> Split {
        guard case .object(var fields) = codec.encode(document) else {
            preconditionFailure("documents encode to objects")
        }
        for name in commonFields { fields.removeValue(forKey: name) }
        let type = document.body.type
        var split = Split(
            incident: document.body.incident, subject: document.body.subject, meta: [:], sections: [])
        if let field = envelopeField(for: type) { fields.removeValue(forKey: field) }
        func section(_ name: String, _ value: JSONValue) {
            guard case .object(var object) = value,
                let classificationJSON = object.removeValue(forKey: "classification")
            else { preconditionFailure("every section has a classification") }
            let context = DecodeContext(reference: codec.reference)
            let classification = FieldReader.classification(classificationJSON, path: name, context: context)!
            split.sections.append(
                (name, classification, writingContent ? JSONWriter.canonical(.object(object)) : []))
        }
        if type == .sitrep {
            for key in sitrepMeta {
                if let value = fields.removeValue(forKey: key) { split.meta[key] = value }
            }
            if case .object(let beeld)? = fields.removeValue(forKey: "beeld") {
                for discipline in Discipline.allCases {
                    if let value = beeld[discipline.rawValue] {
                        section("beeld.\(discipline.rawValue)", value)
                    }
                }
            }
            for name in sitrepTail {
                if let value = fields.removeValue(forKey: name) { section(name, value) }
            }
        } else {
            section(type.rawValue, .object(fields))
        }
        return split
    }

    /// Rebuilds the document JSON from an envelope and the content of every section.
    static func merge(_ envelope: Envelope, contents: [JSONValue]) -> JSONValue {
        var fields: [String: JSONValue] = [
            "type": .string(envelope.type.rawValue), "id": .string(envelope.id.rawValue),
        ]
        if envelope.exercise { fields["exercise"] = true }
        if let author = envelope.author { fields["author"] = .string(author) }
        if let incident = envelope.incident { fields["incident"] = .string(incident.rawValue) }
        if let subject = envelope.subject { fields["subject"] = .string(subject.rawValue) }
        for (key, value) in envelope.meta { fields[key] = value }
        var beeld: [String: JSONValue] = [:]
        for (descriptor, content) in zip(envelope.sections, contents) {
            guard case .object(var object) = content else {
                // Kept as-is: the strict decoder reports the wrong type at this section.
                fields[descriptor.name] = content
                continue
            }
            object["classification"] = descriptor.classification.json
            if descriptor.name.hasPrefix("beeld.") {
                beeld[String(descriptor.name.dropFirst(6))] = .object(object)
            } else if envelope.type == .sitrep {
                fields[descriptor.name] = .object(object)
            } else {
                for (key, value) in object { fields[key] = value }
            }
        }
        if envelope.type == .sitrep { fields["beeld"] = .object(beeld) }
        return .object(fields)
    }

    /// Structural checks that need no content: known, ordered, unique section names; meta
    /// only on sitreps; the envelope field the type needs.
    static func check(_ envelope: Envelope) throws(Problems) {
        let allowed = sectionNames(for: envelope.type)
        var position = -1
        for (index, section) in envelope.sections.enumerated() {
            guard let at = allowed.firstIndex(of: section.name) else {
                throw Problems(
                    Problem(
                        .invalidEnvelope, field: "envelope.sections[\(index)].name",
                        "section \"\(section.name)\" is not defined for \(envelope.type.rawValue)"))
            }
            guard at > position else {
                throw Problems(
                    Problem(
                        .invalidEnvelope, field: "envelope.sections[\(index)].name",
                        "sections must be unique and in protocol order"))
            }
            position = at
        }
        guard !envelope.sections.isEmpty else {
            throw Problems(
                Problem(.invalidEnvelope, field: "envelope.sections", "a report has at least one section"))
        }
        if envelope.type != .sitrep && !envelope.meta.isEmpty {
            throw Problems(Problem(.invalidEnvelope, field: "envelope.meta", "only sitreps carry meta"))
        }
        // Meta is merged into the document; any other key could override the envelope's id,
        // type or exercise flag there.
        if let key = envelope.meta.keys.sorted().first(where: { !sitrepMeta.contains($0) }) {
            throw Problems(
                Problem(
                    .invalidEnvelope, field: "envelope.meta.\(key.prefix(40))",
                    "meta holds only \(sitrepMeta.joined(separator: ", "))"))
        }
        let needsIncident = [ReportType.incident, .grip, .sitrep].contains(envelope.type)
        if needsIncident && envelope.incident == nil {
            throw Problems(
                Problem(
                    .invalidEnvelope, field: "envelope.incident",
                    "a \(envelope.type.rawValue) names its incident"))
        }
        if [ReportType.ackRequest, .ack, .signalAck, .signalFollowUp, .signalRead].contains(envelope.type)
            && envelope.subject == nil
        {
            throw Problems(
                Problem(
                    .invalidEnvelope, field: "envelope.subject",
                    "a \(envelope.type.rawValue) names its subject"))
        }
        let prefix = envelope.exercise ? "exercise/" : ""
        guard envelope.key.hasPrefix(prefix), !envelope.key.dropFirst(prefix.count).hasPrefix("exercise/")
        else {
            throw Problems(Problem(.invalidEnvelope, field: "envelope.key", "key and exercise flag disagree"))
        }
    }
}

extension SectionLayout {
    /// Fields the document decoder sees at its top level but the envelope carries.
    private static let envelopeFields: Set<String> = [
        "type", "id", "exercise", "author", "incident", "subject",
    ]

    /// Problems of a document merged from an envelope and its sections, with every field that
    /// came from the envelope named by its path there (`envelope.meta.confidence`, not
    /// `confidence`): the client built an envelope, not a document, and must find the field.
    static func envelopePaths(_ problems: Problems) -> Problems {
        Problems(
            problems.problems.map { problem in
                let head = String(problem.field.prefix { $0 != "." && $0 != "[" })
                let prefix: String? =
                    sitrepMeta.contains(head)
                    ? "envelope.meta." : envelopeFields.contains(head) ? "envelope." : nil
                guard let prefix else { return problem }
                return Problem(problem.code, field: prefix + problem.field, problem.message)
            })
    }
}
