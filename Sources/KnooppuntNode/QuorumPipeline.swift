import DequeModule
import KnooppuntCore

/// The active replica's commits through etcd, without I/O: the entries of batches already
/// in its own store wait here, in order, until etcd has them; a batch may be acknowledged
/// once every one of its entries is committed.
///
/// Up to ``maximumInFlight`` fenced commits are in flight at once, each built on the last
/// entry of the one before (``Fence/commit(_:after:)``). Their requests may reach etcd in any
/// order, yet etcd applies them only in log order: each compares that the entry before its
/// own was created in this epoch, which only its predecessor writes, and that its own first
/// key does not exist. A commit that arrives early is refused and sent again; a success
/// tells that every commit before it was applied too, so its answer releases their batches
/// as well. ACKs therefore go out in log order and only for what etcd committed.
///
/// The loop feeds it batches (``append(_:batch:)``), sends what ``nextCommit()`` builds
/// while it builds any, and hands back each commit's answer (``answered(_:_:)``) or failure
/// (``failed(_:)``, the outcome unknown). After a refusal or a failure nothing new is sent
/// until every commit in flight has answered; after a failure, or a refusal that does not
/// prove that nothing was written, the loop then reads the log after the tip
/// (``startRead()``) and hands what it found to ``reconcile(found:)``.
struct QuorumPipeline {
    enum Outcome: Equatable {
        /// Entries up to the tip are in etcd; these batches (oldest first) may be acknowledged.
        case committed(batches: [UInt64])
        /// Another replica holds the role: acknowledge nothing more, become a follower.
        case fenced
        /// Nothing to release now.
        case none
    }

    /// The most fenced commits in flight at once, by default. Several in flight let etcd group
    /// them into one raft round, but their HTTP requests overtake each other on the way, and
    /// each one that arrives before its predecessor is refused and sent again: with 4 in
    /// flight, over half of what the active sent at full load was sent twice. One commit at a
    /// time of up to ``Fence/maximumEntriesPerCommit`` entries measured faster, with nothing
    /// resent (docs/BENCHMARKS.md, the quorum's section).
    static let defaultMaximumInFlight = 1
    /// This pipeline's limits (tests exercise several in flight and smaller commits).
    let maximumInFlight: Int
    let maximumEntriesPerCommit: Int

    private(set) var fence: Fence
    /// Entries in the local store and not yet in etcd, oldest first; the first has the index
    /// after the tip.
    private(set) var waiting: Deque<[UInt8]> = []
    /// The index of each waiting batch's last entry, oldest first.
    private(set) var batchEnds: Deque<(batch: UInt64, last: UInt64)> = []
    /// The commits sent and not yet answered, in log order.
    private(set) var inFlight: Deque<Fence.Commit> = []
    /// A commit was refused or failed: nothing new is sent until ``inFlight`` is empty.
    private(set) var holding = false
    /// ...and then the log after the tip is read before anything is sent again.
    private(set) var mustRead = false
    private(set) var reading = false
    /// Set when the log holds entries this replica did not write in its epoch.
    private(set) var lost = false
    /// The last entry of the last batch released, and the revision that wrote it: where this
    /// replica's store surely agrees with etcd.
    private(set) var released: (index: UInt64, revision: Int64)?

    init(
        fence: Fence, maximumInFlight: Int = defaultMaximumInFlight,
        maximumEntriesPerCommit: Int = Fence.maximumEntriesPerCommit
    ) {
        precondition(maximumInFlight >= 1, "at least one commit is in flight")
        precondition(
            (1...Fence.maximumEntriesPerCommit).contains(maximumEntriesPerCommit),
            "a commit holds 1...\(Fence.maximumEntriesPerCommit) entries")
        self.fence = fence
        self.maximumInFlight = maximumInFlight
        self.maximumEntriesPerCommit = maximumEntriesPerCommit
    }

    /// The last entry committed in etcd as far as this replica knows; nil once fenced.
    var tip: Fence.Tip? {
        guard !lost, case .active(let tip) = fence.state else { return nil }
        return tip
    }

    var isFenced: Bool { tip == nil }

    /// Queues a batch's entries (at least one) behind the waiting ones.
    mutating func append(_ entries: [[UInt8]], batch: UInt64) {
        precondition(!entries.isEmpty, "a batch adds at least one entry")
        guard let tip else { return }
        waiting.append(contentsOf: entries)
        batchEnds.append((batch, tip.sequence + UInt64(waiting.count)))
    }

    /// The last entry the commits in flight write (the tip when none is in flight).
    private var sentThrough: UInt64 {
        guard let tip else { return 0 }
        return inFlight.last.map(Self.end) ?? tip.sequence
    }

    static func end(_ commit: Fence.Commit) -> UInt64 { commit.base.sequence + UInt64(commit.puts.count) }

    /// The oldest waiting entries no commit in flight holds, within etcd's limits, as the next
    /// commit; nil while ``maximumInFlight`` are in flight, while holding, when nothing more
    /// waits, once fenced, or when the next entry alone is over ``Fence/maximumCommitBytes``
    /// (see ``oversized``).
    mutating func nextCommit() -> Fence.Commit? {
        guard let tip, !holding, inFlight.count < maximumInFlight, !oversized else { return nil }
        let base = sentThrough
        let offset = Int(base - tip.sequence)
        guard offset < waiting.count else { return nil }
        var entries: [[UInt8]] = []
        var bytes = 0
        for entry in waiting[offset...] {
            guard entries.count < maximumEntriesPerCommit,
                bytes + entry.count <= Fence.maximumCommitBytes
            else { break }
            entries.append(entry)
            bytes += entry.count
        }
        guard let commit = fence.commit(entries, after: base) else { return nil }
        inFlight.append(commit)
        return commit
    }

    /// The next entry to send cannot be committed at all: it alone is over the byte limit.
    var oversized: Bool {
        guard let tip else { return false }
        let offset = Int(sentThrough - tip.sequence)
        return waiting.indices.contains(offset) && waiting[offset].count > Fence.maximumCommitBytes
    }

    /// etcd answered `commit`. An answer to a commit no longer in flight (one that a later
    /// commit's success already covered) changes nothing.
    mutating func answered(_ commit: Fence.Commit, _ answer: Fence.Answer) -> Outcome {
        guard let old = tip, let position = inFlight.firstIndex(of: commit) else {
            return isFenced ? .fenced : .none
        }
        inFlight.remove(at: position)
        switch fence.decide(commit, answer) {
        case .committed(let next):
            // etcd applied every commit before this one first: their answers no longer matter.
            while let first = inFlight.first, Self.end(first) <= next.sequence { inFlight.removeFirst() }
            return advance(to: next, committed: Int(next.sequence - old.sequence)) { _ in next.modRevision }
        case .fenced:
            return .fenced
        case .conflict:
            holding = true
            // A pipelined commit whose predecessor's entry did not exist yet wrote nothing and
            // proves nothing else was written after it: sent again once the rest answered.
            // Any other refusal (its own first key exists: a commit whose answer was lost?)
            // needs the log read.
            if !(commit.isPipelined && answer.lastEntryModRevision == 0) { mustRead = true }
            return .none
        }
    }

    /// `commit` failed without an answer (no member reached, no majority): its outcome is
    /// unknown. Once every commit in flight answered, the log after the tip is read; the
    /// compares make sending the same entries again safe, whatever that read missed.
    mutating func failed(_ commit: Fence.Commit) {
        guard let position = inFlight.firstIndex(of: commit) else { return }
        inFlight.remove(at: position)
        holding = true
        mustRead = true
    }

    /// True once nothing is in flight after a refusal without a read due: sending may go on.
    mutating func resumeIfSettled() {
        if holding, !mustRead, inFlight.isEmpty { holding = false }
    }

    /// When a read of the log is due now (every commit in flight answered after a failure or
    /// a conflict): the index to read after, and the read is marked as running.
    mutating func startRead() -> UInt64? {
        guard let tip, mustRead, !reading, inFlight.isEmpty else { return nil }
        reading = true
        return tip.sequence
    }

    /// After a read: the entries the log holds after the tip, in order, with the revision
    /// that wrote each. Those equal to the waiting entries were this replica's own (commits
    /// whose answers were lost): they count as committed. Anything else was written by
    /// another replica: this one has lost the role.
    mutating func reconcile(found: [(value: [UInt8], modRevision: Int64)]) -> Outcome {
        guard let tip, inFlight.isEmpty else { return isFenced ? .fenced : .none }
        reading = false
        mustRead = false
        holding = false
        guard found.count <= waiting.count,
            zip(found, waiting).allSatisfy({ $0.value == $1 })
        else {
            lost = true
            return .fenced
        }
        guard let last = found.last else { return .none }
        let next = Fence.Tip(sequence: tip.sequence + UInt64(found.count), modRevision: last.modRevision)
        fence.resync(to: next)
        return advance(to: next, committed: found.count) { index in
            let offset = Int(index) - Int(tip.sequence) - 1
            return found.indices.contains(offset) ? found[offset].modRevision : last.modRevision
        }
    }

    /// `revision` gives the revision of an entry committed now (its index after the old tip).
    private mutating func advance(
        to tip: Fence.Tip, committed: Int, revision: (UInt64) -> Int64
    ) -> Outcome {
        waiting.removeFirst(min(committed, waiting.count))
        var batches: [UInt64] = []
        while let first = batchEnds.first, first.last <= tip.sequence {
            let end = batchEnds.removeFirst()
            batches.append(end.batch)
            released = (end.last, revision(end.last))
        }
        return .committed(batches: batches)
    }
}
