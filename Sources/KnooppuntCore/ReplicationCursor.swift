import KnooppuntDomain

/// One REPLICATE the active node should send its standby: the log entries `range` (empty when
/// there is nothing new), the refusals committed after `rejectionsAfter` up to
/// `rejectionsThrough` (nil: every one so far), and the batch number the standby echoes.
public struct ReplicationChunk: Sendable, Hashable {
    public let range: ClosedRange<SequenceNumber>?
    public let rejectionsAfter: SequenceNumber
    public let rejectionsThrough: SequenceNumber?
    /// The active's last sequence when the chunk was cut.
    public let activeLast: SequenceNumber
    /// The last chunk of the catch-up: it carries every refusal so far.
    public let isFinal: Bool
    /// On a final chunk the batch counter the standby confirms it against; 0 otherwise.
    public let batch: UInt64
}

/// What a confirmation from the standby means for the active.
public enum ReplicationProgress: Sendable, Hashable {
    /// Nothing changes (still streaming, or already in sync).
    case none
    /// The standby holds exactly our log: it is in sync from now on.
    case inSync
    /// The standby holds our final chunk, and what came since is a short tail: send it this
    /// chunk and count the standby in sync once it is sent.
    case sendTail(ReplicationChunk)
}

/// The active node's cursor over the log it streams to a standby that is catching up: what
/// to send next, and when the standby counts as in sync. No I/O: the node reads the chunk's
/// entries from its store and reports back whether the send succeeded.
///
/// A standby catching up under steady load must not chase the active's tail: waiting for a
/// confirmation that matches the active's last sequence exactly never ends while reports keep
/// coming (chaos runs showed most ACKs degraded that way). So once the standby confirms the
/// final chunk and the rest is at most one burst, the cursor hands it that tail and the node
/// counts it in sync; every later batch then goes to it live.
public struct ReplicationCursor: Sendable {
    /// The most entries in one chunk (`NodeOptions.syncBurst`).
    public let burst: Int
    /// The next sequence the standby needs; nil when no standby is being fed.
    public private(set) var next: SequenceNumber?
    /// The highest sequence the standby confirmed holding.
    public private(set) var confirmedUpTo: SequenceNumber = 0
    /// The last final chunk sent: the active's last sequence and batch counter then.
    private var lastFinal: (last: SequenceNumber, batch: UInt64)?

    public init(burst: Int) {
        precondition(burst > 0, "a chunk holds at least one entry")
        self.burst = burst
    }

    /// Forgets the standby (a change of role or epoch).
    public mutating func reset() {
        next = nil
        confirmedUpTo = 0
        lastFinal = nil
    }

    /// The standby asked for the log from `from` (SYNC), after we checked that its log
    /// agrees with ours up to `from - 1`.
    public mutating func start(from: SequenceNumber) {
        next = from
        lastFinal = nil
    }

    /// The next chunk to stream while the standby catches up, or nil when there is nothing to
    /// send (no standby, or the final chunk went out and nothing was committed since).
    public func nextChunk(activeLast last: SequenceNumber, batchCounter: UInt64) -> ReplicationChunk? {
        guard let next else { return nil }
        let chunkEnd = min(last, next + UInt64(burst) - 1)
        let final = chunkEnd >= last
        let empty = next > last
        if empty, final, let lastFinal, lastFinal.last == last, lastFinal.batch == batchCounter {
            return nil
        }
        return ReplicationChunk(
            range: empty ? nil : next...chunkEnd, rejectionsAfter: next - 1,
            // The final chunk carries every refusal committed so far, so "caught up" holds them too.
            rejectionsThrough: final ? nil : chunkEnd, activeLast: last, isFinal: final,
            batch: final ? batchCounter : 0)
    }

    /// `chunk` went out to the standby, with its entries up to `lastSent` (nil: none).
    public mutating func sent(_ chunk: ReplicationChunk, through lastSent: SequenceNumber?) {
        if chunk.isFinal { lastFinal = (chunk.activeLast, chunk.batch) }
        next = (lastSent ?? chunk.rejectionsAfter) + 1
    }

    /// This node stopped feeding a standby (it stepped down); what the standby confirmed
    /// stays known until the next activation resets it.
    public mutating func stop() { next = nil }

    /// A batch committed while the standby is in sync went to it live.
    public mutating func sentLive(activeLast: SequenceNumber) {
        next = activeLast + 1
    }

    /// The standby confirmed holding everything up to `upTo`, answering batch `batch`.
    public mutating func confirmed(
        upTo: SequenceNumber, batch: UInt64, activeLast last: SequenceNumber, batchCounter: UInt64,
        inSync: Bool
    ) -> ReplicationProgress {
        confirmedUpTo = max(confirmedUpTo, upTo)
        guard !inSync, let next, next > upTo else { return .none }
        if upTo == last, batch == batchCounter { return .inSync }
        if let lastFinal, batch == lastFinal.batch, upTo == lastFinal.last, last - upTo <= UInt64(burst) {
            return .sendTail(
                ReplicationChunk(
                    range: upTo < last ? (upTo + 1)...last : nil, rejectionsAfter: upTo,
                    rejectionsThrough: nil,
                    activeLast: last, isFinal: true, batch: batchCounter))
        }
        return .none
    }
}
