import Hummingbird
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

// Opening a signal's content on the operator screen. Every display of a signal's content
// (kind, person reference, assessment, legal basis, what is asked, the answers' notes) goes
// through ``OperatorScreen/openSignal(_:by:as:)`` and nothing else, with the signed-in person:
// the content comes from the daemon's SIGNALOPEN, which stores the person's read record
// (a `signalRead` report for the node's audit log and the sender) before it answers.

extension OperatorScreen {
    /// The most answers shown with a signal.
    static let maximumAnswersShown = Signal.maximumRecipients * 4

    /// The content of signal `id` for `person`: only on the screen of its sender or one of its
    /// recipients, and only what the daemon's view holds. 404 (E404) when this organisation's
    /// picture has no such signal or does not read it; the list never says more than that.
    func openSignal(
        _ id: ReportID, by person: Person, as credential: PersonCredential?
    ) async throws -> JSONValue {
        let organisation = backend.organisation
        let records = SignalRecord.records(pictureAnswer: try await rawPicture())
        guard let signal = records.first(where: { $0.record.id == id && $0.record.type == .signal }),
            signal.readers.contains(organisation)
        else {
            throw APIError(
                .notFound, .unknownReport,
                "the picture of \(organisation) holds no signal \(id) that it may read")
        }
        guard let credential else {
            throw APIError(.forbidden, .notPermitted, "opening a signal needs a signed-in person")
        }
        let content: [String: JSONValue]
        switch try await backend.openSignal(id, as: credential) {
        case .opened(let answer):
            guard let object = answer["content"]?.objectValue else {
                throw APIError(
                    .badGateway, .daemonUnreachable, "the daemon answered signal \(id) without its content")
            }
            content = object
        case .refused(let code, let message):
            throw APIError(Self.signalOpenStatus(code), code, message)
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

    /// The HTTP status for a daemon's refusal to open a signal.
    static func signalOpenStatus(_ code: ErrorCode) -> HTTPResponse.Status {
        switch code {
        case .unknownReport, .notASignalRecipient: .notFound
        case .signalExpired: .gone
        case .notPermitted: .forbidden
        default: code.rawValue >= 800 && code.rawValue < 900 ? .forbidden : .badGateway
        }
    }
}
