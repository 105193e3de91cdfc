import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON

// The operator socket's messages as types, with their codec (docs/PROTOCOL.md §11). On the
// wire every message is one packed frame: [KNP1, COMMAND, frame...]; `encode()` returns those
// parts and `decode(_:)` reads them back. The daemon decodes requests and encodes responses;
// every client does the reverse, so nobody builds these frames by hand.

/// What an operator (a tool, a screen, a workflow) asks a daemon.
public enum OperatorRequest: Sendable, Hashable {
    /// A document to publish (as handed over: the daemon checks it) and how.
    case publish(document: [UInt8], options: PublishOptions)
    /// Where one report stands.
    case report(ReportID)
    /// The daemon's status.
    case status
    /// The mirror's entries in the organisation's view.
    case picture
    /// A signal's content for a person, logged (docs/PROTOCOL.md §11).
    case signalOpen(ReportID, options: PublishOptions)

    public var command: OperatorCommand {
        switch self {
        case .publish: .publish
        case .report: .report
        case .status: .status
        case .picture: .picture
        case .signalOpen: .signalOpen
        }
    }

    /// [KNP1, COMMAND, frame...].
    public func encode() -> [[UInt8]] {
        let body: [[UInt8]]
        switch self {
        case .publish(let document, let options): body = [document, JSONWriter.canonical(options.json)]
        case .report(let id): body = [Array(id.rawValue.utf8)]
        case .status, .picture: body = []
        case .signalOpen(let id, let options):
            body = [Array(id.rawValue.utf8), JSONWriter.canonical(options.json)]
        }
        return [protocolSignature, Array(command.rawValue.utf8)] + body
    }

    /// Reads [KNP1, COMMAND, frame...]; the problem it throws is what the daemon answers.
    public static func decode(_ parts: [[UInt8]]) throws(Problem) -> OperatorRequest {
        guard parts.count >= 2, parts[0] == protocolSignature else {
            throw Problem(.unsupportedProtocol, field: "message", "expected one packed KNP1 frame")
        }
        let body = Array(parts[2...])
        switch OperatorCommand(rawValue: String(decoding: parts[1], as: UTF8.self)) {
        case .publish:
            guard body.count == 2 else {
                throw Problem(.wrongFrameCount, field: "PUBLISH", "PUBLISH takes a document and options")
            }
            // Options that do not parse count as none: the daemon then asks for a person (E800).
            return .publish(document: body[0], options: PublishOptions(json: try? JSONParser.parse(body[1])))
        case .report:
            guard let text = body.first, let id = ReportID(String(decoding: text, as: UTF8.self)) else {
                throw Problem(.invalidID, field: "report", "not a report id")
            }
            return .report(id)
        case .status:
            return .status
        case .picture:
            return .picture
        case .signalOpen:
            guard body.count == 2, let id = ReportID(String(decoding: body[0], as: UTF8.self)) else {
                throw Problem(
                    .invalidID, field: "signal", "SIGNALOPEN takes a signal's report id and options")
            }
            return .signalOpen(id, options: PublishOptions(json: try? JSONParser.parse(body[1])))
        case nil:
            throw Problem(.unknownCommand, field: "command", "unknown command")
        }
    }
}

/// A daemon's refusal: every problem found, and what else the refusal says (the earlier
/// report of a duplicate: `"previous"`).
public struct OperatorRefusal: Error, Sendable, Hashable {
    public let problems: Problems
    public let detail: [String: JSONValue]

    public init(_ problems: Problems, detail: [String: JSONValue] = [:]) {
        self.problems = problems
        self.detail = detail.filter { $0.key != "problems" }
    }

    public init(_ problem: Problem, detail: [String: JSONValue] = [:]) {
        self.init(Problems(problem), detail: detail)
    }

    /// The first problem: what a one-line refusal reports.
    public var first: Problem { problems.first }

    /// The ERROR's JSON: the detail and every problem (`code`, `name`, `field`, `message`).
    public var json: JSONValue {
        var object = detail
        object["problems"] = .array(
            problems.problems.map {
                [
                    "code": .integer(Int64($0.code.rawValue)), "name": .string($0.code.name),
                    "field": .string($0.field), "message": .string($0.message),
                ]
            })
        return .object(object)
    }
}

/// What a daemon answers on its operator socket.
public enum OperatorResponse: Sendable, Hashable {
    /// Stored in the outbox; the node's answer follows (ACCEPTED or REJECTED).
    case queued(ReportID, originSeq: UInt64)
    /// The node accepted the report: its place in the log.
    case accepted(ReportID, epoch: Epoch, sequence: SequenceNumber, degraded: Bool)
    /// The node refused the report.
    case rejected(ReportID, code: ErrorCode?, message: String)
    /// Where a report stands (`{"id", "state", ...}`).
    case reportState(JSONValue)
    case status(JSONValue)
    case picture(JSONValue)
    /// A signal's content and its read record (the answer to SIGNALOPEN).
    case signal(JSONValue)
    /// The daemon refused the request.
    case error(OperatorRefusal)

    public var command: String {
        switch self {
        case .queued: OperatorReply.queued
        case .accepted: OperatorReply.accepted
        case .rejected: OperatorReply.rejected
        case .reportState: OperatorReply.reportState
        case .status: OperatorReply.status
        case .picture: OperatorReply.picture
        case .signal: OperatorReply.signal
        case .error: OperatorReply.error
        }
    }

    /// [KNP1, COMMAND, frame...].
    public func encode() -> [[UInt8]] {
        func text(_ value: some CustomStringConvertible) -> [UInt8] { Array(value.description.utf8) }
        let body: [[UInt8]]
        switch self {
        case .queued(let id, let originSeq): body = [text(id.rawValue), text(originSeq)]
        case .accepted(let id, let epoch, let sequence, let degraded):
            body = [text(id.rawValue), text(epoch), text(sequence), text(degraded ? "degraded" : "")]
        case .rejected(let id, let code, let message):
            body = [text(id.rawValue), text(code?.rawValue ?? 0), text(message)]
        case .reportState(let json), .status(let json), .picture(let json), .signal(let json):
            body = [JSONWriter.canonical(json)]
        case .error(let refusal):
            body = [
                text(refusal.first.code.rawValue), text(refusal.first.message),
                JSONWriter.canonical(refusal.json),
            ]
        }
        return [protocolSignature, Array(command.utf8)] + body
    }

    /// Reads [KNP1, COMMAND, frame...]; nil for anything else (a client ignores it).
    public static func decode(_ parts: [[UInt8]]) -> OperatorResponse? {
        guard parts.count >= 2, parts[0] == protocolSignature else { return nil }
        let body = parts.dropFirst(2).map { String(decoding: $0, as: UTF8.self) }
        let command = String(decoding: parts[1], as: UTF8.self)
        switch command {
        case OperatorReply.queued:
            guard body.count == 2, let id = ReportID(body[0]), let originSeq = UInt64(body[1]) else {
                return nil
            }
            return .queued(id, originSeq: originSeq)
        case OperatorReply.accepted:
            guard body.count == 4, let id = ReportID(body[0]), let epoch = Epoch(body[1]),
                let sequence = SequenceNumber(body[2])
            else { return nil }
            return .accepted(id, epoch: epoch, sequence: sequence, degraded: body[3] == "degraded")
        case OperatorReply.rejected:
            guard body.count == 3, let id = ReportID(body[0]) else { return nil }
            return .rejected(id, code: Int(body[1]).flatMap(ErrorCode.init(rawValue:)), message: body[2])
        case OperatorReply.reportState, OperatorReply.status, OperatorReply.picture, OperatorReply.signal:
            guard let frame = parts.last, parts.count >= 3, let json = try? JSONParser.parse(frame) else {
                return nil
            }
            switch command {
            case OperatorReply.reportState: return .reportState(json)
            case OperatorReply.status: return .status(json)
            case OperatorReply.signal: return .signal(json)
            default: return .picture(json)
            }
        case OperatorReply.error:
            return .error(refusal(body, json: parts.count >= 5 ? try? JSONParser.parse(parts[4]) : nil))
        default:
            return nil
        }
    }

    /// An ERROR's problems from its JSON, or its first two frames when the JSON says none.
    private static func refusal(_ body: [String], json: JSONValue?) -> OperatorRefusal {
        let listed: [Problem] = (json?["problems"]?.arrayValue ?? []).compactMap { item in
            guard let code = item["code"]?.integerValue.flatMap({ ErrorCode(rawValue: Int($0)) }) else {
                return nil
            }
            return Problem(code, field: item["field"]?.stringValue ?? "$", item["message"]?.stringValue ?? "")
        }
        if !listed.isEmpty { return OperatorRefusal(Problems(listed), detail: json?.objectValue ?? [:]) }
        let code = body.first.flatMap { Int($0) }.flatMap(ErrorCode.init(rawValue:)) ?? .unknownCommand
        return OperatorRefusal(
            Problem(code, field: "$", body.count > 1 ? body[1] : "the daemon refused"),
            detail: json?.objectValue ?? [:])
    }
}
