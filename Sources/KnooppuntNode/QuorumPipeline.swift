import DequeModule
import KnooppuntCore

/// The active replica's commits through etcd, without I/O: the items (updates, refusals) of
/// batches already in its own store wait here, in order, until etcd has them; a batch may be
/// acknowledged once every one of its items is committed. Each commit writes ONE log entry
/// holding every waiting item that fits (``QuorumEntry``, within ``Fence/maximumCommitBytes``
/// and ``maximumItemsPerEntry``); what does not fit goes in the next commit.
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
    /// This pipeline's limits (tests exercise several in flight and smaller entries).
    let maximumInFlight: Int
    let maximumItemsPerEntry: Int

    private(set) var fence: Fence
    /// Items in the local store and not yet in etcd, oldest first; the first goes in the
    /// entry after the tip.
    private(set) var waiting: Deque<QuorumEntry.Item> = []
    /// How many items each entry after the tip holds, as built (the commits in flight, and
    /// those whose outcome is not known yet), in log order.
    private(set) var built: Deque<Int> = []
    /// Items committed since this pipeline began: the count before ``waiting``'s first.
    private var itemsCommitted: UInt64 = 0
    /// The number (in ``itemsCommitted``'s count) of each waiting batch's last item, oldest first.
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
    /// The entry holding the last item of the last batch released, the revision that wrote
    /// it, and the report sequence at that entry's end: where this replica's store surely
    /// agrees with etcd (the store holds every item of that entry: all were in it first).
    private(set) var released: (index: UInt64, revision: Int64, sequence: UInt64)?

    init(
        fence: Fence, maximumInFlight: Int = defaultMaximumInFlight,
        maximumItemsPerEntry: Int = QuorumEntry.maximumItems
    ) {
        precondition(maximumInFlight >= 1, "at least one commit is in flight")
        precondition(
            (1...QuorumEntry.maximumItems).contains(maximumItemsPerEntry),
            "an entry holds 1...\(QuorumEntry.maximumItems) items")
        self.fence = fence
        self.maximumInFlight = maximumInFlight
        self.maximumItemsPerEntry = maximumItemsPerEntry
    }

    /// The last entry committed in etcd as far as this replica knows; nil once fenced.
    var tip: Fence.Tip? {
        guard !lost, case .active(let tip) = fence.state else { return nil }
        return tip
    }

    var isFenced: Bool { tip == nil }

    /// Queues a batch's items (at least one) behind the waiting ones.
    mutating func append(_ items: [QuorumEntry.Item], batch: UInt64) {
        precondition(!items.isEmpty, "a batch adds at least one item")
        guard tip != nil else { return }
        waiting.append(contentsOf: items)
        batchEnds.append((batch, itemsCommitted + UInt64(waiting.count)))
    }

    /// The last entry the commits in flight write (the tip when none is in flight).
    private var sentThrough: UInt64 {
        guard let tip else { return 0 }
        return inFlight.last.map(Self.end) ?? tip.sequence
    }

    static func end(_ commit: Fence.Commit) -> UInt64 { commit.base.sequence + UInt64(commit.puts.count) }

    /// The waiting items the entries after the tip up to `base` hold, as built; drops what
    /// was built past `base` (refused, built again now).
    private mutating func itemsBuilt(through base: UInt64, tip: Fence.Tip) -> Int {
        let entries = Int(base - tip.sequence)
        while built.count > entries { built.removeLast() }
        return built.reduce(0, +)
    }

    /// One entry of the oldest waiting items no commit in flight holds, within etcd's limits,
    /// as the next commit; nil while ``maximumInFlight`` are in flight, while holding, when
    /// nothing more waits, once fenced, or when the next item alone is over
    /// ``Fence/maximumCommitBytes`` (see ``oversized``).
    mutating func nextCommit() -> Fence.Commit? {
        guard let tip, !holding, inFlight.count < maximumInFlight, !oversized else { return nil }
        let base = sentThrough
        let offset = itemsBuilt(through: base, tip: tip)
        guard offset < waiting.count else { return nil }
        var end = offset
        var bytes = 0
        while end < waiting.count, end - offset < maximumItemsPerEntry,
            QuorumEntry.valueSize(itemBytes: bytes + waiting[end].packedSize) <= Fence.maximumCommitBytes
        {
            bytes += waiting[end].packedSize
            end += 1
        }
        let value = QuorumEntry.value(of: waiting[offset..<end], epoch: UInt64(fence.epoch))
        guard let commit = fence.commit([value], after: base) else { return nil }
        built.append(end - offset)
        inFlight.append(commit)
        return commit
    }

    /// The next item to send cannot be committed at all: alone it is over the byte limit.
    var oversized: Bool {
        guard let tip else { return false }
        let offset = built.prefix(Int(sentThrough - tip.sequence)).reduce(0, +)
        return waiting.indices.contains(offset)
            && QuorumEntry.valueSize(itemBytes: waiting[offset].packedSize) > Fence.maximumCommitBytes
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
            let count = Int(next.sequence - old.sequence)
            let entries = built.prefix(count).map { (items: $0, revision: next.modRevision) }
            built.removeFirst(min(count, built.count))
            return advance(from: old, entries: entries)
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
    /// that wrote each. Entries whose items are the waiting items, in order, were this
    /// replica's own (commits whose answers were lost): they count as committed. Anything
    /// else was written by another replica: this one has lost the role.
    mutating func reconcile(found: [(value: [UInt8], modRevision: Int64)]) -> Outcome {
        guard let tip, inFlight.isEmpty else { return isFenced ? .fenced : .none }
        reading = false
        mustRead = false
        holding = false
        built.removeAll()
        var entries: [(items: Int, revision: Int64)] = []
        var offset = 0
        for entry in found {
            guard let parts = QuorumEntry.itemParts(of: entry.value), offset + parts.count <= waiting.count,
                zip(parts, waiting[offset..<(offset + parts.count)]).allSatisfy({ $0 == $1.part })
            else {
                lost = true
                return .fenced
            }
            offset += parts.count
            entries.append((parts.count, entry.modRevision))
        }
        guard let last = found.last else { return .none }
        fence.resync(
            to: Fence.Tip(sequence: tip.sequence + UInt64(found.count), modRevision: last.modRevision))
        return advance(from: tip, entries: entries)
    }

    /// The entries after `tip` are committed now, each with its item count and the revision
    /// that wrote it (or a later one): their items leave the queue, and every batch whose last
    /// item they hold is released.
    private mutating func advance(from tip: Fence.Tip, entries: [(items: Int, revision: Int64)]) -> Outcome {
        var batches: [UInt64] = []
        var index = tip.sequence
        for entry in entries {
            index += 1
            let count = min(entry.items, waiting.count)
            guard count > 0 else { continue }
            let sequence = waiting[count - 1].sequence
            waiting.removeFirst(count)
            itemsCommitted += UInt64(count)
            while let first = batchEnds.first, first.last <= itemsCommitted {
                batches.append(batchEnds.removeFirst().batch)
                released = (index, entry.revision, sequence)
            }
        }
        return .committed(batches: batches)
    }
}
