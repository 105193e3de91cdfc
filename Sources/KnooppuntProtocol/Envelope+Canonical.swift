import KnooppuntDomain
import StrictJSON

extension Envelope {
    /// Reads an envelope written in the form every writer of the network sends it
    /// (``canonicalBytes``: keys ascending by their UTF-8 bytes, no whitespace) straight into
    /// its fields, without building a JSON tree. Nil for anything else, and for anything the
    /// strict reader would refuse: the caller then reads the bytes with that reader, which
    /// alone says what is wrong.
    ///
    /// Why: the node and every replica read an envelope per report, and the tree (a dictionary
    /// per object, a String and a hash per key) cost more than the fields themselves. The
    /// fields go through the same checks as the strict reader's (FieldReader's, the
    /// identifiers' own parsers, the version rule), so what this returns is what the strict
    /// reader returns for the same bytes; the differential tests in
    /// EnvelopeCanonicalTests hold the two to that.
    ///
    /// Left to the strict reader: string escapes, a class that is not a name (parties or an
    /// audience), meta values that are not strings, whitespace, and every error.
    static func decodeCanonical(_ bytes: [UInt8], reference: ReferenceData) -> Envelope? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = CanonicalScanner(bytes: buffer)
            guard let envelope = scanner.envelope(DecodeContext(reference: reference)),
                scanner.index == buffer.count
            else { return nil }
            return envelope
        }
    }
}

extension CanonicalScanner {
    mutating func envelope(_ context: DecodeContext) -> Envelope? {
        var version: Int64?
        var id: ReportID?
        var origin: OrganisationCode?
        var originSeq: Int64?
        var created: Timestamp?
        var type: ReportType?
        var key: String?
        var incident: IncidentID?
        var subject: ReportID?
        var exercise: Bool?
        var author: String?
        var meta: [String: JSONValue] = [:]
        var sections: [SectionDescriptor]?
        let read = object { scanner, name in
            // Each field, optional or not, must read: one that does not is the strict
            // reader's to explain.
            switch String(decoding: name, as: UTF8.self) {
            case "author":
                author = scanner.text(max: DocumentLimits.nameCharacters, context)
                return author != nil
            case "created":
                created = scanner.timestamp(context)
                return created != nil
            case "exercise":
                exercise = scanner.bool()
                return exercise != nil
            case "id":
                id = scanner.string().flatMap { ReportID($0) }
                return id != nil
            case "incident":
                incident = scanner.string().flatMap { IncidentID($0) }
                return incident != nil
            case "key":
                key = scanner.text(max: 200, context)
                return key != nil
            case "meta":
                return scanner.object { scanner, name in
                    guard let name = String(validating: name, as: UTF8.self), let value = scanner.string()
                    else { return false }
                    meta[name] = .string(value)
                    return true
                }
            case "origin":
                origin = scanner.string().flatMap { OrganisationCode.inNetwork($0) }
                return origin != nil
            case "originSeq":
                originSeq = scanner.integer().flatMap { $0 >= 1 ? $0 : nil }
                return originSeq != nil
            case "sections":
                sections = scanner.sections(context)
                return sections != nil
            case "subject":
                subject = scanner.string().flatMap { ReportID($0) }
                return subject != nil
            case "type":
                type = scanner.string().flatMap { ReportType(rawValue: $0) }
                return type != nil
            case "v":
                version = scanner.integer()
                return version != nil
            default: return false
            }
        }
        // A required field missing, or a check's problem in the context: the strict reader's.
        guard read, context.problems.isEmpty, let version, let id, let origin, let originSeq, let created,
            let type, let key, let exercise, let sections,
            version == Envelope.version(for: sections)
        else { return nil }
        return Envelope(
            version: version, id: id, origin: origin, originSeq: UInt64(originSeq), created: created,
            type: type,
            key: key, incident: incident, subject: subject, exercise: exercise, author: author, meta: meta,
            sections: sections)
    }

    /// The sections' list; nil when one is not in canonical form or has a class that is not a
    /// name.
    mutating func sections(_ context: DecodeContext) -> [SectionDescriptor]? {
        var sections: [SectionDescriptor] = []
        let read = array(max: WireLimits.maxSections) { scanner in
            var name: String?
            var classification: Classification?
            var salt: [UInt8]?
            var digest: [UInt8]?
            let read = scanner.object { scanner, key in
                switch String(decoding: key, as: UTF8.self) {
                case "class":
                    classification = scanner.string().flatMap {
                        FieldReader.classification(.string($0), path: "", context: context)
                    }
                    return classification != nil
                case "digest":
                    digest = scanner.hex(bytes: 32)
                    return digest != nil
                case "name":
                    name = scanner.text(max: 40, context)
                    return name != nil
                case "salt":
                    salt = scanner.hex(bytes: 16)
                    return salt != nil
                default: return false
                }
            }
            guard read, let name, let classification, let salt, let digest else { return false }
            sections.append(
                SectionDescriptor(name: name, classification: classification, salt: salt, digest: digest))
            return true
        }
        return read ? sections : nil
    }
}
