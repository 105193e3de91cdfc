import KnooppuntDomain
import StrictJSON

/// The national node's answer to STATUS on its owner-only control socket: the node's state,
/// its part in the quorum on etcd, and its liveness board (every party it knows). The node encodes it, clients
/// (`status`, `watch`, the desk's liveness board) decode it. The JSON on the wire is what
/// other tools read: ``json`` writes exactly the keys the node always wrote.
public struct NodeStatus: Sendable, Hashable {
    /// The role the node announces (`active`, `passive`, `standalone`, ...).
    public var role: String
    public var epoch: Epoch
    public var degraded: Bool
    public var lastSequence: SequenceNumber
    public var pid: Int64
    public var entries: Int64
    public var publicViewHash: String
    /// The liveness board, by organisation code.
    public var parties: [String: Party]
    /// Refusals by error code.
    public var refusals: [String: Int64]
    /// The node's clock, ms since 1970.
    public var time: Int64
    /// The node's security counters, as the node writes them.
    public var security: JSONValue
    public var audit: Audit
    public var policy: String
    public var synchronous: Int64
    public var commits: Commits
    /// A replica on etcd: its part in the quorum; nil (absent from the JSON) without etcd.
    public var quorum: Quorum?
    /// The stream to the parties; nil from a node that does not report it.
    public var stream: Stream?

    /// One party on the liveness board: what the node knows of it, and what its last STATUS
    /// said (nil until one arrived).
    public struct Party: Sendable, Hashable {
        public var connected: Bool
        /// The party's view of the picture as the node holds it.
        public var nodeViewHash: String
        public var lastHeardMsAgo: Int64?
        public var lastHeardAt: Int64?
        public var applied: SequenceNumber?
        public var viewHash: String?
        public var outboxBacklog: Int64?
        public var oldestQueuedMs: Int64?
        public var pid: Int64?
        public var clockSkewMs: Int64?
        public var lag: Int64?
        public var converged: Bool?
        public var role: String?

        public init(connected: Bool, nodeViewHash: String) {
            self.connected = connected
            self.nodeViewHash = nodeViewHash
        }
    }

    public struct Audit: Sendable, Hashable {
        public var head: Int64
        public var headHash: String
        public var checkpointed: Int64
        public var waiting: Int64
        public init(head: Int64, headHash: String, checkpointed: Int64, waiting: Int64) {
            self.head = head
            self.headHash = headHash
            self.checkpointed = checkpointed
            self.waiting = waiting
        }
    }

    /// A replica's view of the log in etcd (docs/PROTOCOL.md §12.1).
    public struct Quorum: Sendable, Hashable {
        /// `active`, `following` or `takingOver` (won the election, reading the log's tail).
        public var role: String
        /// The epoch of the role it holds (its election key's create revision); 0 when following.
        public var epoch: Int64
        /// The last log entry this replica's store holds (committed by etcd).
        public var logIndex: UInt64
        /// The log's entries up to here were trimmed from etcd (0: none yet).
        public var trimmedThrough: UInt64
        /// etcd's members that answered the last status round, of how many.
        public var membersReachable: Int64
        public var members: Int64
        /// The largest member's database file, in bytes.
        public var dbSize: Int64
        /// Alarms raised in etcd (`NOSPACE`, `CORRUPT`).
        public var alarms: [String]
        /// etcd's space quota is reached: new reports are refused with E500 until it is freed.
        public var spaceFull: Bool
        /// Log entries this replica applied as a follower since it started, and in how many
        /// store transactions (one fsync each).
        public var appliedEntries: Int64 = 0
        public var applyTransactions: Int64 = 0
        /// As active since it started: the fenced transactions sent to etcd, the log entries
        /// and reports they committed, their summed round trip (microseconds), and the batches
        /// acknowledged after them with their summed wait from the batch's commit to this
        /// store until its ACKs (microseconds): where an ACK waits (docs/BENCHMARKS.md).
        public var commitTransactions: Int64 = 0
        public var committedEntries: Int64 = 0
        public var committedReports: Int64 = 0
        /// The value bytes those transactions wrote (each commit writes one log entry).
        public var committedBytes: Int64 = 0
        public var commitMicroseconds: Int64 = 0
        public var releasedBatches: Int64 = 0
        public var releaseWaitMicroseconds: Int64 = 0
        /// The most fenced transactions in flight at once.
        public var mostInFlight: Int64 = 0

        public init(
            role: String, epoch: Int64, logIndex: UInt64, trimmedThrough: UInt64, membersReachable: Int64,
            members: Int64, dbSize: Int64, alarms: [String], spaceFull: Bool
        ) {
            self.role = role
            self.epoch = epoch
            self.logIndex = logIndex
            self.trimmedThrough = trimmedThrough
            self.membersReachable = membersReachable
            self.members = members
            self.dbSize = dbSize
            self.alarms = alarms
            self.spaceFull = spaceFull
        }
    }

    public struct Commits: Sendable, Hashable {
        public var batches: Int64
        public var reports: Int64
        public var milliseconds: Int64
        public init(batches: Int64, reports: Int64, milliseconds: Int64) {
            self.batches = batches
            self.reports = reports
            self.milliseconds = milliseconds
        }
    }

    /// How far the node's stream to the parties is behind. libzmq does not tell how many
    /// messages wait in one party's queue; the node knows which parties it sends from the log
    /// instead of live, how far behind they are, and how often a live send found a queue full.
    public struct Stream: Sendable, Hashable {
        /// Parties that said HELLO and receive the stream.
        public var subscribed: Int64
        /// Of them, those sent to from the log (a snapshot, or catching up because their
        /// queue was full) rather than live.
        public var catchingUp: Int64
        /// The most committed updates one party has not yet been handed (in its queue or not).
        public var mostBehind: Int64
        /// Live updates that found a party's send queue full since the node started.
        public var queueFull: Int64

        public init(subscribed: Int64, catchingUp: Int64, mostBehind: Int64, queueFull: Int64) {
            self.subscribed = subscribed
            self.catchingUp = catchingUp
            self.mostBehind = mostBehind
            self.queueFull = queueFull
        }
    }

    public init(
        role: String, epoch: Epoch, degraded: Bool, lastSequence: SequenceNumber, pid: Int64,
        entries: Int64, publicViewHash: String, parties: [String: Party], refusals: [String: Int64],
        time: Int64,
        security: JSONValue, audit: Audit, policy: String, synchronous: Int64, commits: Commits,
        quorum: Quorum? = nil
    ) {
        self.role = role
        self.epoch = epoch
        self.degraded = degraded
        self.lastSequence = lastSequence
        self.pid = pid
        self.entries = entries
        self.publicViewHash = publicViewHash
        self.parties = parties
        self.refusals = refusals
        self.time = time
        self.security = security
        self.audit = audit
        self.policy = policy
        self.synchronous = synchronous
        self.commits = commits
        self.quorum = quorum
    }

    /// Whether the node serves clients: active, or alone.
    public var isServing: Bool { ["active", "standalone"].contains(role) }

    /// Per organisation, the sequence its daemon reported applied: what "delivered" means.
    public var appliedByParty: [OrganisationCode: SequenceNumber] {
        var applied: [OrganisationCode: SequenceNumber] = [:]
        for (code, party) in parties {
            if let organisation = OrganisationCode(code), let value = party.applied {
                applied[organisation] = value
            }
        }
        return applied
    }
}
