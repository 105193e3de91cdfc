import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// One committed report as the workflows read it: who sent it, when the node committed it,
/// and the sections the reader's view holds (parsed). Sections the view may not read are
/// named in ``withheld``, never guessed.
///
/// Every source the screens and tools have converts to it: a log record or a mirror's picture
/// entry (``init(_:view:)``, from an `Update`), or one entry of a daemon's PICTURE answer
/// (``init(pictureEntry:)``), so one set of rules serves the desk, the operator screens,
/// `watch` and the CLI.
public struct WorkflowRecord: Sendable, Hashable {
    public let sequence: SequenceNumber
    /// The node's commit time, ms since 1970 (the node's clock runs the deadlines).
    public let committedAt: Int64
    public let id: ReportID
    public let origin: OrganisationCode
    public let type: ReportType
    public let key: String
    public let incident: IncidentID?
    public let subject: ReportID?
    public let exercise: Bool
    public let author: String?
    /// Section name → content, for the sections this view holds.
    public let sections: [String: JSONValue]
    /// Sections this view may not read.
    public let withheld: [String]

    public init(
        sequence: SequenceNumber, committedAt: Int64, id: ReportID, origin: OrganisationCode,
        type: ReportType, key: String, incident: IncidentID? = nil, subject: ReportID? = nil,
        exercise: Bool = false, author: String? = nil, sections: [String: JSONValue],
        withheld: [String] = []
    ) {
        self.sequence = sequence
        self.committedAt = committedAt
        self.id = id
        self.origin = origin
        self.type = type
        self.key = key
        self.incident = incident
        self.subject = subject
        self.exercise = exercise
        self.author = author
        self.sections = sections
        self.withheld = withheld
    }

    /// From a log record or picture entry (`PictureEntry.update`), as `view` may read it; nil
    /// keeps the sections the update holds (a mirror's entries are already its view).
    public init(_ update: Update, view: View? = nil) {
        let report = view.map { update.report.projected(for: $0) } ?? update.report
        let envelope = report.envelope
        var sections: [String: JSONValue] = [:]
        var withheld: [String] = []
        for (descriptor, bytes) in zip(envelope.sections, report.sections) {
            if let bytes, let value = try? JSONParser.parse(bytes) {
                sections[descriptor.name] = value
            } else {
                withheld.append(descriptor.name)
            }
        }
        self.init(
            sequence: update.sequence, committedAt: update.committedAt, id: envelope.id,
            origin: envelope.origin, type: envelope.type, key: envelope.key, incident: envelope.incident,
            subject: envelope.subject, exercise: envelope.exercise, author: envelope.author,
            sections: sections, withheld: withheld)
    }

    /// From one entry of a daemon's PICTURE answer (docs/PROTOCOL.md §11):
    /// `{"key", "sequence", "committedAt", "report": {"envelope": {...}, "sections": {...}}}`.
    /// Nil for an entry that is not of that shape.
    public init?(pictureEntry json: JSONValue) {
        guard let sequence = json["sequence"]?.integerValue, sequence > 0,
            let envelope = json["report"]?["envelope"],
            let id = envelope["id"]?.stringValue.flatMap(ReportID.init),
            let origin = envelope["origin"]?.stringValue.flatMap(OrganisationCode.init),
            let type = envelope["type"]?.stringValue.flatMap(ReportType.init(rawValue:)),
            let key = envelope["key"]?.stringValue ?? json["key"]?.stringValue
        else { return nil }
        let contents = json["report"]?["sections"]?.objectValue ?? [:]
        var sections: [String: JSONValue] = [:]
        var withheld: [String] = []
        for name in envelope["sections"]?.arrayValue?.compactMap({ $0["name"]?.stringValue }) ?? [] {
            if let content = contents[name], content != .null {
                sections[name] = content
            } else {
                withheld.append(name)
            }
        }
        self.init(
            sequence: SequenceNumber(sequence), committedAt: json["committedAt"]?.integerValue ?? 0, id: id,
            origin: origin, type: type, key: key,
            incident: envelope["incident"]?.stringValue.flatMap(IncidentID.init),
            subject: envelope["subject"]?.stringValue.flatMap(ReportID.init),
            exercise: envelope["exercise"]?.boolValue ?? false, author: envelope["author"]?.stringValue,
            sections: sections, withheld: withheld)
    }

    /// The records of a daemon's whole PICTURE answer (`{"entries": [...]}`).
    public static func records(pictureAnswer json: JSONValue) -> [WorkflowRecord] {
        (json["entries"]?.arrayValue ?? []).compactMap(WorkflowRecord.init(pictureEntry:))
    }

    /// One section's content, when this view holds it.
    public func section(_ name: String) -> JSONValue? { sections[name] }

    /// The commit time in Europe/Amsterdam.
    public var committed: Timestamp { Timestamp(millisecondsSinceEpoch: committedAt).inAmsterdam }

    /// Picture (latest per key) and history merged: one record per sequence, in sequence order.
    public static func merged(_ groups: [WorkflowRecord]...) -> [WorkflowRecord] {
        var bySequence: [SequenceNumber: WorkflowRecord] = [:]
        for group in groups { for record in group { bySequence[record.sequence] = record } }
        return bySequence.values.sorted { $0.sequence < $1.sequence }
    }
}
