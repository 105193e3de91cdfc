import StrictJSON

/// Every string and key of a report's document as JSON: the envelope's fields and every
/// section's content, merged as ``SectionLayout/merge(_:contents:)`` merges them. What a check
/// of all the text of a report reads (the police-internal terms) without encoding the document
/// again, and, when the document was read straight from canonical sections, without building
/// its tree unless the check finds something.
public struct DocumentText: Sendable {
    enum Source: Sendable {
        /// The merged tree the strict decoder read.
        case tree(JSONValue)
        /// The envelope and the sections' canonical bytes (strings without escapes), which the
        /// direct reader checked.
        case canonical(Envelope, sections: [[UInt8]])
    }

    let source: Source

    /// The text of a document JSON as it stands.
    public init(tree: JSONValue) { source = .tree(tree) }

    init(envelope: Envelope, canonicalSections: [[UInt8]]) {
        source = .canonical(envelope, sections: canonicalSections)
    }

    /// The merged document JSON (built here when the document was read directly).
    public var json: JSONValue {
        switch source {
        case .tree(let json):
            return json
        case .canonical(let envelope, let sections):
            // Canonical bytes the direct reader accepted always parse.
            let contents = sections.map { (try? JSONParser.parse($0)) ?? .null }
            return SectionLayout.merge(envelope, contents: contents)
        }
    }

    /// Whether `body` returns true for the UTF-8 of a string or key; stops at the first true.
    /// Every string and key of ``json`` is handed over, and perhaps others besides (the
    /// envelope's keys where the merge has none), so a true answer is a candidate for a
    /// search of ``json`` and a false one is final.
    public func mayContain(where body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        switch source {
        case .tree(let json):
            return Self.contains(json, where: body)
        case .canonical(let envelope, let sections):
            return Self.mayContain(envelope, where: body)
                || sections.contains { Self.containsString(canonical: $0, where: body) }
        }
    }

    /// Every string and key the envelope's part of the merge can have: its fields' values,
    /// every key the merge may give them, and each section's name, discipline (a picture's)
    /// and class. Not
    /// the fields the merge leaves out (origin, key, digests): they are most of its bytes.
    static func mayContain(_ envelope: Envelope, where body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        if mergedKeys.contains(where: { utf8($0, body) }) { return true }
        let values = [
            envelope.type.rawValue, envelope.id.rawValue, envelope.author, envelope.incident?.rawValue,
            envelope.subject?.rawValue,
        ]
        if values.contains(where: { $0.map { utf8($0, body) } ?? false }) { return true }
        if contains(.object(envelope.meta), where: body) { return true }
        return envelope.sections.contains { section in
            let discipline = section.name.hasPrefix("beeld.") ? String(section.name.dropFirst(6)) : nil
            return utf8(section.name, body) || discipline.map { utf8($0, body) } ?? false
                || contains(section.classification.json, where: body)
        }
    }

    /// The keys ``SectionLayout/merge(_:contents:)`` may put next to the envelope's values.
    static let mergedKeys = [
        "type", "id", "exercise", "author", "incident", "subject", "classification", "beeld",
    ]

    static func contains(_ value: JSONValue, where body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        switch value {
        case .string(let text):
            return utf8(text, body)
        case .array(let items):
            return items.contains { contains($0, where: body) }
        case .object(let fields):
            return fields.contains { key, field in utf8(key, body) || contains(field, where: body) }
        default:
            return false
        }
    }

    static func utf8(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var text = text
        return text.withUTF8 { body($0) }
    }

    /// Each string and key of canonical JSON: the bytes between a pair of quotes (canonical
    /// strings carry no escapes, so no quote inside one).
    static func containsString(
        canonical bytes: [UInt8], where body: (UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while let open = buffer[index...].firstIndex(of: UInt8(ascii: "\"")) {
                guard let close = buffer[(open + 1)...].firstIndex(of: UInt8(ascii: "\"")) else {
                    return false
                }
                if body(UnsafeBufferPointer(rebasing: buffer[(open + 1)..<close])) { return true }
                index = close + 1
            }
            return false
        }
    }
}
