import DequeModule
import KnooppuntCore

/// The active replica's commits through etcd, without I/O: the entries of batches already
/// in its own store wait here, in order, until etcd has them; one fenced commit is in flight
/// at a time (each is built on the tip the previous one produced, whose revision only its
/// answer tells), and a batch may be acknowledged once every one of its entries is committed.
///
/// The loop feeds it batches (``append(_:batch:)``), sends what ``nextCommit()`` builds,
/// and hands back etcd's answer (``answered(_:)``), a failure (``failed()``, the outcome
/// unknown), or after a conflict the entries found in the log (``reconcile(found:)``).
struct QuorumPipeline {
    enum Outcome: Equatable {
        /// Entries up to the tip are in etcd; these batches (oldest first) may be acknowledged.
        case committed(batches: [UInt64])
        /// Another replica holds the role: acknowledge nothing more, become a follower.
        case fenced
        /// The log is not where this commit was built: read the entries after `tip` and
        /// ``reconcile(found:)``.
        case conflict(after: Fence.Tip)
        /// Nothing to do (an answer that no longer matters).
        case none
    }

    private(set) var fence: Fence
    /// Entries in the local store and not yet in etcd, oldest first; the first has the index
    /// after the tip.
    private(set) var waiting: Deque<[UInt8]> = []
    /// The index of each waiting batch's last entry, oldest first.
    private(set) var batchEnds: Deque<(batch: UInt64, last: UInt64)> = []
    /// The commit sent and not yet answered.
    private(set) var inFlight: Fence.Commit?
    /// Set when the log holds entries this replica did not write in its epoch.
    private(set) var lost = false
    /// The last entry of the last batch released, and the revision that wrote it: where this
    /// replica's store surely agrees with etcd.
    private(set) var released: (index: UInt64, revision: Int64)?

    init(fence: Fence) { self.fence = fence }

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

    /// The next commit to send: the oldest waiting entries within etcd's limits; nil while
    /// one is in flight, when nothing waits, once fenced, or when the oldest entry alone is
    /// over ``Fence/maximumCommitBytes`` (see ``oversized``).
    mutating func nextCommit() -> Fence.Commit? {
        guard inFlight == nil, !isFenced, !waiting.isEmpty, !oversized else { return nil }
        var entries: [[UInt8]] = []
        var bytes = 0
        for entry in waiting {
            guard entries.count < Fence.maximumEntriesPerCommit,
                bytes + entry.count <= Fence.maximumCommitBytes
            else { break }
            entries.append(entry)
            bytes += entry.count
        }
        inFlight = fence.commit(entries)
        return inFlight
    }

    /// The oldest waiting entry cannot be committed at all: it alone is over the byte limit.
    var oversized: Bool { (waiting.first?.count ?? 0) > Fence.maximumCommitBytes }

    /// etcd answered the commit in flight.
    mutating func answered(_ answer: Fence.Answer) -> Outcome {
        guard let commit = inFlight else { return .none }
        inFlight = nil
        switch fence.decide(commit, answer) {
        case .committed(let tip):
            // Every entry of the commit was written at the answer's revision.
            return advance(to: tip, committed: commit.puts.count) { _ in tip.modRevision }
        case .fenced:
            return .fenced
        case .conflict:
            return .conflict(after: commit.base)
        }
    }

    /// The commit in flight failed without an answer (no member reached, no majority): its
    /// outcome is unknown. The next ``nextCommit()`` sends it again; its compares make that
    /// safe, and a conflict then tells that the first one did commit.
    mutating func failed() { inFlight = nil }

    /// After a conflict: the entries the log holds after the tip, in order, with the revision
    /// that wrote each. Those equal to the waiting entries were this replica's own (a commit
    /// whose answer was lost): they count as committed. Anything else was written by another
    /// replica: this one has lost the role.
    mutating func reconcile(found: [(value: [UInt8], modRevision: Int64)]) -> Outcome {
        guard let tip, inFlight == nil else { return isFenced ? .fenced : .none }
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
