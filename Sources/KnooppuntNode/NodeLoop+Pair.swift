import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// The hot-standby pair (docs/PROTOCOL.md §12, docs/ARCHITECTURE.md "Failover").
extension NodeLoop {
    // MARK: Sending to the peer

    @discardableResult
    func sendToPeer(_ message: PairMessage) -> Bool {
        guard let pairDealer else { return false }
        do {
            return try pairDealer.sendPacked(message.parts, dontWait: true)
        } catch {
            logger.warning("send to the peer node failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Every beat interval: tell the peer who we are, notice stalls and silence, keep the
    /// standby's catch-up and the waiting batches moving.
    func pairTick() {
        let now = ContinuousClock.now
        if now - lastPairTick > options.stallThreshold {
            // We were paused (SIGSTOP or a starved machine): the peer's beats may be waiting
            // unread. Listen before acting on what looks like silence.
            pair.resumedAfterStall(now: now)
            logger.notice(
                "the node's loop was paused; listening to the peer before acting",
                metadata: ["pause": "\(now - lastPairTick)"])
        }
        lastPairTick = now
        sendToPeer(.beat(pair.beat))
        perform(pair.tick(now: now))
        if isActive {
            if let oldest = awaiting.first, now - oldest.committedAt > options.replicationTimeout {
                logger.warning("the standby did not confirm in time; continuing alone (degraded)")
                perform(pair.peerFellBehind())
            }
            pumpReplication()
        } else if pair.state == .passive, pair.peerAlive(now: now), pair.peer?.state == .active {
            // Ask again for what we miss if nothing came for a while.
            if lastSyncRequest.map({ now - $0 > .seconds(1) }) ?? true { requestSync() }
            if lastAuditSync.map({ now - $0 > .seconds(2) }) ?? true { requestAuditSync() }
        }
        if isActive { pumpAuditReplication() }
    }

    func servePairMonitor() {
        guard let pairMonitor else { return }
        while let event = try? MonitorEvent.receive(from: pairMonitor) {
            switch event.kind {
            case .disconnected:
                logger.warning("lost the connection to the peer node", metadata: ["peer": "\(event.address)"])
                perform(pair.peerGone(now: .now))
            case .handshakeSucceeded:
                logger.info("connected to the peer node", metadata: ["peer": "\(event.address)"])
                sendToPeer(.beat(pair.beat))
            case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
                logger.error(
                    "the peer node refused our handshake: check the node key", metadata: ["event": "\(event)"]
                )
            default:
                break
            }
        }
    }

    // MARK: Receiving from the peer

    func servePair() {
        guard let pairRouter else { return }
        for _ in 0..<256 {
            guard let message = try? pairRouter.receive(dontWait: true, maxFrames: 3) else { return }
            guard message.userId == NodeServer.pairIdentity,
                let parts = message.unpacked(routed: true, maxParts: PairMessage.maxParts)
            else { continue }
            let decoded: PairMessage
            do {
                decoded = try PairMessage.decode(parts)
            } catch {
                logger.warning("unreadable message from the peer node", metadata: ["error": "\(error)"])
                continue
            }
            handle(decoded)
        }
    }

    private func handle(_ message: PairMessage) {
        let now = ContinuousClock.now
        switch message {
        case .beat(let beat):
            perform(pair.receive(beat, now: now))
        case .replicate(let senderEpoch, let activeLast, let batch, let updates, let records, _):
            receiveReplication(
                senderEpoch, activeLast: activeLast, batch: batch, updates: updates, records: records)
        case .replicated(let peerEpoch, let upTo, let batch):
            guard isActive, peerEpoch <= epoch else { return }
            confirmReplication(upTo: upTo, batch: batch)
        case .sync(let from, let epochAtPrevious):
            guard isActive else { return }
            startReplication(from: from, epochAtPrevious: epochAtPrevious)
        case .rewind(let activeLast, let starts):
            guard pair.state == .passive else { return }
            rewind(activeLast: activeLast, activeStarts: starts)
        case .audit(let from, let records, let checkpoint, let reset):
            guard pair.state == .passive else { return }
            receiveAudit(from: from, records: records, checkpoint: checkpoint, reset: reset)
        case .auditSync(let from, let hashBefore):
            guard isActive else { return }
            startAuditReplication(from: from, hashBefore: hashBefore)
        case .fenced(let laterEpoch):
            // Only a later epoch than ours fences us (a stale FENCED from before our own
            // takeover must not).
            guard laterEpoch > epoch else { return }
            logger.warning(
                "the peer holds a later epoch; this node steps down", metadata: ["epoch": "\(laterEpoch)"])
            perform(pair.fenced(by: laterEpoch))
        }
    }

    // MARK: State changes

    func perform(_ actions: [PairAction]) {
        for action in actions {
            switch action {
            case .becomeActive(let newEpoch):
                becomeActive(newEpoch)
            case .becomePassive(let reason):
                becomePassive(reason)
            case .continueAlone:
                logger.warning(
                    "the standby is away: acknowledging alone (degraded) until it is back and caught up")
                releaseAllAwaiting(degraded: true)
            case .peerInSync:
                logger.info("the standby has caught up: every ACK waits for its copy again")
            }
        }
    }

    private func becomeActive(_ newEpoch: Epoch) {
        do {
            try store.setEpoch(newEpoch)
        } catch {
            storageFailed(error)
        }
        coordinator.begin(epoch: newEpoch)
        takeovers.append((newEpoch, Self.wallClock()))
        replication.reset()
        auditPeerNext = nil
        recordActive(epoch: newEpoch)
        logger.notice(
            "this node is active",
            metadata: [
                "node.epoch": "\(newEpoch)", "report.seq": "\(coordinator.lastSequence)",
                "node.role": "\(options.role.rawValue)",
            ])
        sendToPeer(.beat(pair.beat))
        heartbeat()
    }

    private func becomePassive(_ reason: String) {
        logger.notice("this node is passive", metadata: ["reason": "\(reason)", "node.epoch": "\(epoch)"])
        // What was committed here but never confirmed by the standby is not acknowledged; the
        // daemons resend it to the active node.
        awaiting.removeAll()
        awaitingRejections.removeAll()
        replication.stop()
        // Committed but never released entries are not ours to publish any more: start over
        // from the store (the tail is checked against the active when we ask to sync).
        reloadFromStore()
        for session in sessions.values {
            session.subscribed = false
            session.job = nil
        }
        heartbeat()
        requestSync()
        requestAuditSync()
    }

    /// Rebuilds picture and coordinator from the store (after stepping down or discarding a tail).
    func reloadFromStore() {
        do {
            let loaded = try store.load(views: Picture.allViews)
            picture = loaded.picture
            let signalPolicy = coordinator.signalPolicy
            coordinator = Coordinator(
                epoch: max(loaded.epoch, coordinator.epoch), lastSequence: loaded.picture.lastSequence,
                lastOriginSeq: loaded.lastOriginSeq, incidents: loaded.incidents,
                signingKeys: network.signingKeySets, policy: coordinator.policy, codec: DocumentCodec())
            coordinator.signalPolicy = signalPolicy
        } catch {
            storageFailed(error)
        }
    }

    // MARK: As active: replicating

    /// Sends a just-committed batch to the in-sync standby; its answers wait for REPLICATED.
    func replicateLive(_ batch: Batch, records: [RejectionRecord]) {
        let sent = sendToPeer(
            .replicate(
                epoch: epoch, activeLastSequence: coordinator.lastSequence, batch: batch.id,
                updates: batch.updates, rejections: records))
        replication.sentLive(activeLast: coordinator.lastSequence)
        if !sent || awaiting.count > options.maxAwaitingBatches {
            logger.warning("cannot hand the standby its copy; continuing alone (degraded)")
            perform(pair.peerFellBehind())
        }
    }

    private func confirmReplication(upTo: SequenceNumber, batch: UInt64) {
        let progress = replication.confirmed(
            upTo: upTo, batch: batch, activeLast: coordinator.lastSequence, batchCounter: batchCounter,
            inSync: pair.peerInSync)
        while let first = awaiting.first, first.id <= batch, first.lastSequence <= upTo {
            release(awaiting.removeFirst(), degraded: false)
        }
        switch progress {
        case .none: break
        case .inSync: perform(pair.peerCaughtUp())
        case .sendTail(let tail): if send(tail) { perform(pair.peerCaughtUp()) }
        }
    }

    /// Reads a chunk's entries and refusals from the store and sends them to the standby.
    private func send(_ chunk: ReplicationChunk) -> Bool {
        let updates: [Update]
        let records: [RejectionRecord]
        do {
            updates = try chunk.range.map { try store.updates(in: $0, limit: options.syncBurst) } ?? []
            records = try store.rejectionRecords(
                after: chunk.rejectionsAfter, through: chunk.rejectionsThrough)
        } catch {
            storageFailed(error)
        }
        guard
            sendToPeer(
                .replicate(
                    epoch: epoch, activeLastSequence: chunk.activeLast, batch: chunk.batch, updates: updates,
                    rejections: records))
        else { return false }
        replication.sent(chunk, through: updates.last?.sequence)
        return true
    }

    func releaseAllAwaiting(degraded: Bool) {
        while let batch = awaiting.popFirst() { release(batch, degraded: degraded) }
    }

    private func startReplication(from: SequenceNumber, epochAtPrevious: Epoch) {
        let previous = from - 1
        let ours: Epoch?
        do {
            ours = previous == 0 ? epochAtPrevious : try store.epoch(of: previous)
        } catch {
            storageFailed(error)
        }
        guard previous <= coordinator.lastSequence, ours == epochAtPrevious else {
            // The standby holds entries we do not (a tail it never replicated): tell it where
            // our epochs start so it can cut back to what we share.
            let starts = (try? store.epochStarts()) ?? []
            sendToPeer(.rewind(activeLastSequence: coordinator.lastSequence, epochStarts: starts))
            return
        }
        if pair.peerInSync { perform(pair.peerFellBehind()) }
        replication.start(from: from)
        pumpReplication()
    }

    /// Streams the log to a standby that is catching up: one bounded chunk per call, so the
    /// loop stays responsive (beats, clients) while a long log goes across.
    func pumpReplication() {
        guard isActive, !pair.peerInSync,
            let chunk = replication.nextChunk(
                activeLast: coordinator.lastSequence, batchCounter: batchCounter)
        else { return }
        _ = send(chunk)
    }

    // MARK: As passive: holding the copy

    private func receiveReplication(
        _ senderEpoch: Epoch, activeLast: SequenceNumber, batch: UInt64, updates: [Update],
        records: [RejectionRecord]
    ) {
        if isActive || senderEpoch < pair.highestEpochSeen {
            if senderEpoch < epoch || senderEpoch < pair.highestEpochSeen {
                sendToPeer(.fenced(epoch: max(epoch, pair.highestEpochSeen)))
                return
            }
        }
        guard pair.state == .passive else { return }
        // Entries already held are skipped; a gap means we missed something: ask again.
        let fresh = updates.filter { $0.sequence > coordinator.lastSequence }
        if let first = fresh.first, first.sequence != coordinator.lastSequence + 1 {
            requestSync()
            return
        }
        let codec = DocumentCodec()
        let entries: [(Update, ReportDocument?)] = fresh.map { update in
            // Only incident reports change what the coordinator knows about incidents.
            let document =
                update.report.envelope.type == .incident ? try? update.report.document(codec: codec) : nil
            return (update, document)
        }
        if !entries.isEmpty || !records.isEmpty {
            do {
                try store.commit(accepted: entries, records: records)
            } catch {
                storageFailed(error)
            }
        }
        for (update, document) in entries {
            coordinator.absorb(update, document: document)
            picture.apply(update)
        }
        for record in records { coordinator.absorb(record.rejection) }
        if let last = fresh.last { pair.logAdvanced(to: last.sequence, epoch: last.epoch) }
        sendToPeer(.replicated(epoch: pair.epoch, upTo: coordinator.lastSequence, batch: batch))
        if coordinator.lastSequence >= activeLast, batch != 0 || activeLast == coordinator.lastSequence {
            if pair.syncing {
                pair.caughtUp()
                logger.info(
                    "caught up with the active node", metadata: ["report.seq": "\(coordinator.lastSequence)"])
            }
        }
    }

    func requestSync() {
        guard pair.state == .passive else { return }
        lastSyncRequest = .now
        let last = coordinator.lastSequence
        let epochAtLast: Epoch
        do {
            epochAtLast = last == 0 ? 0 : try store.epoch(of: last) ?? 0
        } catch {
            storageFailed(error)
        }
        sendToPeer(.sync(from: last + 1, epochAtPrevious: epochAtLast))
    }

    /// Cuts our log back to the last entry we share with the active (docs/PROTOCOL.md §12).
    private func rewind(activeLast: SequenceNumber, activeStarts: [PairMessage.EpochStart]) {
        let ourStarts: [PairMessage.EpochStart]
        do {
            ourStarts = try store.epochStarts()
        } catch {
            storageFailed(error)
        }
        let keep = PairLogs.commonPrefix(
            ours: ourStarts, ourLast: coordinator.lastSequence, theirs: activeStarts, theirLast: activeLast)
        logger.warning(
            "discarding a tail never replicated to the active node",
            metadata: ["report.seq": "\(coordinator.lastSequence)", "keep": "\(keep)"])
        do {
            try store.truncate(after: keep)
        } catch {
            storageFailed(error)
        }
        reloadFromStore()
        pair.logTruncated(to: keep, epoch: PairLogs.epoch(at: keep, in: ourStarts) ?? 0)
        requestSync()
    }
}
