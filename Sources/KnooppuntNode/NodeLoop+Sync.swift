import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// The fsync off the loop: a batch committed without syncing the WAL (a lone node's batches)
/// waits in `syncGate` until the sync thread has run an fdatasync that started after its
/// COMMIT returned; only then does what follows a commit (ACKs, publishing) happen. Batches
/// committed while a sync runs share the next one (group commit), and the loop decides and
/// commits meanwhile.
extension NodeLoop {
    /// A committed batch waiting for its sync, with what its release needs.
    struct Unsynced {
        var batch: Batch
        let records: [RejectionRecord]
        /// The epoch it was committed in: after a step-down it is not released.
        let epoch: Epoch
    }

    /// Whether the next batch may commit without syncing the WAL and wait in the gate: only a
    /// node that releases batches itself (alone, or paired without a standby in sync). A copy
    /// to the standby or to etcd is sent at once after a FULL commit, as before.
    var syncsOffLoop: Bool {
        syncThread != nil && quorum == nil && !(isPaired && pair.peerInSync)
    }

    /// What follows a commit: straight on for a batch committed with its sync (unless synced
    /// batches still wait: the order of releases is the order of commits), else into the gate.
    func follow(_ batch: Batch, records: [RejectionRecord], synced: Bool) {
        guard !synced || !syncGate.isEmpty else {
            route(batch, records: records)
            return
        }
        syncGate.committed(Unsynced(batch: batch, records: records, epoch: epoch))
        startSync()
    }

    /// Hands the sync thread a request covering every batch committed so far, unless one runs.
    func startSync() {
        guard let syncThread, let token = syncGate.syncStarted() else { return }
        syncThread.request(token.value)
    }

    /// A sync finished (on the sync thread; this runs on the loop). A failed fdatasync is a
    /// storage failure: nothing it covers is acknowledged, the node stops.
    func syncFinished(_ token: UInt64, failure: String?) {
        if let failure { storageFailed(SyncFailed(reason: failure)) }
        syncs += 1
        release(syncedBatches: syncGate.syncFinished(SyncGate.Token(value: token)))
        startSync()
        // A party that fell behind streams from the log up to what is released: it moved on.
        pumpJobs()
    }

    /// At shutdown: syncs here and releases every committed batch, so nothing committed is
    /// left unanswered by a clean stop.
    func flushSync() {
        guard let syncThread, !syncGate.isEmpty else { return }
        if let failure = syncThread.syncHere() { storageFailed(SyncFailed(reason: failure)) }
        syncs += 1
        release(syncedBatches: syncGate.syncedAll())
    }

    private func release(syncedBatches items: [Unsynced]) {
        for item in items {
            // A node that stepped down since does not acknowledge what it committed as active:
            // the daemons resend it to the active node (as with batches awaiting the standby).
            guard isActive, item.epoch == epoch else { continue }
            syncedBatches += 1
            route(item.batch, records: item.records)
        }
    }

    /// Acknowledges a batch at once, or hands it to the standby or to etcd first.
    func route(_ batch: Batch, records: [RejectionRecord]) {
        if quorum != nil {
            quorumCommit(batch, updates: batch.updates, records: records)
        } else if isPaired && pair.peerInSync {
            awaiting.append(batch)
            replicateLive(batch, records: records)
        } else {
            release(batch, degraded: isPaired)
        }
    }
}

/// The sync thread's fdatasync of the WAL failed: what the node committed may not be on disk.
struct SyncFailed: Error, CustomStringConvertible {
    let reason: String
    var description: String { "node.syncFailed: \(reason)" }
}
