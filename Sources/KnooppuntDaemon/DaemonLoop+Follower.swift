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
        submits.connectionReset()
    }

    func nodeFollowerMaySubmit(_ follower: NodeFollower) { flushOutbox() }

    func nodeFollower(_ follower: NodeFollower, answered message: ServerMessage, now: ContinuousClock.Instant)
    {
        guard !submits.handle(message, now: now), case .error(let id, let code, let text, _) = message else {
            return
        }
        logger.notice(
            "a national node answered with an error",
            metadata: [
                "error.code": "\(code.rawValue)", "report.id": "\(id?.rawValue ?? "-")", "error": "\(text)",
            ])
    }

    func nodeFollower(_ follower: NodeFollower, heartbeat: Heartbeat, from link: NodeLink, followed: Bool) {
        if followed { nodeUnreachableSince = nil }
    }

    func nodeFollower(_ follower: NodeFollower, welcomed: NodeFollower.Welcome, now: ContinuousClock.Instant)
    {
        trimHistory(to: welcomed.epochStarts, nodeLast: welcomed.lastSequence)
        guard welcomed.startsFollowing else { return }
        submits.connectionReset()
        submits.welcomed(nextOriginSeq: welcomed.nextOriginSeq)
    }

    func nodeFollower(_ follower: NodeFollower, auditHead: AuditCheckpoint) { keep(auditHead) }

    func nodeFollowerWillApply(_ follower: NodeFollower) {
        tellPublishers(submits.recordAnswers(at: Self.wallClock()))
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

    /// A mirror that applied entries the node no longer holds (past the log of a node that
    /// restarted from an older store) drops those history rows; its
    /// picture is then replaced by the snapshot the node sends. Only an active node answers
    /// HELLO, so `nodeLast` and `nodeStarts` describe the log we follow from now on.
    private func trimHistory(to nodeStarts: [EpochStart], nodeLast: SequenceNumber) {
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

    /// Tells the publishers waiting for these reports what the node answered.
    private func tellPublishers(_ answers: [OutboxEvent]) {
        for answer in answers {
            switch answer {
            case .accepted(let item, let ack):
                notify(
                    item.id,
                    .accepted(item.id, epoch: ack.epoch, sequence: ack.sequence, degraded: ack.degraded))
            case .rejected(let item, let code, let message):
                notify(item.id, .rejected(item.id, code: code, message: message))
            case .reseal, .resend:
                break
            }
        }
    }
}
