import KnooppuntDomain
import StrictJSON

/// The first frame of every KNP/1 message.
public let protocolSignature: [UInt8] = Array("KNP1".utf8)

/// The national node's role, as its heartbeats say.
public enum NodeRole: String, Sendable, Hashable, CaseIterable {
    /// Accepts submits and serves the picture.
    case active
    /// A replica following etcd's log: refuses submits (`E502`), never heartbeats as active.
    case passive
    /// A node alone, without replicas.
    case standalone
}

/// Which node a national node is configured as: the primary (also the node alone), the backup
/// or the third replica on etcd (the name is older than the replicas).
public enum PairRole: String, Sendable, Hashable, CaseIterable {
    case primary, backup, third
}

/// What kind of daemon says HELLO.
public enum DaemonRole: String, Sendable, Hashable, CaseIterable {
    case region, nctv, police, desk, watch
}

/// The node's answer to an accepted (or already accepted) report.
public struct Ack: Sendable, Hashable {
    public var reportID: ReportID
    public var epoch: Epoch
    public var sequence: SequenceNumber
    public var originSeq: UInt64
    /// This report was accepted before; the ACK repeats its original epoch and sequence.
    public var duplicate: Bool
    /// KNP/1's `degraded` flag: durable on one node only. Only the retired hot-standby pair
    /// set it; no node of this release does, and `knooppunt chaos` fails on one that does.
    public var degraded: Bool

    public init(
        reportID: ReportID, epoch: Epoch, sequence: SequenceNumber, originSeq: UInt64,
        duplicate: Bool = false,
        degraded: Bool = false
    ) {
        self.reportID = reportID
        self.epoch = epoch
        self.sequence = sequence
        self.originSeq = originSeq
        self.duplicate = duplicate
        self.degraded = degraded
    }
}

/// One committed report in a receiver's view, with its place in the global order.
public struct Update: Sendable, Hashable {
    public var sequence: SequenceNumber
    public var epoch: Epoch
    /// The node's clock at commit, milliseconds since 1970 (UTC).
    public var committedAt: Int64
    public var report: SealedReport

    public init(sequence: SequenceNumber, epoch: Epoch, committedAt: Int64, report: SealedReport) {
        self.sequence = sequence
        self.epoch = epoch
        self.committedAt = committedAt
        self.report = report
    }
}

public struct Heartbeat: Sendable, Hashable {
    public var role: NodeRole
    public var epoch: Epoch
    public var lastSequence: SequenceNumber
    /// The node's clock, ms since 1970: receivers compare it with their own to show skew.
    public var nodeTime: Int64
    /// KNP/1's `degraded` flag (acknowledging alone); never set since the pair was retired.
    public var degraded: Bool

    public init(
        role: NodeRole, epoch: Epoch, lastSequence: SequenceNumber, nodeTime: Int64, degraded: Bool = false
    ) {
        self.role = role
        self.epoch = epoch
        self.lastSequence = lastSequence
        self.nodeTime = nodeTime
        self.degraded = degraded
    }
}

/// What a daemon tells the node every second: the basis of the liveness board and of
/// "delivered".
public struct DaemonStatus: Sendable, Hashable {
    public var applied: SequenceNumber
    public var epoch: Epoch
    /// The daemon's view hash at `applied` (hex).
    public var viewHash: String
    public var outboxBacklog: Int
    /// Age of the oldest queued report, ms (0 when none is queued).
    public var oldestQueuedMs: Int64
    public var pid: Int32
    /// The daemon's clock when it sent this, ms since 1970.
    public var sentAt: Int64

    public init(
        applied: SequenceNumber, epoch: Epoch, viewHash: String, outboxBacklog: Int, oldestQueuedMs: Int64,
        pid: Int32,
        sentAt: Int64
    ) {
        self.applied = applied
        self.epoch = epoch
        self.viewHash = viewHash
        self.outboxBacklog = outboxBacklog
        self.oldestQueuedMs = oldestQueuedMs
        self.pid = pid
        self.sentAt = sentAt
    }

    public var json: JSONValue {
        [
            "applied": .integer(Int64(clamping: applied)), "epoch": .integer(Int64(clamping: epoch)),
            "viewHash": .string(viewHash), "outboxBacklog": .integer(Int64(outboxBacklog)),
            "oldestQueuedMs": .integer(oldestQueuedMs), "pid": .integer(Int64(pid)),
            "sentAt": .integer(sentAt),
        ]
    }
}

/// Daemon → node messages on the node endpoint.
public enum ClientMessage: Sendable, Hashable {
    /// Start (or restart) the picture stream after `applied`; a node that is not active refuses
    /// it (E502).
    /// `accepts`: what the party can read beyond one message per update (§5.2, §10).
    case hello(applied: SequenceNumber, epoch: Epoch, role: DaemonRole, accepts: StreamFeatures = [])
    /// Register for heartbeats without subscribing (sent to every node replica).
    case attach(applied: SequenceNumber, epoch: Epoch, role: DaemonRole)
    case submit(SealedReport)
    case fetch(from: SequenceNumber, to: SequenceNumber)
    case status(DaemonStatus)
}

/// Node → daemon messages on the node endpoint.
public enum ServerMessage: Sendable, Hashable {
    case ack(Ack)
    case error(reportID: ReportID?, code: ErrorCode, message: String, detail: JSONValue)
    case update(Update)
    case snapshot(sequence: SequenceNumber, epoch: Epoch, count: Int)
    case entry(Update)
    case snapEnd(sequence: SequenceNumber, epoch: Epoch, viewHash: String)
    case heartbeat(Heartbeat)
    /// `epochStarts`: where each epoch of the node's log starts, so a mirror that applied a
    /// tail the node no longer has can cut its history back to what they share.
    case welcome(
        epoch: Epoch, lastSequence: SequenceNumber, nextOriginSeq: UInt64,
        epochStarts: [EpochStart] = [])
    /// The node's signed audit chain head (docs/PROTOCOL.md §13): daemons keep it, so a chain
    /// rewritten later at the node no longer matches what they hold.
    case auditHead(AuditCheckpoint)
}
