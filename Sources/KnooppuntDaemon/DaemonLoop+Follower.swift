import Crypto
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import Logging
import StrictJSON
import ZeroMQ

// Following the active node: what the daemon does with what the nodes say (its store,
// its outbox and the publishers waiting for an answer).

extension DaemonLoop: NodeFollowerDelegate {
    func nodeFollower(
        _ follower: NodeFollower, startedFollowing link: NodeLink, reason: NodeFollower.FollowReason
    ) {
        outbox.connectionReset()
    }

    func nodeFollowerMaySubmit(_ follower: NodeFollower) { flushOutbox() }

    func nodeFollower(_ follower: NodeFollower, answered message: ServerMessage, now: ContinuousClock.Instant)
    {
        switch message {
        case .ack(let ack):
            if let event = outbox.handle(ack, now: now) { answers.append(event) }
        case .error(let id, let code, let text, let detail):
            let expected = detail["expected"]?.integerValue.map { UInt64(clamping: $0) }
            if let event = outbox.handle(
                error: code, reportID: id, message: text, expected: expected, now: now)
            {
                answers.append(event)
            } else {
                logger.notice(
                    "a national node answered with an error",
                    metadata: [
                        "error.code": "\(code.rawValue)", "report.id": "\(id?.rawValue ?? "-")",
                        "error": "\(text)",
                    ])
            }
        default:
            break
        }
    }

    func nodeFollower(_ follower: NodeFollower, heartbeat: Heartbeat, from link: NodeLink, followed: Bool) {
        if followed { nodeUnreachableSince = nil }
    }

    func nodeFollower(_ follower: NodeFollower, welcomed: NodeFollower.Welcome, now: ContinuousClock.Instant)
    {
        trimHistory(to: welcomed.epochStarts, nodeLast: welcomed.lastSequence)
        guard welcomed.startsFollowing else { return }
        outbox.connectionReset()
        if let resend = outbox.welcomed(nextOriginSeq: welcomed.nextOriginSeq) { answers.append(resend) }
    }

    func nodeFollower(_ follower: NodeFollower, auditHead: AuditCheckpoint) { keep(auditHead) }

    func nodeFollowerWillApply(_ follower: NodeFollower) {
        let answers = self.answers
        self.answers.removeAll()
        record(answers, at: Self.wallClock())
    }

    func nodeFollower(_ follower: NodeFollower, apply updates: [Update]) {
        do { try store.apply(updates) } catch { storageFailed(error) }
    }

    func nodeFollower(
        _ follower: NodeFollower, replaceWith entries: [PictureEntry], sequence: SequenceNumber, epoch: Epoch
    ) {
        do { try store.replace(with: entries, sequence: sequence, epoch: epoch) } catch {
            storageFailed(error)
        }
        logger.info(
            "mirror replaced by a snapshot",
            metadata: ["report.seq": "\(sequence)", "entries": "\(entries.count)"])
    }

    func nodeFollowerDidServe(_ follower: NodeFollower) {
        if follower.statusIsStale { sendStatus() }
        flushOutbox()
    }

    /// Keeps a checkpoint of the node's audit chain that the node's audit key signed: a chain
    /// rewritten later at the node no longer matches what this daemon holds (`audit verify`).
    private func keep(_ checkpoint: AuditCheckpoint) {
        guard let key = nodeAuditKey, checkpoint.verifies(with: key) else {
            logger.warning(
                "an audit checkpoint does not verify with the node's audit key; not kept",
                metadata: ["audit.seq": "\(checkpoint.seq)"])
            return
        }
        do {
            try store.saveCheckpoint(checkpoint)
        } catch {
            logger.error("could not keep an audit checkpoint", metadata: ["error": "\(error)"])
        }
    }

    /// A mirror that applied entries a node pair later discarded (acknowledged alone during a
    /// partition, or past the log of a node that restarted) drops those history rows; its
    /// picture is then replaced by the snapshot the node sends. Only an active node answers
    /// HELLO, so `nodeLast` and `nodeStarts` describe the log we follow from now on.
    private func trimHistory(to nodeStarts: [PairMessage.EpochStart], nodeLast: SequenceNumber) {
        // A node that does not describe its epochs tells us nothing to compare against.
        guard !nodeStarts.isEmpty else { return }
        do {
            let dropped = try store.dropHistory(notIn: nodeStarts, nodeLast: nodeLast)
            if dropped > 0 {
                logger.warning(
                    "dropped history the national node no longer holds",
                    metadata: ["rows": "\(dropped)", "node.seq": "\(nodeLast)"])
            }
        } catch {
            storageFailed(error)
        }
    }

    /// Persists the node's answers, tells waiting publishers, reseals stale reports.
    private func record(_ answers: [OutboxEvent], at wall: Int64) {
        guard !answers.isEmpty else { return }
        do {
            try store.record(answers, at: wall)
        } catch {
            storageFailed(error)
        }
        for answer in answers {
            switch answer {
            case .accepted(let item, let ack):
                notify(
                    item.id,
                    [
                        Array(OperatorReply.accepted.utf8), Array(item.id.rawValue.utf8),
                        Array(String(ack.epoch).utf8),
                        Array(String(ack.sequence).utf8), Array((ack.degraded ? "degraded" : "").utf8),
                    ])
            case .rejected(let item, let code, let message):
                logger.notice(
                    "report refused by the node",
                    metadata: [
                        "report.id": "\(item.id)", "error.code": "\(code.rawValue)", "error": "\(message)",
                    ])
                notify(
                    item.id,
                    [
                        Array(OperatorReply.rejected.utf8), Array(item.id.rawValue.utf8),
                        Array(String(code.rawValue).utf8), Array(message.utf8),
                    ])
            case .reseal(let item):
                reseal(item)
            case .resend(let from, let below):
                do {
                    let items = try store.requeue(from: from, below: below)
                    outbox.restore(items)
                    logger.warning(
                        "the national node lost reports it had acknowledged alone; sending them again",
                        metadata: ["origin.seq": "\(from)..<\(below)", "reports": "\(items.count)"])
                } catch {
                    storageFailed(error)
                }
            }
        }
    }

    private func reseal(_ item: QueuedReport) {
        do {
            guard let bytes = try store.document(of: item.id) else { return }
            let resealed = try item.resealed(
                document: bytes, originSeq: outbox.nextOriginSeq, created: nowTimestamp(),
                signingKey: secrets.signing, codec: documentCodec, random: &random)
            try store.reseal(resealed)
            outbox.requeue(resealed)
            logger.warning(
                "the node had used this report's origin sequence already; sent again with a new one",
                metadata: ["report.id": "\(item.id)", "origin.seq": "\(resealed.originSeq)"])
        } catch {
            logger.error(
                "could not reseal a report", metadata: ["report.id": "\(item.id)", "error": "\(error)"])
        }
    }
}
