import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore

/// The active replica's commit path: a batch already in this store goes to etcd through the
/// fence; its ACKs wait in `awaiting` until etcd answers `committed` for all its entries.
extension NodeLoop {
    /// Hands a batch committed to this store to etcd; its answers wait for the commit.
    func quorumCommit(_ batch: Batch, updates: [Update], records: [RejectionRecord]) {
        guard let quorum, quorum.holdsRole, quorum.pipeline != nil else { return }
        awaiting.append(batch)
        let entries =
            updates.map { QuorumEntry.update($0).value } + records.map { QuorumEntry.rejection($0).value }
        quorum.pipeline?.append(entries, batch: batch.id)
        pumpQuorum()
    }

    /// Sends the next commit when none is in flight.
    func pumpQuorum() {
        guard let quorum, case .active(let term) = quorum.role, quorum.pipeline != nil else { return }
        if quorum.pipeline?.oversized == true {
            // Cannot happen with the wire's limits (a report is far under a commit's bytes);
            // acknowledging it without etcd would break the promise, so the role is given up.
            stepDownQuorum("an entry over etcd's request limit", campaignAgain: true)
            return
        }
        guard let commit = quorum.pipeline?.nextCommit() else { return }
        quorum.link.commit(commit, epoch: term.epoch)
    }

    func quorumAnswered(_ answer: Fence.Answer, epoch: Int64) {
        guard let quorum, case .active(let term) = quorum.role, term.epoch == epoch,
            let outcome = quorum.pipeline?.answered(answer)
        else { return }
        handleQuorum(outcome, epoch: epoch)
    }

    func quorumCommitFailed(epoch: Int64, reason: String, spaceFull: Bool) {
        guard let quorum, case .active(let term) = quorum.role, term.epoch == epoch else { return }
        quorum.pipeline?.failed()
        if spaceFull { quorumSpaceFull(reason) }
        if quorum.failuresLogged < QuorumState.failuresLoggedInARow {
            quorum.failuresLogged += 1
            logger.warning(
                "etcd did not commit; nothing is acknowledged until it does",
                metadata: ["reason": "\(reason)", "node.epoch": "\(epoch)"])
        }
        let pause = quorum.upkeep.spaceFull ? QuorumUpkeep.spaceRetryPause : quorum.link.options.retryPause
        loop.after(pause) { [unowned self] in pumpQuorum() }
    }

    private func handleQuorum(_ outcome: QuorumPipeline.Outcome, epoch: Int64) {
        guard let quorum else { return }
        switch outcome {
        case .none:
            pumpQuorum()
        case .committed(let batches):
            quorum.failuresLogged = 0
            if let tip = quorum.pipeline?.tip {
                quorum.appliedIndex = tip.sequence
                quorum.appliedRevision = tip.modRevision
            }
            // On a majority of etcd's members and in this store: acknowledge, in order.
            var lastSequence: SequenceNumber?
            for id in batches {
                guard let first = awaiting.first, first.id == id else { break }
                lastSequence = first.lastSequence
                release(awaiting.removeFirst(), degraded: false)
            }
            if let lastSequence, let released = quorum.pipeline?.released {
                quorumReleased(
                    QuorumPoint(index: released.index, revision: released.revision, sequence: lastSequence))
            }
            pumpQuorum()
        case .fenced:
            logger.warning("etcd fenced this replica's commit: another replica holds the role")
            stepDownQuorum("fenced by etcd", campaignAgain: true)
        case .conflict(let base):
            quorum.link.read(after: base.sequence) { node, read in
                guard let quorum = node.quorum, case .active(let term) = quorum.role, term.epoch == epoch,
                    let outcome = quorum.pipeline?.reconcile(
                        found: read.entries.map { (value: $0.value, modRevision: $0.modRevision) })
                else { return }
                node.handleQuorum(outcome, epoch: epoch)
            }
        }
    }
}
