import KnooppuntCore
import KnooppuntProtocol

/// Where an ACK of the active replica waits, counted on the loop thread and shown in its
/// status (`quorum.commits`): the fenced transactions sent to etcd and their round trips, the
/// entries and reports they carried, and each released batch's wait from its commit to this
/// store until its ACKs. `knooppunt bench --quorum` prints them per phase.
final class QuorumFigures {
    var transactions: Int64 = 0
    var entries: Int64 = 0
    var reports: Int64 = 0
    var bytes: Int64 = 0
    var transactionTime: Duration = .zero
    var batches: Int64 = 0
    var batchWait: Duration = .zero
    var mostInFlight = 0
    /// When each commit in flight was sent, by the entry it follows.
    private var sentAt: [UInt64: ContinuousClock.Instant] = [:]

    func sent(_ commit: Fence.Commit, at instant: ContinuousClock.Instant) {
        sentAt[commit.base.sequence] = instant
    }

    /// An answer or a failure: the round trip counts either way.
    func answered(_ commit: Fence.Commit, at instant: ContinuousClock.Instant) {
        guard let sent = sentAt.removeValue(forKey: commit.base.sequence) else { return }
        transactions += 1
        entries += Int64(commit.puts.count)
        bytes += Int64(commit.puts.reduce(0) { $0 + $1.value.count })
        transactionTime += instant - sent
    }

    func released(_ batch: Batch, at instant: ContinuousClock.Instant) {
        batches += 1
        reports += Int64(batch.updates.count)
        batchWait += instant - batch.committedAt
    }

    func inFlight(_ count: Int) { mostInFlight = max(mostInFlight, count) }

    func fill(_ status: inout NodeStatus.Quorum) {
        status.commitTransactions = transactions
        status.committedEntries = entries
        status.committedReports = reports
        status.committedBytes = bytes
        status.commitMicroseconds = Self.microseconds(transactionTime)
        status.releasedBatches = batches
        status.releaseWaitMicroseconds = Self.microseconds(batchWait)
        status.mostInFlight = Int64(mostInFlight)
    }

    static func microseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    }
}
