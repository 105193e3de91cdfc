import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// The audit log (docs/PROTOCOL.md §13). Only the active node appends to the chain: rows about
/// a batch go into the batch's own transaction; rows with no log write to ride on wait for
/// the next batch or the flush timer (on etcd, every row goes through the log and each replica
/// writes it from there). The active signs its head every few seconds and hands the checkpoint
/// to the daemons.
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
                    "etcd": .bool(options.quorum != nil), "network": .string(configStamp.networkDigest),
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
        do {
            _ = try store.appendAudit(events, epoch: epoch, logSequence: coordinator.lastSequence)
        } catch {
            storageFailed(error)
        }
    }

    /// Signs the chain head when it moved: stored here and sent to the daemons.
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
}
