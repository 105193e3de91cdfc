import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// The audit log (docs/PROTOCOL.md §13). Only the active node appends to the chain: rows about
/// a batch go into the batch's own transaction; rows with no log write to ride on wait for
/// the next batch or the flush timer. The standby copies the chain; the active signs its head
/// every few seconds and hands the checkpoint to the standby and the daemons.
extension NodeLoop {
    /// Queues an event for the chain. A node that is not active records nothing: the chain has
    /// one writer, and the active records what happened while it was away.
    func audit(_ event: AuditEvent) {
        guard isActive else { return }
        auditQueue.append(event)
    }

    /// Events for a committed batch: every acceptance (with the person behind it) and refusal.
    func auditEvents(for pending: Pending, at now: Int64) -> [AuditEvent] {
        var events: [AuditEvent] = []
        for item in pending.accepted {
            let update = item.update
            let envelope = update.report.envelope
            events.append(.accepted(update, at: now))
            if case .ack(let ack) = item.document.body {
                events.append(
                    AuditEvent(
                        at: now, kind: .acknowledged, actor: envelope.origin.rawValue, person: ack.by,
                        subject: ack.subject.rawValue,
                        detail: [
                            "ack": .string(envelope.id.rawValue), "seq": .integer(Int64(update.sequence)),
                        ]))
            }
            if case .signalRead(let read) = item.document.body {
                events.append(
                    Self.signalReadEvent(read, envelope: envelope, sequence: update.sequence, at: now))
            }
        }
        for item in pending.rejected {
            let rejection = item.record.rejection
            events.append(
                AuditEvent(
                    at: now, kind: .refused, actor: rejection.origin.rawValue,
                    subject: rejection.reportID.rawValue,
                    code: rejection.problem.code.rawValue,
                    detail: [
                        "field": .string(rejection.problem.field),
                        "message": .string(rejection.problem.message),
                        "originSeq": .integer(Int64(rejection.originSeq)), "consumed": true,
                    ]))
        }
        return events
    }

    /// A daemon's STATUS: "delivered up to N", at most once per organisation per interval.
    func auditDelivery(_ organisation: OrganisationCode, _ status: DaemonStatus, now: ContinuousClock.Instant)
    {
        if let last = lastDelivery[organisation],
            status.applied <= last.applied || now - last.at < options.deliveryAuditInterval
        {
            return
        }
        lastDelivery[organisation] = (status.applied, now)
        audit(
            AuditEvent(
                at: Self.wallClock(), kind: .delivered, actor: organisation.rawValue,
                detail: [
                    "applied": .integer(Int64(clamping: status.applied)),
                    "viewHash": .string(status.viewHash),
                    "converged": .bool(
                        status.applied == lastSequence
                            && status.viewHash == picture.hash(for: .organisation(organisation)).hex),
                ]))
    }

    /// The node became active: the chain notes the epoch and the configuration in force.
    func recordActive(epoch: Epoch) {
        audit(
            AuditEvent(
                at: Self.wallClock(), kind: .nodeActive, actor: "node",
                detail: [
                    "epoch": .integer(Int64(epoch)), "role": .string(options.role.rawValue),
                    "paired": .bool(isPaired), "network": .string(configStamp.networkDigest),
                    "policy": .string(coordinator.policy.digest),
                    "signalPolicy": .string(coordinator.signalPolicy.digest),
                ]))
    }

    /// Writes what waits in its own transaction (the timer; batches take it along themselves).
    func flushAudit() {
        summariseRefusals()
        guard isActive, !auditQueue.isEmpty else { return }
        let events = auditQueue
        auditQueue.removeAll()
        if quorum != nil {
            quorumAudit(events)
            return
        }
        let records: [AuditRecord]
        do {
            records = try store.appendAudit(events, epoch: epoch, logSequence: coordinator.lastSequence)
        } catch {
            storageFailed(error)
        }
        replicateAudit(records)
    }

    /// Signs the chain head when it moved: stored here, sent to the standby and the daemons.
    func checkpointAudit() {
        guard isActive, store.auditHead.seq > lastCheckpointSeq else { return }
        let head = store.auditHead
        let checkpoint = AuditCheckpoint(
            seq: head.seq, headHash: head.hash, epoch: epoch, at: Self.wallClock(), key: auditKey)
        do {
            try store.saveCheckpoint(checkpoint)
        } catch {
            storageFailed(error)
        }
        lastCheckpointSeq = head.seq
        if isPaired, auditPeerNext != nil {
            sendToPeer(.audit(from: head.seq + 1, records: [], checkpoint: checkpoint, reset: false))
        }
        let frames = MessageCodec.encode(.auditHead(checkpoint))
        // Daemons keep checkpoints; the desk and watchers have no store for them.
        for session in sessions.values
        where session.attached && [.region, .nctv, .police].contains(session.role) {
            _ = send(session.routingID, frames: frames)
        }
    }

    /// On a clean stop: write what waits and sign the head once more.
    func finishAudit() {
        flushAudit()
        checkpointAudit()
    }

    // MARK: The standby's copy

    /// Sends rows just appended to a standby that is following the chain live.
    func replicateAudit(_ records: [AuditRecord]) {
        guard isPaired, let next = auditPeerNext, let first = records.first else { return }
        if next == first.seq, records.count <= options.auditSyncBurst {
            sendToPeer(.audit(from: first.seq, records: records, checkpoint: nil, reset: false))
            auditPeerNext = records.last!.seq + 1
        } else {
            pumpAuditReplication()
        }
    }

    /// Streams the chain to a standby that is behind, one bounded chunk per call.
    func pumpAuditReplication() {
        guard isActive, let next = auditPeerNext, next <= store.auditHead.seq else { return }
        let records: [AuditRecord]
        do {
            records = try store.auditRecords(from: next, limit: options.auditSyncBurst)
        } catch {
            storageFailed(error)
        }
        guard let last = records.last,
            sendToPeer(.audit(from: next, records: records, checkpoint: nil, reset: false))
        else { return }
        auditPeerNext = last.seq + 1
    }

    /// The standby asks for the chain from `from`: if its row before that is ours, continue
    /// from there; otherwise its chain forked (rows it wrote alone), and it starts over.
    func startAuditReplication(from: UInt64, hashBefore: [UInt8]) {
        let ours: [UInt8]?
        do {
            ours = try store.auditHash(at: from - 1)
        } catch {
            storageFailed(error)
        }
        if from >= 1, ours == hashBefore {
            auditPeerNext = from
            pumpAuditReplication()
            return
        }
        logger.warning(
            "the standby's audit chain is not a prefix of ours; it starts its copy over",
            metadata: ["audit.from": "\(from)"])
        let records: [AuditRecord]
        do {
            records = try store.auditRecords(from: 1, limit: options.auditSyncBurst)
        } catch {
            storageFailed(error)
        }
        let checkpoint = try? store.latestCheckpoint()
        sendToPeer(.audit(from: 1, records: records, checkpoint: checkpoint, reset: true))
        auditPeerNext = (records.last?.seq ?? 0) + 1
    }

    /// As standby: keeps the active's rows (each must follow on the last) and its checkpoints.
    func receiveAudit(from: UInt64, records: [AuditRecord], checkpoint: AuditCheckpoint?, reset: Bool) {
        do {
            if reset {
                logger.warning("putting this node's audit rows aside: the active's chain differs from them")
                try store.discardAudit(at: Self.wallClock())
            }
            let before = store.auditHead.seq
            let appended = try store.appendAuditCopies(records)
            if let checkpoint, network.nodeAuditPublicKey.map({ checkpoint.verifies(with: $0) }) ?? false {
                try store.saveCheckpoint(checkpoint)
                lastCheckpointSeq = max(lastCheckpointSeq, checkpoint.seq)
            }
            // A row that did not follow on ours (a gap, or a fork): ask from where we are.
            let expected = records.filter { $0.seq > before }.count
            if appended < expected || from > store.auditHead.seq + 1 { requestAuditSync() }
        } catch {
            storageFailed(error)
        }
    }

    func requestAuditSync() {
        guard pair.state == .passive else { return }
        lastAuditSync = .now
        let head = store.auditHead
        sendToPeer(.auditSync(from: head.seq + 1, hashBefore: head.hash))
    }
}
