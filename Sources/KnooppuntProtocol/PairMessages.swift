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
/// Refusals use up an origin sequence, so the standby must hold them too.
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

/// Where a node of the pair stands (the Binary Star states of the ZeroMQ Guide, chapter 4).
public enum PairStateName: String, Sendable, Hashable {
    /// Just started; has not yet settled who is active.
    case starting
    /// Accepts submits and serves the picture.
    case active
    /// Hot standby: holds a copy of the log, refuses submits (E502).
    case passive
}

/// What a node's PAIRBEAT tells its peer.
public struct PeerBeat: Sendable, Hashable {
    public var role: PairRole
    public var state: PairStateName
    public var epoch: Epoch
    public var lastSequence: SequenceNumber
    /// A passive still catching up from the log (it may not take over).
    public var syncing: Bool

    public init(
        role: PairRole, state: PairStateName, epoch: Epoch, lastSequence: SequenceNumber, syncing: Bool
    ) {
        self.role = role
        self.state = state
        self.epoch = epoch
        self.lastSequence = lastSequence
        self.syncing = syncing
    }

    /// Who holds more: the later epoch, then the longer log.
    public func isAhead(ofEpoch epoch: Epoch, sequence: SequenceNumber) -> Bool {
        self.epoch != epoch ? self.epoch > epoch : lastSequence > sequence
    }
}

/// Messages between the two national nodes of a pair (docs/PROTOCOL.md §12). Each node sends
/// on its DEALER to the peer's pair ROUTER; every message is one packed frame.
public enum PairMessage: Sendable, Hashable {
    /// Every node, every beat interval: who it is and what it holds.
    case beat(PeerBeat)
    /// Active → passive: committed log entries and refusals, in order, and the active's last
    /// sequence. `batch` names a live batch whose ACKs wait for the answer (0: catch-up).
    /// `audit`: audit rows, only in the log on etcd (the pair copies them with AUDIT).
    case replicate(
        epoch: Epoch, activeLastSequence: SequenceNumber, batch: UInt64, updates: [Update],
        rejections: [RejectionRecord], audit: [AuditRecord] = [])
    /// Passive → active: everything up to `upTo` (and batch `batch`) is durable here.
    case replicated(epoch: Epoch, upTo: SequenceNumber, batch: UInt64)
    /// Passive → active: send the log from `from`; my entry at `from - 1` is of `epochAtPrevious`.
    case sync(from: SequenceNumber, epochAtPrevious: Epoch)
    /// Active → passive: our logs disagree; here is my last sequence and where each of my
    /// epochs starts.
    case rewind(activeLastSequence: SequenceNumber, epochStarts: [EpochStart])
    /// Passive → active: your epoch is over; a later one exists.
    case fenced(epoch: Epoch)
    /// Active → passive: audit rows from `from` on, in order, and the latest signed checkpoint.
    /// `reset`: the passive's chain is not a prefix of ours; it puts its rows aside first.
    case audit(from: UInt64, records: [AuditRecord], checkpoint: AuditCheckpoint?, reset: Bool)
    /// Passive → active: send the audit chain from `from`; my row `from - 1` has `hashBefore`.
    case auditSync(from: UInt64, hashBefore: [UInt8])

    public struct EpochStart: Sendable, Hashable {
        public let epoch: Epoch
        public let firstSequence: SequenceNumber
        public init(epoch: Epoch, firstSequence: SequenceNumber) {
            self.epoch = epoch
            self.firstSequence = firstSequence
        }
    }

    /// Most parts in one pair message (a replication batch is bounded by this).
    public static let maxParts = 4_096

    public var parts: [[UInt8]] {
        func text(_ value: String) -> [UInt8] { Array(value.utf8) }
        func number(_ value: UInt64) -> [UInt8] { Array(String(value).utf8) }
        switch self {
        case .beat(let beat):
            return [
                protocolSignature, text("PAIRBEAT"), text(beat.role.rawValue), text(beat.state.rawValue),
                number(beat.epoch),
                number(beat.lastSequence), text(beat.syncing ? "syncing" : ""),
            ]
        case .replicate(let epoch, let last, let batch, let updates, let rejections, let audit):
            return [protocolSignature, text("REPLICATE"), number(epoch), number(last), number(batch)]
                + Self.replicateItems(updates: updates, rejections: rejections, audit: audit).map(\.part)
        case .replicated(let epoch, let upTo, let batch):
            return [protocolSignature, text("REPLICATED"), number(epoch), number(upTo), number(batch)]
        case .sync(let from, let epoch):
            return [protocolSignature, text("SYNC"), number(from), number(epoch)]
        case .rewind(let last, let starts):
            return [protocolSignature, text("REWIND"), number(last)]
                + starts.flatMap { [number($0.epoch), number($0.firstSequence)] }
        case .fenced(let epoch):
            return [protocolSignature, text("FENCED"), number(epoch)]
        case .audit(let from, let records, let checkpoint, let reset):
            return [protocolSignature, text("AUDIT"), number(from), text(reset ? "reset" : "")]
                + [checkpoint.map { FramePack.pack($0.parts) } ?? []]
                + records.map { AuditWire.pack($0) }
        case .auditSync(let from, let hash):
            return [protocolSignature, text("AUDITSYNC"), number(from), text(Hex.encode(hash))]
        }
    }

    public static func decode(
        _ parts: [[UInt8]], reference: ReferenceData = .builtIn
    ) throws(Problem) -> PairMessage {
        let (command, body) = try MessageCodec.header(parts, limit: maxParts)
        func text(_ index: Int) -> String { String(decoding: body[index], as: UTF8.self) }
        switch command {
        case "PAIRBEAT":
            try MessageCodec.count(body, 5, command)
            guard let role = PairRole(rawValue: text(0)), let state = PairStateName(rawValue: text(1)) else {
                throw Problem(.unknownValue, field: "PAIRBEAT", "unknown role or state")
            }
            return .beat(
                PeerBeat(
                    role: role, state: state, epoch: try MessageCodec.number(body[2], "PAIRBEAT.epoch"),
                    lastSequence: try MessageCodec.number(body[3], "PAIRBEAT.sequence"),
                    syncing: text(4) == "syncing"))
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
            return .replicate(
                epoch: try MessageCodec.number(body[0], "REPLICATE.epoch"),
                activeLastSequence: try MessageCodec.number(body[1], "REPLICATE.last"),
                batch: try MessageCodec.number(body[2], "REPLICATE.batch"), updates: updates,
                rejections: rejections, audit: audit)
        case "REPLICATED":
            try MessageCodec.count(body, 3, command)
            return .replicated(
                epoch: try MessageCodec.number(body[0], "REPLICATED.epoch"),
                upTo: try MessageCodec.number(body[1], "REPLICATED.upTo"),
                batch: try MessageCodec.number(body[2], "REPLICATED.batch"))
        case "SYNC":
            try MessageCodec.count(body, 2, command)
            return .sync(
                from: try MessageCodec.number(body[0], "SYNC.from"),
                epochAtPrevious: try MessageCodec.number(body[1], "SYNC.epoch"))
        case "REWIND":
            guard body.count % 2 == 1 else {
                throw Problem(
                    .wrongFrameCount, field: command, "a sequence, then pairs of epoch and sequence")
            }
            var starts: [EpochStart] = []
            for index in stride(from: 1, to: body.count, by: 2) {
                starts.append(
                    EpochStart(
                        epoch: try MessageCodec.number(body[index], "REWIND.epoch"),
                        firstSequence: try MessageCodec.number(body[index + 1], "REWIND.sequence")))
            }
            return .rewind(
                activeLastSequence: try MessageCodec.number(body[0], "REWIND.last"), epochStarts: starts)
        case "FENCED":
            try MessageCodec.count(body, 1, command)
            return .fenced(epoch: try MessageCodec.number(body[0], "FENCED.epoch"))
        case "AUDIT":
            guard body.count >= 3 else {
                throw Problem(
                    .wrongFrameCount, field: command, "AUDIT needs from, flags and a checkpoint part")
            }
            var checkpoint: AuditCheckpoint?
            if !body[2].isEmpty {
                guard let parts = FramePack.unpack(body[2], maxParts: 8) else {
                    throw Problem(.wrongFrameCount, field: command, "malformed checkpoint")
                }
                checkpoint = try AuditCheckpoint.decode(parts, field: "AUDIT.checkpoint")
            }
            var records: [AuditRecord] = []
            for part in body.dropFirst(3) { records.append(try AuditWire.unpack(part)) }
            return .audit(
                from: try MessageCodec.number(body[0], "AUDIT.from"), records: records,
                checkpoint: checkpoint,
                reset: text(1) == "reset")
        case "AUDITSYNC":
            try MessageCodec.count(body, 2, command)
            guard let hash = Hex.decode(text(1)), hash.count == 32 else {
                throw Problem(.malformedNumber, field: "AUDITSYNC.hash", "expected 64 hex digits")
            }
            return .auditSync(from: try MessageCodec.number(body[0], "AUDITSYNC.from"), hashBefore: hash)
        default:
            throw Problem(
                .unknownCommand, field: "command", "unknown command \(command.prefix(20)) on the pair link")
        }
    }
}
