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
        quorum.pipeline?.append(
            QuorumEntry.items(updates: updates, rejections: records, audit: batch.audit), batch: batch.id)
        pumpQuorum()
    }

    /// The active's audit rows for `events`, chained after the rows still on their way to
    /// etcd (none when the replica does not hold the role: only the active writes the chain).
    func quorumAuditRows(_ events: [AuditEvent]) -> [AuditRecord] {
        guard let quorum, quorum.holdsRole, !events.isEmpty else { return [] }
        let rows = store.chain(
            events, epoch: epoch, logSequence: coordinator.lastSequence, after: quorum.auditTip)
        if let last = rows.last { quorum.auditTip = (last.seq, last.hash) }
        return rows
    }

    /// Audit rows with no batch to ride on (deliveries, refusal counts, the takeover): a batch
    /// of their own through etcd, with no answers.
    func quorumAudit(_ events: [AuditEvent]) {
        let rows = quorumAuditRows(events)
        guard !rows.isEmpty else { return }
        batchCounter += 1
        quorumCommit(
            Batch(
                id: batchCounter, lastSequence: coordinator.lastSequence, answers: [], updates: [],
                committedAt: .now, audit: rows),
            updates: [], records: [])
    }

    /// Sends commits while the pipeline builds any (up to its limit in flight), or the read
    /// of the log that a refused or failed commit made due.
    func pumpQuorum() {
        guard let quorum, case .active(let term) = quorum.role, quorum.pipeline != nil else { return }
        if quorum.pipeline?.oversized == true {
            // Cannot happen with the wire's limits (a report is far under a commit's bytes);
            // acknowledging it without etcd would break the promise, so the role is given up.
            stepDownQuorum("an entry over etcd's request limit", campaignAgain: true)
            return
        }
        quorum.pipeline?.resumeIfSettled()
        if let after = quorum.pipeline?.startRead() {
            readAndReconcile(after: after, epoch: term.epoch)
            return
        }
        let now = ContinuousClock.now
        while let commit = quorum.pipeline?.nextCommit() {
            quorum.figures.sent(commit, at: now)
            quorum.link.commit(commit, epoch: term.epoch)
        }
        quorum.figures.inFlight(quorum.pipeline?.inFlight.count ?? 0)
    }

    func quorumAnswered(_ commit: Fence.Commit, _ answer: Fence.Answer, epoch: Int64) {
        guard let quorum, case .active(let term) = quorum.role, term.epoch == epoch else { return }
        quorum.figures.answered(commit, at: .now)
        if answer.succeeded {
            for (offset, put) in commit.puts.enumerated() {
                quorum.upkeep.sizes.record(
                    index: commit.base.sequence + 1 + UInt64(offset), bytes: put.value.count)
            }
        }
        guard let outcome = quorum.pipeline?.answered(commit, answer) else { return }
        handleQuorum(outcome)
    }

    func quorumCommitFailed(_ commit: Fence.Commit, epoch: Int64, reason: String, spaceFull: Bool) {
        guard let quorum, case .active(let term) = quorum.role, term.epoch == epoch else { return }
        quorum.figures.answered(commit, at: .now)
        quorum.pipeline?.failed(commit)
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

    /// Reads the log after the tip once every commit in flight answered, and reconciles.
    private func readAndReconcile(after index: UInt64, epoch: Int64) {
        guard let quorum else { return }
        quorum.link.read(after: index) { node, read in
            guard let quorum = node.quorum, case .active(let term) = quorum.role, term.epoch == epoch,
                let outcome = quorum.pipeline?.reconcile(
                    found: read.entries.map { (value: $0.value, modRevision: $0.modRevision) })
            else { return }
            node.handleQuorum(outcome)
        }
    }

    private func handleQuorum(_ outcome: QuorumPipeline.Outcome) {
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
            let now = ContinuousClock.now
            var releasedAny = false
            storeCommittedAudit(batches)
            for id in batches {
                guard let first = awaiting.first, first.id == id else { break }
                releasedAny = true
                // A batch of audit rows alone is not one of the figures' batches of reports.
                if !first.answers.isEmpty { quorum.figures.released(first, at: now) }
                release(awaiting.removeFirst())
            }
            if releasedAny, let released = quorum.pipeline?.released {
                quorumReleased(
                    QuorumPoint(
                        index: released.index, revision: released.revision, sequence: released.sequence))
            }
            pumpQuorum()
        case .fenced:
            logger.warning("etcd fenced this replica's commit: another replica holds the role")
            stepDownQuorum("fenced by etcd", campaignAgain: true)
        }
    }

    /// The audit rows of batches etcd committed, into this store (one transaction). They are
    /// in etcd already: a replica that stops before this reads them from the log at its start,
    /// since its saved point never passes a released batch before this write.
    private func storeCommittedAudit(_ batches: [UInt64]) {
        let released = Set(batches)
        let rows = awaiting.prefix { released.contains($0.id) }.flatMap(\.audit)
        guard !rows.isEmpty else { return }
        do {
            let written = try store.appendAuditCopies(rows, chainedHere: true)
            if written < rows.count {
                logger.error(
                    "audit rows etcd committed do not follow this store's chain",
                    metadata: ["audit.head": "\(store.auditHead.seq)", "audit.first": "\(rows[0].seq)"])
            }
        } catch {
            storageFailed(error)
        }
    }
}
