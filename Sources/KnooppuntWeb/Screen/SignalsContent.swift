import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

// Opening a signal's content on the operator screen. Every display of a signal's content
// (kind, person reference, assessment, legal basis, what is asked, the answers' notes) goes
// through ``OperatorScreen/openSignal(_:by:)`` and nothing else, with the signed-in person: the
// read is theirs, and a daemon operation that writes it to the audit log (`signalOpen`) can
// take its place here without touching the routes or the page.

extension OperatorScreen {
    /// The longest note of an answer shown with a signal.
    static let maximumAnswersShown = Signal.maximumRecipients * 4

    /// The content of signal `id` for `person`: only on the screen of its sender or one of its
    /// recipients, and only what the daemon's view holds. 404 (E404) when this organisation's
    /// picture has no such signal or does not read it; the list never says more than that.
    func openSignal(_ id: ReportID, by person: Person) async throws -> JSONValue {
        let organisation = backend.organisation
        let records = SignalRecord.records(pictureAnswer: try await rawPicture())
        guard let signal = records.first(where: { $0.record.id == id && $0.record.type == .signal }),
            signal.readers.contains(organisation), person.organisation == organisation,
            let content = signal.record.section("signal")?.objectValue
        else {
            throw APIError(
                .notFound, .unknownReport,
                "the picture of \(organisation) holds no signal \(id) that it may read")
        }
        logger.notice(
            "signal content opened",
            metadata: [
                "report.id": "\(id)", "org": "\(organisation)", "person": "\(person.username)",
                "role": "\(person.role.rawValue)",
            ])
        var object = content
        if let code = content["legalBasis"]?.stringValue, let basis = signalPolicy.basis(code) {
            object["legalBasisDescription"] = .string(basis.description)
        }
        let answers = records.filter { $0.record.subject == id && $0.record.type != .signal }
            .sorted { $0.record.sequence < $1.record.sequence }
            .prefix(Self.maximumAnswersShown)
            .map { answer -> JSONValue in
                let section = answer.record.section(answer.record.type.rawValue) ?? .object([:])
                var entry: [String: JSONValue] = [
                    "type": .string(answer.record.type.rawValue),
                    "party": .string(answer.record.origin.rawValue),
                    "at": .string(AmsterdamTime.text(answer.record.committedAt)),
                ]
                for key in ["by", "note", "outcome", "legalBasis"] { entry[key] = section[key] }
                return .object(entry)
            }
        return [
            "id": .string(id.rawValue), "sender": .string(signal.record.origin.rawValue),
            "exercise": .bool(signal.record.exercise), "content": .object(object),
            "answers": .array(Array(answers)),
        ]
    }
}
