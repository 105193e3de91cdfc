import FramePacking
import KnooppuntDomain
import StrictJSON

/// A report the node refused, as recorded and repeated to a resend.
public struct Rejection: Sendable, Hashable {
    public let reportID: ReportID
    public let origin: OrganisationCode
    public let originSeq: UInt64
    public let problem: Problem
    public let detail: JSONValue

    public init(
        reportID: ReportID, origin: OrganisationCode, originSeq: UInt64, problem: Problem,
        detail: JSONValue = [:]
    ) {
        self.reportID = reportID
        self.origin = origin
        self.originSeq = originSeq
        self.problem = problem
        self.detail = detail
    }
}

/// A refusal as the node's log keeps it: in which epoch, after which global sequence.
/// Refusals use up an origin sequence, so every replica must hold them too.
public struct RejectionRecord: Sendable, Hashable {
    public let rejection: Rejection
    public let epoch: Epoch
    /// The node's last sequence when the refusal was committed (a discarded tail beyond a
    /// sequence discards the refusals after it too).
    public let afterSequence: SequenceNumber
    public let at: Int64

    public init(rejection: Rejection, epoch: Epoch, afterSequence: SequenceNumber, at: Int64) {
        self.rejection = rejection
        self.epoch = epoch
        self.afterSequence = afterSequence
        self.at = at
    }
}

/// Where an epoch's entries start in a node's log (WELCOME tells a daemon, which trims a
/// history the node does not hold).
public struct EpochStart: Sendable, Hashable {
    public let epoch: Epoch
    public let firstSequence: SequenceNumber
    public init(epoch: Epoch, firstSequence: SequenceNumber) {
        self.epoch = epoch
        self.firstSequence = firstSequence
    }
}

/// The value of one entry of the replicated log in etcd (docs/PROTOCOL.md §12): a REPLICATE
/// message of committed items, packed into one byte string. Its format is that of the retired
/// pair link's REPLICATE, unchanged, so a log written by an earlier release reads the same.
public struct LogMessage: Sendable, Hashable {
    /// The committing replica's epoch.
    public var epoch: Epoch
    /// The report sequence at the entry's end.
    public var activeLastSequence: SequenceNumber
    /// Committed log entries, refusals and audit rows, in order.
    public var updates: [Update]
    public var rejections: [RejectionRecord]
    public var audit: [AuditRecord]

    public init(
        epoch: Epoch, activeLastSequence: SequenceNumber, updates: [Update], rejections: [RejectionRecord],
        audit: [AuditRecord] = []
    ) {
        self.epoch = epoch
        self.activeLastSequence = activeLastSequence
        self.updates = updates
        self.rejections = rejections
        self.audit = audit
    }

    /// Most parts in one message (an entry's items are bounded by this).
    public static let maxParts = 4_096

    /// The header's batch field: always 0 (the retired pair link named a batch there; a
    /// reader checks that it is a number and ignores it).
    static let batch: UInt64 = 0

    public var parts: [[UInt8]] {
        func number(_ value: UInt64) -> [UInt8] { Array(String(value).utf8) }
        return [
            protocolSignature, Array("REPLICATE".utf8), number(epoch), number(activeLastSequence),
            number(Self.batch),
        ]
            + Self.replicateItems(updates: updates, rejections: rejections, audit: audit).map(\.part)
    }

    public static func decode(
        _ parts: [[UInt8]], reference: ReferenceData = .builtIn
    ) throws(Problem) -> LogMessage {
        let (command, body) = try MessageCodec.header(parts, limit: maxParts)
        switch command {
        case "REPLICATE":
            guard body.count >= 3 else {
                throw Problem(.wrongFrameCount, field: command, "REPLICATE needs epoch, sequence and batch")
            }
            var updates: [Update] = []
            var rejections: [RejectionRecord] = []
            var audit: [AuditRecord] = []
            for part in body.dropFirst(3) {
                if part.first == UInt8(ascii: "A") {
                    audit.append(try AuditWire.unpack(Array(part.dropFirst())))
                    continue
                }
                guard let kind = part.first,
                    let inner = FramePack.unpack(Array(part.dropFirst()), maxParts: 80)
                else {
                    throw Problem(.wrongFrameCount, field: command, "malformed entry")
                }
                if kind == UInt8(ascii: "U") {
                    updates.append(try ReplicatedUpdate.decode(inner, reference: reference))
                } else if kind == UInt8(ascii: "V") {
                    // An Update with its accepted row: the row's place in the chain, and the
                    // Update says the rest.
                    guard inner.count > AcceptedRowWire.fields else {
                        throw Problem(.wrongFrameCount, field: command, "malformed update")
                    }
                    let update = try ReplicatedUpdate.decode(
                        Array(inner.dropFirst(AcceptedRowWire.fields)), reference: reference)
                    updates.append(update)
                    audit.append(
                        try AcceptedRowWire.unpack(inner.prefix(AcceptedRowWire.fields), update: update))
                } else if kind == UInt8(ascii: "R") {
                    guard inner.count == 9, let id = ReportID(String(decoding: inner[0], as: UTF8.self)),
                        let origin = OrganisationCode(String(decoding: inner[1], as: UTF8.self)),
                        let code = ErrorCode(rawValue: Int(String(decoding: inner[3], as: UTF8.self)) ?? -1),
                        let at = Int64(String(decoding: inner[8], as: UTF8.self))
                    else { throw Problem(.wrongFrameCount, field: command, "malformed refusal") }
                    rejections.append(
                        RejectionRecord(
                            rejection: Rejection(
                                reportID: id, origin: origin,
                                originSeq: try MessageCodec.number(inner[2], "REPLICATE.originSeq"),
                                problem: Problem(
                                    code, field: String(decoding: inner[4], as: UTF8.self),
                                    String(decoding: inner[5], as: UTF8.self))),
                            epoch: try MessageCodec.number(inner[6], "REPLICATE.epoch"),
                            afterSequence: try MessageCodec.number(inner[7], "REPLICATE.after"), at: at))
                } else {
                    throw Problem(.unknownValue, field: command, "unknown entry kind")
                }
            }
            let _: UInt64 = try MessageCodec.number(body[2], "REPLICATE.batch")
            return LogMessage(
                epoch: try MessageCodec.number(body[0], "REPLICATE.epoch"),
                activeLastSequence: try MessageCodec.number(body[1], "REPLICATE.last"), updates: updates,
                rejections: rejections, audit: audit)
        default:
            throw Problem(
                .unknownCommand, field: "command", "unknown command \(command.prefix(20)) in a log entry")
        }
    }
}
