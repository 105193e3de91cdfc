import KnooppuntDomain
import StrictJSON

/// Frames ↔ messages for KNP/1 (docs/PROTOCOL.md §5). Decoding is total: any input gives a
/// message or one ``Problem`` with a stable code.
public struct MessageCodec: Sendable {
    public let reference: ReferenceData

    public init(reference: ReferenceData = .builtIn) { self.reference = reference }

    // MARK: Encoding

    public static func encode(_ message: ClientMessage) -> [[UInt8]] {
        switch message {
        case .hello(let applied, let epoch, let role, let accepts):
            frames(
                "HELLO",
                [number(applied), number(epoch), text(role.rawValue)]
                    + (accepts.isEmpty ? [] : [accepts.wire]))
        case .attach(let applied, let epoch, let role):
            frames("ATTACH", [number(applied), number(epoch), text(role.rawValue)])
        case .submit(let report):
            frames("SUBMIT", report.frames)
        case .fetch(let from, let to):
            frames("FETCH", [number(from), number(to)])
        case .status(let status):
            frames("STATUS", [JSONWriter.canonical(status.json)])
        }
    }

    public static func encode(_ message: ServerMessage) -> [[UInt8]] {
        switch message {
        case .ack(let ack):
            frames(
                "ACK",
                [
                    text(ack.reportID.rawValue), number(ack.epoch), number(ack.sequence),
                    number(ack.originSeq), flags(ack),
                ])
        case .error(let id, let code, let message, let detail):
            frames(
                "ERROR",
                [
                    text(id?.rawValue ?? ""), number(UInt64(code.rawValue)), text(message),
                    JSONWriter.canonical(detail),
                ])
        case .update(let update):
            frames("UPDATE", updateFrames(update))
        case .snapshot(let sequence, let epoch, let count):
            frames("SNAPSHOT", [number(sequence), number(epoch), number(UInt64(count))])
        case .entry(let update):
            frames("ENTRY", updateFrames(update))
        case .snapEnd(let sequence, let epoch, let hash):
            frames("SNAPEND", [number(sequence), number(epoch), text(hash)])
        case .heartbeat(let beat):
            frames(
                "HEARTBEAT",
                [
                    text(beat.role.rawValue), number(beat.epoch), number(beat.lastSequence),
                    text(String(beat.nodeTime)),
                    text(beat.degraded ? "degraded" : ""),
                ])
        case .welcome(let epoch, let last, let next, let starts):
            frames(
                "WELCOME",
                [number(epoch), number(last), number(next)]
                    + starts.flatMap { [number($0.epoch), number($0.firstSequence)] })
        case .auditHead(let checkpoint):
            frames("AUDITHEAD", checkpoint.parts)
        }
    }

    static func updateFrames(_ update: Update) -> [[UInt8]] {
        [number(update.sequence), number(update.epoch), text(String(update.committedAt))]
            + update.report.frames
    }

    static func frames(_ command: String, _ rest: [[UInt8]]) -> [[UInt8]] {
        [protocolSignature, text(command)] + rest
    }
    static func text(_ value: String) -> [UInt8] { Array(value.utf8) }
    static func number(_ value: UInt64) -> [UInt8] { Array(String(value).utf8) }
    static func flags(_ ack: Ack) -> [UInt8] {
        text(
            [ack.duplicate ? "duplicate" : nil, ack.degraded ? "degraded" : nil].compactMap { $0 }.joined(
                separator: ","))
    }

    // MARK: Decoding

    /// Reads a daemon's message (the ROUTER's routing-id frame already removed).
    public func decodeClient(_ frames: [[UInt8]]) throws(Problem) -> ClientMessage {
        let (command, body) = try Self.header(frames)
        switch command {
        case "HELLO", "ATTACH":
            // HELLO may add what the party accepts (StreamFeatures); ATTACH streams nothing.
            if command != "HELLO" || body.count != 4 { try Self.count(body, 3, command) }
            guard let role = DaemonRole(rawValue: String(decoding: body[2], as: UTF8.self)) else {
                throw Problem(.unknownValue, field: "\(command).role", "unknown role")
            }
            let applied = try Self.number(body[0], "\(command).applied")
            let epoch = try Self.number(body[1], "\(command).epoch")
            return command == "HELLO"
                ? .hello(
                    applied: applied, epoch: epoch, role: role,
                    accepts: body.count == 4 ? StreamFeatures(wire: body[3]) : [])
                : .attach(applied: applied, epoch: epoch, role: role)
        case "SUBMIT":
            guard body.count >= 3 else {
                throw Problem(
                    .wrongFrameCount, field: "SUBMIT", "SUBMIT needs an envelope, a signature and sections")
            }
            return .submit(try report(body, allowWithheld: false))
        case "FETCH":
            try Self.count(body, 2, command)
            let from = try Self.number(body[0], "FETCH.from")
            let to = try Self.number(body[1], "FETCH.to")
            guard from >= 1, from <= to else {
                throw Problem(.outOfRange, field: "FETCH", "from must be ≥ 1 and ≤ to")
            }
            return .fetch(from: from, to: to)
        case "STATUS":
            try Self.count(body, 1, command)
            return .status(try Self.status(body[0]))
        default:
            throw Problem(
                .unknownCommand, field: "command",
                "unknown command \(command.prefix(20)) on the node endpoint")
        }
    }

    /// Reads the node's message to a daemon.
    public func decodeServer(_ frames: [[UInt8]]) throws(Problem) -> ServerMessage {
        let (command, body) = try Self.header(frames)
        switch command {
        case "ACK":
            try Self.count(body, 5, command)
            guard let id = ReportID(String(decoding: body[0], as: UTF8.self)) else {
                throw Problem(.invalidID, field: "ACK.id", "not a report id")
            }
            let flags = Set(String(decoding: body[4], as: UTF8.self).split(separator: ",").map(String.init))
            guard flags.isSubset(of: ["duplicate", "degraded"]) else {
                throw Problem(.unknownValue, field: "ACK.flags", "unknown flag")
            }
            return .ack(
                Ack(
                    reportID: id, epoch: try Self.number(body[1], "ACK.epoch"),
                    sequence: try Self.number(body[2], "ACK.sequence"),
                    originSeq: try Self.number(body[3], "ACK.originSeq"),
                    duplicate: flags.contains("duplicate"), degraded: flags.contains("degraded")))
        case "ERROR":
            try Self.count(body, 4, command)
            let idText = String(decoding: body[0], as: UTF8.self)
            let id = ReportID(idText)
            guard idText.isEmpty || id != nil else {
                throw Problem(.invalidID, field: "ERROR.id", "not a report id")
            }
            let raw = try Self.number(body[1], "ERROR.code")
            guard let code = ErrorCode(rawValue: Int(clamping: raw)) else {
                throw Problem(.unknownValue, field: "ERROR.code", "unknown error code \(raw)")
            }
            guard let message = String(validating: body[2], as: UTF8.self) else {
                throw Problem(.invalidUTF8, field: "ERROR.message", "not UTF-8")
            }
            let detail: JSONValue
            do { detail = try JSONParser.parse(body[3]) } catch {
                throw Problem(.invalidJSON, field: "ERROR.detail", error.description)
            }
            guard case .object = detail else {
                throw Problem(
                    .wrongType, field: "ERROR.detail", "expected an object, found \(detail.typeName)")
            }
            return .error(reportID: id, code: code, message: message, detail: detail)
        case "UPDATE": return .update(try update(body, command))
        case "ENTRY": return .entry(try update(body, command))
        case "SNAPSHOT":
            try Self.count(body, 3, command)
            return .snapshot(
                sequence: try Self.number(body[0], "SNAPSHOT.sequence"),
                epoch: try Self.number(body[1], "SNAPSHOT.epoch"),
                count: Int(clamping: try Self.number(body[2], "SNAPSHOT.count")))
        case "SNAPEND":
            try Self.count(body, 3, command)
            let hash = String(decoding: body[2], as: UTF8.self)
            guard hash.utf8.count == 64, Hex.decode(hash) != nil else {
                throw Problem(.malformedNumber, field: "SNAPEND.hash", "expected 64 hex digits")
            }
            return .snapEnd(
                sequence: try Self.number(body[0], "SNAPEND.sequence"),
                epoch: try Self.number(body[1], "SNAPEND.epoch"),
                viewHash: hash)
        case "HEARTBEAT":
            try Self.count(body, 5, command)
            guard let role = NodeRole(rawValue: String(decoding: body[0], as: UTF8.self)) else {
                throw Problem(.unknownValue, field: "HEARTBEAT.role", "unknown role")
            }
            let flag = String(decoding: body[4], as: UTF8.self)
            guard flag.isEmpty || flag == "degraded" else {
                throw Problem(.unknownValue, field: "HEARTBEAT.flags", "unknown flag")
            }
            guard let time = Int64(String(decoding: body[3], as: UTF8.self)) else {
                throw Problem(.malformedNumber, field: "HEARTBEAT.time", "not a number")
            }
            return .heartbeat(
                Heartbeat(
                    role: role, epoch: try Self.number(body[1], "HEARTBEAT.epoch"),
                    lastSequence: try Self.number(body[2], "HEARTBEAT.sequence"), nodeTime: time,
                    degraded: flag == "degraded"))
        case "WELCOME":
            guard body.count >= 3, body.count % 2 == 1 else {
                throw Problem(
                    .wrongFrameCount, field: command,
                    "WELCOME has epoch, sequence, origin sequence, then pairs")
            }
            var starts: [EpochStart] = []
            for index in stride(from: 3, to: body.count, by: 2) {
                starts.append(
                    EpochStart(
                        epoch: try Self.number(body[index], "WELCOME.epochStart"),
                        firstSequence: try Self.number(body[index + 1], "WELCOME.epochStart")))
            }
            return .welcome(
                epoch: try Self.number(body[0], "WELCOME.epoch"),
                lastSequence: try Self.number(body[1], "WELCOME.sequence"),
                nextOriginSeq: try Self.number(body[2], "WELCOME.nextOriginSeq"), epochStarts: starts)
        case "AUDITHEAD":
            return .auditHead(try AuditCheckpoint.decode(body, field: command))
        default:
            throw Problem(
                .unknownCommand, field: "command", "unknown command \(command.prefix(20)) from the node")
        }
    }

    func update(_ body: [[UInt8]], _ command: String) throws(Problem) -> Update {
        guard body.count >= 6 else {
            throw Problem(
                .wrongFrameCount, field: command,
                "\(command) needs sequence, epoch, time, envelope, signature, sections")
        }
        guard let time = Int64(String(decoding: body[2], as: UTF8.self)) else {
            throw Problem(.malformedNumber, field: "\(command).committedAt", "not a number")
        }
        return Update(
            sequence: try Self.number(body[0], "\(command).sequence"),
            epoch: try Self.number(body[1], "\(command).epoch"),
            committedAt: time, report: try report(Array(body[3...]), allowWithheld: true))
    }

    private func report(_ frames: [[UInt8]], allowWithheld: Bool) throws(Problem) -> SealedReport {
        do {
            return try SealedReport.decode(
                envelope: frames[0], signature: frames[1], sections: Array(frames[2...]),
                allowWithheld: allowWithheld,
                reference: reference)
        } catch {
            throw error.first
        }
    }

    static func header(
        _ frames: [[UInt8]], limit: Int = WireLimits.maxFrames
    ) throws(Problem) -> (String, [[UInt8]]) {
        guard frames.count <= limit else {
            throw Problem(.tooManyFrames, field: "message", "more than \(limit) frames")
        }
        guard frames.count >= 2, frames[0] == protocolSignature else {
            throw Problem(.unsupportedProtocol, field: "frame 0", "expected KNP1")
        }
        guard frames[1].count <= 16, let command = String(validating: frames[1], as: UTF8.self) else {
            throw Problem(.unknownCommand, field: "command", "unreadable command")
        }
        return (command, Array(frames[2...]))
    }

    static func count(_ body: [[UInt8]], _ expected: Int, _ command: String) throws(Problem) {
        guard body.count == expected else {
            throw Problem(
                .wrongFrameCount, field: command,
                "\(command) has \(expected) frames after its name, found \(body.count)")
        }
    }

    /// A decimal UInt64 of at most 20 digits, no sign, no leading zeros (except "0").
    static func number(_ bytes: [UInt8], _ field: String) throws(Problem) -> UInt64 {
        guard !bytes.isEmpty, bytes.count <= 20, bytes.allSatisfy({ (48...57).contains($0) }),
            bytes.count == 1 || bytes[0] != 48, let value = UInt64(String(decoding: bytes, as: UTF8.self))
        else { throw Problem(.malformedNumber, field: field, "expected a decimal number") }
        return value
    }

    static func status(_ bytes: [UInt8]) throws(Problem) -> DaemonStatus {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw Problem(.invalidJSON, field: "STATUS", error.description)
        }
        let context = DecodeContext(reference: .builtIn)
        guard var r = FieldReader(value, path: "STATUS", context: context) else { throw context.problems[0] }
        let applied = r.integer("applied", in: 0...Int64.max)
        let epoch = r.integer("epoch", in: 0...Int64.max)
        let hash = r.string("viewHash", max: 64)
        let backlog = r.integer("outboxBacklog", in: 0...Int64(Int32.max))
        let oldest = r.integer("oldestQueuedMs", in: 0...Int64.max)
        let pid = r.integer("pid", in: 0...Int64(Int32.max))
        let sentAt = r.integer("sentAt", in: 0...Int64.max)
        r.finish()
        if let hash, hash.utf8.count != 64 || Hex.decode(hash) == nil {
            context.fail(.malformedNumber, "STATUS.viewHash", "expected 64 hex digits")
        }
        guard context.problems.isEmpty, let applied, let epoch, let hash, let backlog, let oldest, let pid,
            let sentAt
        else { throw context.problems.first ?? Problem(.invalidJSON, field: "STATUS", "unreadable") }
        return DaemonStatus(
            applied: UInt64(applied), epoch: UInt64(epoch), viewHash: hash, outboxBacklog: Int(backlog),
            oldestQueuedMs: oldest, pid: Int32(pid), sentAt: sentAt)
    }
}
