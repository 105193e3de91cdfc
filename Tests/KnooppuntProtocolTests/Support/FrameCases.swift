import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// One message (its frames after the routing id) with the problem we expect.
struct FrameCase: Sendable, CustomTestStringConvertible {
    enum Direction: Sendable { case toNode, toDaemon }

    let name: String
    let direction: Direction
    let frames: [[UInt8]]
    let code: ErrorCode
    let field: String

    var testDescription: String { name }

    /// Decodes the frames the way the receiving side does; nil when they are accepted.
    func decode() -> Problem? {
        do {
            switch direction {
            case .toNode: _ = try Fixtures.messages.decodeClient(frames)
            case .toDaemon: _ = try Fixtures.messages.decodeServer(frames)
            }
            return nil
        } catch {
            return error
        }
    }
}

enum FrameCases {
    static func t(_ text: String) -> [UInt8] { Array(text.utf8) }
    static let knp = t("KNP1")

    static func node(_ name: String, _ frames: [[UInt8]], _ code: ErrorCode, at field: String) -> FrameCase {
        FrameCase(name: name, direction: .toNode, frames: frames, code: code, field: field)
    }

    static func daemon(_ name: String, _ frames: [[UInt8]], _ code: ErrorCode, at field: String) -> FrameCase
    {
        FrameCase(name: name, direction: .toDaemon, frames: frames, code: code, field: field)
    }

    static let grip = Fixtures.seal(Fixtures.sample(.grip))
    static let firstSection = grip.envelope.json["sections"]!.arrayValue![0]
    static let sitrep = Fixtures.seal(Fixtures.sample(.sitrep))

    /// A SUBMIT of the GRIP sample with its envelope JSON edited (not re-signed: decoding
    /// checks the signature's size, verification needs the origin's key).
    static func submitEditing(
        _ path: String, _ value: JSONValue?, of report: SealedReport = grip
    ) -> [[UInt8]] {
        var frames = Fixtures.submit(report)
        frames[2] = JSONWriter.canonical(report.envelope.json.setting(steps(path), to: value))
        return frames
    }

    static func replacing(_ frames: [[UInt8]], _ index: Int, with frame: [UInt8]) -> [[UInt8]] {
        var result = frames
        result[index] = frame
        return result
    }

    static let status: JSONValue = [
        "applied": 42, "epoch": 3, "viewHash": .string(String(repeating: "0", count: 64)), "outboxBacklog": 0,
        "oldestQueuedMs": 0, "pid": 4242, "sentAt": 1_749_631_920_000,
    ]

    static func statusFrames(_ path: String, _ value: JSONValue?) -> [[UInt8]] {
        [knp, t("STATUS"), JSONWriter.canonical(status.setting(steps(path), to: value))]
    }

    static let hello = [knp, t("HELLO"), t("0"), t("0"), t("region")]

    static let toNode: [FrameCase] = {
        let submit = Fixtures.submit(grip)
        let sitrepSubmit = Fixtures.submit(sitrep)
        let section = grip.envelope.sections[0].name
        return [
            node("no frames at all", [], .unsupportedProtocol, at: "frame 0"),
            node("only the protocol frame", [knp], .unsupportedProtocol, at: "frame 0"),
            node("another protocol version", [t("KNP2"), t("HELLO")], .unsupportedProtocol, at: "frame 0"),
            node(
                "65 frames", [knp, t("HELLO")] + Array(repeating: t("0"), count: 63), .tooManyFrames,
                at: "message"),
            node("a command that is not UTF-8", [knp, [0xC3, 0x28]], .unknownCommand, at: "command"),
            node("a command of 17 bytes", [knp, t("HELLOHELLOHELLOHE")], .unknownCommand, at: "command"),
            node("an unknown command", [knp, t("BONJOUR")], .unknownCommand, at: "command"),
            node("a node command sent to the node", [knp, t("ACK")], .unknownCommand, at: "command"),
            node("HELLO with 2 frames", Array(hello.dropLast()), .wrongFrameCount, at: "HELLO"),
            // A fourth part is what the party reads (§5.4); a fifth is too many.
            node("HELLO with 5 frames", hello + [t("batch"), t("x")], .wrongFrameCount, at: "HELLO"),
            node(
                "a number with a leading zero", replacing(hello, 2, with: t("01")), .malformedNumber,
                at: "HELLO.applied"),
            node(
                "a negative number", replacing(hello, 2, with: t("-1")), .malformedNumber, at: "HELLO.applied"
            ),
            node(
                "a number beyond 64 bits", replacing(hello, 2, with: t("18446744073709551616")),
                .malformedNumber,
                at: "HELLO.applied"),
            node("an empty number", replacing(hello, 2, with: []), .malformedNumber, at: "HELLO.applied"),
            node(
                "a number with a space", replacing(hello, 2, with: t(" 1")), .malformedNumber,
                at: "HELLO.applied"),
            node(
                "a number in exponent form", replacing(hello, 3, with: t("1e3")), .malformedNumber,
                at: "HELLO.epoch"),
            node("an unknown role", replacing(hello, 4, with: t("admin")), .unknownValue, at: "HELLO.role"),
            node("FETCH from 0", [knp, t("FETCH"), t("0"), t("5")], .outOfRange, at: "FETCH"),
            node("FETCH backwards", [knp, t("FETCH"), t("6"), t("5")], .outOfRange, at: "FETCH"),
            node(
                "FETCH with 3 numbers", [knp, t("FETCH"), t("1"), t("2"), t("3")], .wrongFrameCount,
                at: "FETCH"),
            node(
                "STATUS that is not JSON", [knp, t("STATUS"), t("{applied: 1}")], .invalidJSON, at: "STATUS"),
            node("STATUS that is a list", [knp, t("STATUS"), t("[]")], .wrongType, at: "STATUS"),
            node("STATUS with an unknown field", statusFrames("extra", 1), .unknownField, at: "STATUS.extra"),
            node("STATUS without pid", statusFrames("pid", nil), .missingField, at: "STATUS.pid"),
            node(
                "STATUS with a short view hash", statusFrames("viewHash", "abc"), .malformedNumber,
                at: "STATUS.viewHash"),
            node("STATUS with a negative pid", statusFrames("pid", -1), .outOfRange, at: "STATUS.pid"),
            node(
                "STATUS with applied as text", statusFrames("applied", "42"), .wrongType, at: "STATUS.applied"
            ),
            node("SUBMIT with 2 frames", Array(submit.prefix(4)), .wrongFrameCount, at: "SUBMIT"),
            node(
                "a signature of 63 bytes", replacing(submit, 3, with: Array(grip.signature.dropLast())),
                .badSignature,
                at: "signature"),
            node(
                "a signature of 65 bytes", replacing(submit, 3, with: grip.signature + [0]), .badSignature,
                at: "signature"),
            node("a missing section frame", Array(sitrepSubmit.dropLast()), .wrongFrameCount, at: "sections"),
            node("an extra section frame", submit + [t("{}")], .wrongFrameCount, at: "sections"),
            node(
                "a section that does not match its digest", replacing(submit, 4, with: t("{}")),
                .digestMismatch, at: section),
            node(
                "two sections swapped",
                replacing(replacing(sitrepSubmit, 4, with: sitrepSubmit[5]), 5, with: sitrepSubmit[4]),
                .digestMismatch,
                at: sitrep.envelope.sections[0].name),
            node(
                "a withheld section in a SUBMIT", replacing(submit, 4, with: []), .invalidEnvelope,
                at: section),
            node(
                "an envelope that is not JSON", replacing(submit, 2, with: t("{")), .invalidJSON,
                at: "envelope"),
            node(
                "an envelope of 17 KiB",
                submitEditing("author", .string(String(repeating: "x", count: 17_000))),
                .frameTooLarge, at: "envelope"),
            node(
                "an envelope with an unknown field", submitEditing("priority", 1), .unknownField,
                at: "envelope.priority"),
            node("envelope version 2", submitEditing("v", 2), .unsupportedVersion, at: "envelope.v"),
            node("an envelope without id", submitEditing("id", nil), .missingField, at: "envelope.id"),
            node("an unknown origin", submitEditing("origin", "VR26"), .unknownCode, at: "envelope.origin"),
            node("origin sequence 0", submitEditing("originSeq", 0), .outOfRange, at: "envelope.originSeq"),
            node(
                "a creation time without offset", submitEditing("created", "2025-06-11T10:52:00"),
                .invalidTimestamp,
                at: "envelope.created"),
            node(
                "an unknown report type", submitEditing("type", "rumour"), .unknownValue, at: "envelope.type"),
            node(
                "an envelope without exercise flag", submitEditing("exercise", nil), .missingField,
                at: "envelope.exercise"),
            node(
                "a salt of 33 hex digits",
                submitEditing("sections[0].salt", .string(String(repeating: "a", count: 33))),
                .tooLong, at: "envelope.sections[0].salt"),
            node(
                "a salt of 31 hex digits",
                submitEditing("sections[0].salt", .string(String(repeating: "a", count: 31))),
                .invalidEnvelope, at: "envelope.sections[0].salt"),
            node(
                "a salt of 30 hex digits",
                submitEditing("sections[0].salt", .string(String(repeating: "a", count: 30))),
                .invalidEnvelope, at: "envelope.sections[0].salt"),
            node(
                "a digest in capitals",
                submitEditing(
                    "sections[0].digest", .string(Hex.encode(grip.envelope.sections[0].digest).uppercased())),
                .invalidEnvelope, at: "envelope.sections[0].digest"),
            node(
                "an unknown section class", submitEditing("sections[0].class", "secret"), .unknownValue,
                at: "envelope.sections[0].class"),
            node(
                "a section not defined for the type", submitEditing("sections[0].name", "beeld.BRW"),
                .invalidEnvelope,
                at: "envelope.sections[0].name"),
            node(
                "sections out of protocol order",
                {
                    var frames = sitrepSubmit
                    var envelope = sitrep.envelope
                    envelope.sections.swapAt(0, 1)
                    frames[2] = envelope.canonicalBytes
                    return frames
                }(), .invalidEnvelope, at: "envelope.sections[1].name"),
            node(
                "an envelope without sections", submitEditing("sections", []), .invalidEnvelope,
                at: "envelope.sections"),
            node(
                "17 sections",
                submitEditing("sections", .array(Array(repeating: firstSection, count: 17)))
                    + Array(repeating: t("{}"), count: 16), .tooLong, at: "envelope.sections"),
            node(
                "meta on a GRIP change", submitEditing("meta", ["confidence": "low"]), .invalidEnvelope,
                at: "envelope.meta"),
            node(
                "meta that names the report id",
                submitEditing("meta.id", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", of: sitrep),
                .invalidEnvelope, at: "envelope.meta.id"),
            node(
                "an exercise flag the key does not show", submitEditing("exercise", true), .invalidEnvelope,
                at: "envelope.key"),
            node(
                "a GRIP change without incident", submitEditing("incident", nil), .invalidEnvelope,
                at: "envelope.incident"),
            node(
                "an acknowledgement without subject",
                {
                    let ack = Fixtures.seal(Fixtures.sample(.ack))
                    return submitEditing("subject", nil, of: ack)
                }(), .invalidEnvelope, at: "envelope.subject"),
        ]
    }()

    static let toDaemon: [FrameCase] = {
        let ack = [knp, t("ACK"), t(Fixtures.subjectID.rawValue), t("2"), t("1001"), t("17"), t("")]
        let error = [knp, t("ERROR"), t(""), t("400"), t("out of order"), t("{}")]
        let update = MessageCodec.encode(
            ServerMessage.update(Update(sequence: 5, epoch: 1, committedAt: 0, report: grip)))
        let snapEnd = [knp, t("SNAPEND"), t("5"), t("1"), t(String(repeating: "a", count: 64))]
        let heartbeat = [knp, t("HEARTBEAT"), t("active"), t("1"), t("5"), t("1749631920000"), t("")]
        return [
            daemon("ACK with 4 frames", Array(ack.dropLast()), .wrongFrameCount, at: "ACK"),
            daemon(
                "ACK for an id that is not a UUID", replacing(ack, 2, with: t("42")), .invalidID, at: "ACK.id"
            ),
            daemon(
                "ACK with an unknown flag", replacing(ack, 6, with: t("duplicate,late")), .unknownValue,
                at: "ACK.flags"),
            daemon(
                "ACK with a word for an epoch", replacing(ack, 3, with: t("two")), .malformedNumber,
                at: "ACK.epoch"),
            daemon(
                "ERROR with an unknown code", replacing(error, 3, with: t("999")), .unknownValue,
                at: "ERROR.code"),
            daemon(
                "ERROR with a word for a code", replacing(error, 3, with: t("E400")), .malformedNumber,
                at: "ERROR.code"),
            daemon(
                "ERROR for an id that is not a UUID", replacing(error, 2, with: t("x")), .invalidID,
                at: "ERROR.id"),
            daemon(
                "ERROR with a message that is not UTF-8", replacing(error, 4, with: [0xFF]), .invalidUTF8,
                at: "ERROR.message"),
            daemon(
                "ERROR with detail that is not JSON", replacing(error, 5, with: t("{")), .invalidJSON,
                at: "ERROR.detail"),
            daemon(
                "ERROR with detail that is a list", replacing(error, 5, with: t("[]")), .wrongType,
                at: "ERROR.detail"),
            daemon("UPDATE with 5 frames", Array(update.prefix(7)), .wrongFrameCount, at: "UPDATE"),
            daemon(
                "UPDATE with a word for its time", replacing(update, 4, with: t("soon")), .malformedNumber,
                at: "UPDATE.committedAt"),
            daemon(
                "UPDATE with a leading zero", replacing(update, 2, with: t("05")), .malformedNumber,
                at: "UPDATE.sequence"),
            daemon(
                "UPDATE with a short signature", replacing(update, 6, with: [1, 2, 3]), .badSignature,
                at: "signature"),
            daemon(
                "ENTRY whose section does not match its digest",
                replacing(replacing(update, 1, with: t("ENTRY")), 7, with: t(#"{"level":"5"}"#)),
                .digestMismatch,
                at: grip.envelope.sections[0].name),
            daemon(
                "SNAPSHOT with 2 frames", [knp, t("SNAPSHOT"), t("5"), t("1")], .wrongFrameCount,
                at: "SNAPSHOT"),
            daemon(
                "SNAPSHOT with a negative count", [knp, t("SNAPSHOT"), t("5"), t("1"), t("-1")],
                .malformedNumber,
                at: "SNAPSHOT.count"),
            daemon(
                "SNAPEND with a hash in capitals",
                replacing(snapEnd, 4, with: t(String(repeating: "A", count: 64))),
                .malformedNumber, at: "SNAPEND.hash"),
            daemon(
                "SNAPEND with 63 hex digits",
                replacing(snapEnd, 4, with: t(String(repeating: "a", count: 63))),
                .malformedNumber, at: "SNAPEND.hash"),
            daemon(
                "HEARTBEAT with an unknown role", replacing(heartbeat, 2, with: t("leader")), .unknownValue,
                at: "HEARTBEAT.role"),
            daemon(
                "HEARTBEAT with an unknown flag", replacing(heartbeat, 6, with: t("busy")), .unknownValue,
                at: "HEARTBEAT.flags"),
            daemon(
                "HEARTBEAT without a time", replacing(heartbeat, 5, with: []), .malformedNumber,
                at: "HEARTBEAT.time"),
            daemon(
                "WELCOME with 2 frames", [knp, t("WELCOME"), t("1"), t("5")], .wrongFrameCount, at: "WELCOME"),
            daemon("a daemon command sent to a daemon", hello, .unknownCommand, at: "command"),
            daemon("an empty first frame", [[], t("ACK")], .unsupportedProtocol, at: "frame 0"),
        ]
    }()

    static let all = toNode + toDaemon
}
