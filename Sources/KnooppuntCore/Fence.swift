/// The fencing rule of the replicated node, without I/O: every commit to the log in etcd is a
/// transaction that holds only while
///
/// 1. the committer's election key still exists with the create revision it was elected with
///    (its epoch): a replica whose lease expired or was revoked has lost that key, and a key
///    made later has a higher create revision, so a stale active can never pass this compare;
/// 2. the log's last entry is the one the committer believes is last (same mod revision), and
///    the next sequence's key does not exist yet: two committers can never both write a
///    sequence, and a committer that missed a commit cannot write over a gap.
///
/// Several commits may be in flight at once (``commit(_:after:)``): one built on an entry
/// that an earlier commit of the same epoch writes, whose mod revision only that commit's
/// answer tells, compares instead that this entry exists and was created after the election
/// key (create revision above the epoch). Such an entry can only have been written by this
/// holder in this epoch, and only by the commit before it: every log write compares its
/// writer's election key, no other key under the prefix can commit while this one is the
/// oldest, and the takeover read saw every entry older than the term. So etcd applies a
/// pipelined commit only right after its predecessor, whatever order the requests reach it
/// in, and a success tells that every commit before it in the epoch was applied too. Rule 2
/// keeps its strength: each commit still names the entry it must follow and the key it must
/// not overwrite.
///
/// `Fence` builds those compares for a batch and decides from etcd's answer: committed,
/// fenced (the role is lost: stop acknowledging, forever in this epoch), or conflict (the log
/// is not where this committer believed: read it again before the next commit). The newest
/// log entry is never trimmed away, so rule 2 always has a key to compare.
public struct Fence: Sendable, Hashable {
    /// The last committed entry as the committer believes it: sequence 0 is the empty log.
    public struct Tip: Sendable, Hashable {
        public let sequence: UInt64
        /// The etcd revision that wrote that entry (0 for the empty log).
        public let modRevision: Int64

        public init(sequence: UInt64, modRevision: Int64) {
            self.sequence = sequence
            self.modRevision = modRevision
        }

        public static let empty = Tip(sequence: 0, modRevision: 0)
    }

    /// One compare of a transaction (a key that does not exist has revision 0).
    public struct Compare: Sendable, Hashable {
        public enum Target: Sendable, Hashable {
            case createRevision
            case modRevision
        }
        /// Equal, or (a pipelined commit's predecessor) greater than the value.
        public enum Relation: Sendable, Hashable {
            case equal
            case greater
        }
        public let key: String
        public let target: Target
        public let value: Int64
        public let relation: Relation

        public init(key: String, target: Target, value: Int64, relation: Relation = .equal) {
            self.key = key
            self.target = target
            self.value = value
            self.relation = relation
        }
    }

    /// A write of the success branch.
    public struct Put: Sendable, Hashable {
        public let key: String
        public let value: [UInt8]
    }

    /// The transaction for one batch: compares, the puts that run when they hold, the keys the
    /// failure branch reads (so the answer tells fenced from conflict), and where the log ends
    /// when it commits.
    public struct Commit: Sendable, Hashable {
        public let compares: [Compare]
        public let puts: [Put]
        /// Read when a compare fails: the election key, then the believed last entry.
        public let reads: [String]
        /// The tip this commit was built on.
        public let base: Tip

        /// Built on the last entry of a commit not yet answered (``Fence/commit(_:after:)``):
        /// its base's revision was unknown, so it is 0. A commit on the empty log also has
        /// revision 0 but is not pipelined: there is no entry before it to wait for.
        public var isPipelined: Bool { base.sequence > 0 && base.modRevision == 0 }
    }

    /// What etcd answered to a ``Commit``: whether it ran, its revision, and (when it did not)
    /// what the failure branch read.
    public struct Answer: Sendable, Hashable {
        public let succeeded: Bool
        /// The revision of the transaction (the commit's writes when it succeeded).
        public let revision: Int64
        /// The election key's create revision as read; 0 when it does not exist.
        public let electionCreateRevision: Int64
        /// The believed last entry's mod revision as read; 0 when it does not exist.
        public let lastEntryModRevision: Int64

        public init(
            succeeded: Bool, revision: Int64, electionCreateRevision: Int64, lastEntryModRevision: Int64
        ) {
            self.succeeded = succeeded
            self.revision = revision
            self.electionCreateRevision = electionCreateRevision
            self.lastEntryModRevision = lastEntryModRevision
        }
    }

    public enum Decision: Sendable, Hashable {
        /// On a majority of etcd's members: acknowledge. The log now ends at this tip.
        case committed(Tip)
        /// The election key is gone or newer: another replica holds the role. Stop acknowledging.
        case fenced
        /// Still the holder, but the log is not where this committer believed: read the log's
        /// tip again (``resync(to:)``) before the next commit; nothing of this batch committed.
        case conflict
    }

    public enum State: Sendable, Hashable {
        case active(Tip)
        /// Lost the role; no commit is built any more in this epoch.
        case fenced
    }

    /// The most entries one commit writes. etcd refuses a transaction with more operations in
    /// a branch than its `--max-txn-ops` (128 by default), so the project's members run with
    /// `--max-txn-ops 512` (the harness's `EtcdCluster.maximumTxnOperations`, deploy/'s unit).
    /// Fewer, larger commits measured faster than more in flight at once: one raft round and
    /// one fsync on a majority carry up to 512 reports (docs/BENCHMARKS.md, the quorum's section).
    public static let maximumEntriesPerCommit = 512
    /// The most value bytes one commit writes: the gateway sends them in base64 (4/3 larger)
    /// and etcd refuses a request over 1.5 MiB (`--max-request-bytes`).
    public static let maximumCommitBytes = 1_024 * 1_024

    /// True when `entries` fit one commit (callers split larger batches).
    public static func fits(_ entries: [[UInt8]]) -> Bool {
        !entries.isEmpty && entries.count <= maximumEntriesPerCommit
            && entries.reduce(0) { $0 + $1.count } <= maximumCommitBytes
    }

    public let layout: Layout
    /// The committer's election key and its create revision (the epoch).
    public let electionKey: String
    public let epoch: Int64
    public private(set) var state: State

    public init(layout: Layout, electionKey: String, epoch: Int64, tip: Tip) {
        precondition(epoch > 0, "an epoch is a create revision, never 0")
        self.layout = layout
        self.electionKey = electionKey
        self.epoch = epoch
        self.state = .active(tip)
    }

    /// The transaction that appends `entries` after the tip; nil once fenced.
    public func commit(_ entries: [[UInt8]]) -> Commit? {
        guard case .active(let tip) = state else { return nil }
        return commit(entries, after: tip.sequence)
    }

    /// The transaction that appends `entries` after entry `base`: the tip, or (a pipeline)
    /// the last entry of a commit of this epoch still in flight; nil once fenced or when
    /// `base` is before the tip. On the tip it compares the tip's mod revision; past the tip,
    /// that entry `base` was created in this epoch (see the type's comment).
    public func commit(_ entries: [[UInt8]], after base: UInt64) -> Commit? {
        guard case .active(let tip) = state, base >= tip.sequence else { return nil }
        precondition(
            Self.fits(entries),
            "a commit writes 1...\(Self.maximumEntriesPerCommit) entries within the byte limit")
        var compares = [Compare(key: electionKey, target: .createRevision, value: epoch)]
        let last = layout.entryKey(base)
        if base == tip.sequence {
            if base > 0 { compares.append(Compare(key: last, target: .modRevision, value: tip.modRevision)) }
        } else {
            compares.append(Compare(key: last, target: .createRevision, value: epoch, relation: .greater))
        }
        compares.append(Compare(key: layout.entryKey(base + 1), target: .createRevision, value: 0))
        let puts = entries.enumerated().map { offset, value in
            Put(key: layout.entryKey(base + 1 + UInt64(offset)), value: value)
        }
        // A pipelined commit's base revision is not known yet: 0 until its predecessor answers.
        let baseTip = base == tip.sequence ? tip : Tip(sequence: base, modRevision: 0)
        return Commit(compares: compares, puts: puts, reads: [electionKey, last], base: baseTip)
    }

    /// Decides from etcd's answer to `commit` and moves the state on. A commit built past the
    /// tip (pipelined) that succeeded moves the tip over every commit before it as well: etcd
    /// applied it only after them.
    public mutating func decide(_ commit: Commit, _ answer: Answer) -> Decision {
        guard case .active(let tip) = state else { return .fenced }
        if !answer.succeeded, answer.electionCreateRevision != epoch {
            state = .fenced
            return .fenced
        }
        // An answer to a commit built on an older tip (answered late, after a resync) can only
        // send the committer back to read the log; it is never acknowledged from here.
        // A pipelined commit (its base's revision unknown when built) counts while its base is
        // at or past the tip: its predecessor's answer may have come first.
        let pipelined = commit.isPipelined && commit.base.sequence >= tip.sequence
        guard answer.succeeded, commit.base == tip || pipelined else { return .conflict }
        let next = Tip(
            sequence: commit.base.sequence + UInt64(commit.puts.count), modRevision: answer.revision)
        state = .active(next)
        return .committed(next)
    }

    /// After a conflict: the log's tip as read from etcd.
    public mutating func resync(to tip: Tip) {
        guard case .active = state else { return }
        state = .active(tip)
    }
}
