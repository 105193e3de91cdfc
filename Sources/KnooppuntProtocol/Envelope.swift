import KnooppuntDomain
import StrictJSON

/// Limits on reports on the wire (docs/PROTOCOL.md §4.2).
public enum WireLimits {
    /// Largest message any bound socket accepts (ZMQ_MAXMSGSIZE).
    public static let maxMessageBytes: Int64 = 1 << 20
    /// Frames per message.
    public static let maxFrames = 64
    /// Sections per report.
    public static let maxSections = 16
    /// Largest envelope.
    public static let maxEnvelopeBytes = 16 * 1024
    /// The envelope schema version this build writes and reads.
    public static let schemaVersion: Int64 = 1
    /// The envelope version of a report with a section classified for an audience (kinds or
    /// groups, docs/PROTOCOL.md §10): a peer that cannot resolve one refuses it plainly (E215)
    /// instead of misreading it, and every other report keeps version 1, byte for byte.
    public static let audienceSchemaVersion: Int64 = 2
    /// SUBMITs one organisation may have unanswered at the node (all its connections
    /// together); the node's send queue per party is sized so that their ACKs always fit.
    public static let largestWindow = 64
}

/// One section as the envelope lists it: its name, who may read it, and the salted digest
/// that stands in for it where the reader may not.
public struct SectionDescriptor: Sendable, Hashable {
    public let name: String
    public let classification: Classification
    /// 16 random bytes chosen by the origin.
    public let salt: [UInt8]
    /// SHA-256(salt ‖ name ‖ 0x00 ‖ content).
    public let digest: [UInt8]

    public init(name: String, classification: Classification, salt: [UInt8], digest: [UInt8]) {
        self.name = name
        self.classification = classification
        self.salt = salt
        self.digest = digest
    }
}

/// The signed header of a report: who sent it, in which order, what it writes, and the
/// digest of every section.
public struct Envelope: Sendable, Hashable {
    public var version: Int64 = WireLimits.schemaVersion
    public var id: ReportID
    public var origin: OrganisationCode
    /// The origin's own sequence: the node accepts N only after N-1.
    public var originSeq: UInt64
    public var created: Timestamp
    public var type: ReportType
    /// The picture key the report writes.
    public var key: String
    public var incident: IncidentID?
    public var subject: ReportID?
    public var exercise: Bool
    public var author: String?
    /// Sitrep fields that are not sections: confidence, verification, supersedes, nextUpdateDue.
    public var meta: [String: JSONValue]
    public var sections: [SectionDescriptor]

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "v": .integer(version), "id": .string(id.rawValue), "origin": .string(origin.rawValue),
            "originSeq": .integer(Int64(originSeq)), "created": .string(created.rfc3339),
            "type": .string(type.rawValue),
            "key": .string(key), "exercise": .bool(exercise),
            "sections": .array(
                sections.map {
                    [
                        "name": .string($0.name), "class": $0.classification.json,
                        "salt": .string(Hex.encode($0.salt)),
                        "digest": .string(Hex.encode($0.digest)),
                    ]
                }),
        ]
        if let incident { object["incident"] = .string(incident.rawValue) }
        if let subject { object["subject"] = .string(subject.rawValue) }
        if let author { object["author"] = .string(author) }
        if !meta.isEmpty { object["meta"] = .object(meta) }
        return .object(object)
    }

    /// The version an envelope of these sections carries: 2 when one is classified for an
    /// audience, 1 otherwise.
    public static func version(for sections: [SectionDescriptor]) -> Int64 {
        sections.contains { if case .audience = $0.classification { true } else { false } }
            ? WireLimits.audienceSchemaVersion : WireLimits.schemaVersion
    }

    /// The exact bytes that are signed and sent.
    public var canonicalBytes: [UInt8] { JSONWriter.canonical(json) }

    /// Reads envelope bytes strictly (unknown fields, wrong types, bad hex: problems).
    public static func decode(_ bytes: [UInt8], reference: ReferenceData) throws(Problems) -> Envelope {
        guard bytes.count <= WireLimits.maxEnvelopeBytes else {
            throw Problems(
                Problem(
                    .frameTooLarge, field: "envelope",
                    "envelope larger than \(WireLimits.maxEnvelopeBytes) bytes"))
        }
        // Nearly every envelope is in canonical form and valid: read it without a tree.
        let envelope: Envelope
        if let canonical = decodeCanonical(bytes, reference: reference) {
            envelope = canonical
        } else {
            envelope = try decodeStrict(bytes, reference: reference)
        }
        try SectionLayout.check(envelope)
        return envelope
    }

    /// Reads envelope bytes of any JSON form through a JSON tree, field by field, and says
    /// what is wrong with them (every problem found). The section layout is the caller's.
    static func decodeStrict(_ bytes: [UInt8], reference: ReferenceData) throws(Problems) -> Envelope {
        let value = try DocumentReader.parseJSON(bytes, field: "envelope")
        let context = DecodeContext(reference: reference)
        guard var r = FieldReader(value, path: "envelope", context: context) else {
            throw Problems(context.problems)
        }
        let version = r.integer("v", in: 0...1_000)
        if let version, version != WireLimits.schemaVersion, version != WireLimits.audienceSchemaVersion {
            context.fail(
                .unsupportedVersion, r.at("v"), "envelope version \(version) is not supported (1, 2)")
        }
        let id = r.reportID("id")
        let origin = r.organisation("origin")
        let originSeq = r.integer("originSeq", in: 1...Int64.max)
        let created = r.timestamp("created")
        let type = r.enumeration("type", ReportType.self)
        let key = r.string("key", max: 200)
        let incident = r.incidentID("incident", required: false)
        let subject = r.reportID("subject", required: false)
        let exercise = r.bool("exercise")
        let author = r.string("author", max: DocumentLimits.nameCharacters, required: false)
        var meta: [String: JSONValue] = [:]
        if r.has("meta") {
            if case .object(let object)? = r.object["meta"] {
                meta = object
            } else {
                context.fail(.wrongType, r.at("meta"), "expected an object")
            }
        }
        var sections: [SectionDescriptor] = []
        if let items = r.array("sections", max: WireLimits.maxSections) {
            for (item, path) in items {
                guard var s = FieldReader(item, path: path, context: context) else { continue }
                let name = s.string("name", max: 40)
                let classification = s.value("class", required: true).flatMap {
                    FieldReader.classification($0, path: s.at("class"), context: context)
                }
                let salt = s.string("salt", max: 32).flatMap {
                    hexField($0, bytes: 16, path: s.at("salt"), context)
                }
                let digest = s.string("digest", max: 64).flatMap {
                    hexField($0, bytes: 32, path: s.at("digest"), context)
                }
                s.finish()
                if let name, let classification, let salt, let digest {
                    sections.append(
                        SectionDescriptor(
                            name: name, classification: classification, salt: salt, digest: digest))
                }
            }
        }
        r.finish()
        // One encoding per report: version 2 exactly when a section names an audience, so a
        // version-1 envelope means what it always meant.
        if let version, context.problems.isEmpty, version != Envelope.version(for: sections) {
            context.fail(
                .unsupportedVersion, r.at("v"),
                "envelope version \(version) does not fit its sections: 2 exactly when a class names kinds or groups, 1 otherwise"
            )
        }
        guard context.problems.isEmpty, let version, let id, let origin, let originSeq, let created, let type,
            let key,
            let exercise
        else { throw Problems(context.problems) }
        return Envelope(
            version: version, id: id, origin: origin, originSeq: UInt64(originSeq), created: created,
            type: type,
            key: key, incident: incident, subject: subject, exercise: exercise, author: author, meta: meta,
            sections: sections)
    }

    private static func hexField(
        _ text: String, bytes: Int, path: @autoclosure () -> String, _ context: DecodeContext
    ) -> [UInt8]? {
        guard let value = Hex.decode(text), value.count == bytes else {
            context.fail(.invalidEnvelope, path(), "expected \(bytes * 2) lowercase hex digits")
            return nil
        }
        return value
    }
}

/// Lowercase hexadecimal.
///
/// Every envelope a node reads carries two hex fields per section, so decoding reads the
/// text's UTF-8 in place and writes straight into the result.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Per byte value: the value of a lowercase hex digit, or ``notDigit``.
    private static let values: [UInt8] = (0...255).map { (value: Int) -> UInt8 in
        switch UInt8(value) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(value) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(value) - UInt8(ascii: "a") + 10
        default: notDigit
        }
    }
    private static let notDigit: UInt8 = 0xFF

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(2 * bytes.underestimatedCount)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(utf8: $0) }
    }

    /// The bytes that the hex digits in `utf8` stand for; nil for an odd count or another byte.
    static func decode(utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard utf8.count % 2 == 0 else { return nil }
        var valid = true
        let out = [UInt8](unsafeUninitializedCapacity: utf8.count / 2) { out, count in
            values.withUnsafeBufferPointer { values in
                for index in 0..<(utf8.count / 2) {
                    let high = values[Int(utf8[2 * index])]
                    let low = values[Int(utf8[2 * index + 1])]
                    guard high != notDigit, low != notDigit else {
                        valid = false
                        break
                    }
                    out[index] = high << 4 | low
                    count = index + 1
                }
            }
        }
        return valid ? out : nil
    }
}
