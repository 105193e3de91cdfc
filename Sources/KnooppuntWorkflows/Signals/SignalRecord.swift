import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// A signal, or an acknowledgement or follow-up of one, as a view holds it: the record and
/// its readers as the envelope names them. The envelope is all a non-recipient (the national
/// desk) has, so states are told from it; the content is used only where the view holds it.
public struct SignalRecord: Sendable, Hashable {
    public let record: WorkflowRecord
    /// The signal's readers (sender and recipients), from the envelope's classification (for a
    /// read record: the sender and the reader).
    public let readers: OrganisationSet

    public init(record: WorkflowRecord, readers: OrganisationSet) {
        self.record = record
        self.readers = readers
    }

    /// From a log record or picture entry, as `view` may read it (nil: as the update holds
    /// it); nil for any other type of report.
    public init?(_ update: Update, view: View? = nil) {
        let envelope = update.report.envelope
        guard Self.types.contains(envelope.type),
            case .parties(let set)? = envelope.sections.first?.classification
        else { return nil }
        self.init(record: WorkflowRecord(update, view: view), readers: set)
    }

    /// From one entry of a daemon's PICTURE answer; nil for any other type of report.
    public init?(pictureEntry json: JSONValue) {
        guard let record = WorkflowRecord(pictureEntry: json), Self.types.contains(record.type),
            let parties = json["report"]?["envelope"]?["sections"]?.arrayValue?.first?["class"]?["parties"]?
                .arrayValue
        else { return nil }
        self.init(
            record: record,
            readers: OrganisationSet(parties.compactMap { $0.stringValue.flatMap(OrganisationCode.init) }))
    }

    /// The signal records of a daemon's PICTURE answer.
    public static func records(pictureAnswer json: JSONValue) -> [SignalRecord] {
        (json["entries"]?.arrayValue ?? []).compactMap(SignalRecord.init(pictureEntry:))
    }

    static let types: Set<ReportType> = [.signal, .signalAck, .signalFollowUp, .signalRead]
}
