import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// One picture entry as a screen reads it: the envelope's fields and each section's content,
/// or `.null` where this view holds only the digest.
///
/// The desk builds it from its mirror's ``PictureEntry``; an operator screen builds it from
/// its daemon's PICTURE answer (the same `report.visibleJSON` form), so both screens read the
/// picture with one piece of code.
public struct DigestEntry: Sendable {
    public let key: String
    public let sequence: SequenceNumber
    public let committedAt: Int64
    public let id: String
    public let origin: String
    public let type: String
    /// When the origin wrote it (RFC 3339, the origin's offset).
    public let created: String
    public let exercise: Bool
    public let author: String?
    public let incident: String?
    public let subject: String?
    public let meta: [String: JSONValue]
    /// Section name → content, `.null` when withheld from this view; in envelope order.
    public let sections: [(name: String, content: JSONValue)]

    /// From a mirror's entry (or an update: the same fields).
    public init(_ entry: PictureEntry) {
        self.init(
            key: entry.key, sequence: entry.sequence, committedAt: entry.committedAt, report: entry.report)
    }

    public init(_ update: Update) {
        self.init(
            key: update.report.envelope.key, sequence: update.sequence, committedAt: update.committedAt,
            report: update.report)
    }

    init(key: String, sequence: SequenceNumber, committedAt: Int64, report: SealedReport) {
        let envelope = report.envelope
        self.key = key
        self.sequence = sequence
        self.committedAt = committedAt
        id = envelope.id.rawValue
        origin = envelope.origin.rawValue
        type = envelope.type.rawValue
        created = envelope.created.rfc3339
        exercise = envelope.exercise
        author = envelope.author
        incident = envelope.incident?.rawValue
        subject = envelope.subject?.rawValue
        meta = envelope.meta
        sections = zip(envelope.sections, report.sections).map { descriptor, bytes in
            (descriptor.name, bytes.flatMap { try? JSONParser.parse($0) } ?? .null)
        }
    }

    /// From one entry of a daemon's PICTURE answer:
    /// `{"key", "sequence", "committedAt", "report": {"envelope": {...}, "sections": {...}}}`.
    public init?(json: JSONValue) {
        guard let key = json["key"]?.stringValue, let sequence = json["sequence"]?.integerValue,
            sequence >= 0,
            let envelope = json["report"]?["envelope"], let id = envelope["id"]?.stringValue,
            let origin = envelope["origin"]?.stringValue, let type = envelope["type"]?.stringValue
        else { return nil }
        self.key = key
        self.sequence = SequenceNumber(sequence)
        committedAt = json["committedAt"]?.integerValue ?? 0
        self.id = id
        self.origin = origin
        self.type = type
        created = envelope["created"]?.stringValue ?? ""
        exercise = envelope["exercise"]?.boolValue ?? false
        author = envelope["author"]?.stringValue
        incident = envelope["incident"]?.stringValue
        subject = envelope["subject"]?.stringValue
        meta = envelope["meta"]?.objectValue ?? [:]
        let contents = json["report"]?["sections"]?.objectValue ?? [:]
        let names = envelope["sections"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        sections = names.map { ($0, contents[$0] ?? .null) }
    }

    /// The content of a section; nil when the report has no such section or it is withheld.
    public func section(_ name: String) -> JSONValue? {
        guard let content = sections.first(where: { $0.name == name })?.content, content != .null else {
            return nil
        }
        return content
    }

    /// Whether the report has this section but this view may not read it.
    public func isWithheld(_ name: String) -> Bool {
        sections.first(where: { $0.name == name })?.content == .null
    }
}
