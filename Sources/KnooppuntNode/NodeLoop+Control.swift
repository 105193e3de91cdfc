import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

extension NodeLoop {
    // MARK: CHP snapshot (public view)

    func serveCHPSnapshot() {
        guard let chpSnapshot else { return }
        for _ in 0..<64 {
            guard let message = try? chpSnapshot.receive(dontWait: true, maxFrames: 4) else { return }
            guard message.frames.count >= 2, let subtree = CHP.icanhaz(Array(message.frames.dropFirst()))
            else { continue }
            let routing = message.frames[0]
            let prefix = String(decoding: subtree, as: UTF8.self)
            for entry in picture.entries.values.sorted(by: { $0.sequence < $1.sequence })
            where ("/" + entry.key).hasPrefix(prefix) {
                var frames = CHP.entry(entry.update, withUUID: false)
                frames[2] = []
                guard (try? chpSnapshot.send([routing] + frames, dontWait: true)) == true else { break }
            }
            _ = try? chpSnapshot.send(
                [routing] + CHP.kthxbai(sequence: lastSequence, subtree: subtree), dontWait: true)
        }
    }

    // MARK: Local control (status)

    func serveControl() {
        for _ in 0..<16 {
            guard let message = try? control.receive(dontWait: true, maxFrames: 3) else { return }
            guard let parts = message.unpacked(routed: true, maxParts: 4), parts.count >= 2,
                parts[0] == protocolSignature
            else { continue }
            let routing = message.frames[0]
            let reply: JSONValue
            switch String(decoding: parts[1], as: UTF8.self) {
            case "STATUS": reply = statusJSON()
            default: reply = ["error": "unknown command"]
            }
            _ = try? control.sendPacked(
                [protocolSignature, Array("STATUS".utf8), JSONWriter.canonical(reply)], routing: routing,
                dontWait: true)
        }
    }

    func statusJSON() -> JSONValue { status().json }

    /// The node's state and its liveness board, as the control socket answers STATUS.
    func status() -> NodeStatus {
        let now = ContinuousClock.now
        var parties: [String: NodeStatus.Party] = [:]
        let connected = Set(sessions.values.filter(\.subscribed).map(\.organisation))
        for code in network.organisations.keys.sorted() {
            let nodeViewHash = picture.hash(for: .organisation(code)).hex
            var entry = NodeStatus.Party(connected: connected.contains(code), nodeViewHash: nodeViewHash)
            if let known = board[code] {
                entry.lastHeardMsAgo = Self.milliseconds(now - known.lastHeard)
                entry.lastHeardAt = known.lastHeardWall
                if let status = known.status {
                    entry.applied = status.applied
                    entry.viewHash = status.viewHash
                    entry.outboxBacklog = Int64(status.outboxBacklog)
                    entry.oldestQueuedMs = status.oldestQueuedMs
                    entry.pid = Int64(status.pid)
                    entry.clockSkewMs = status.sentAt - known.lastHeardWall
                    entry.lag = Int64(lastSequence) - Int64(status.applied)
                    entry.converged = status.applied == lastSequence && status.viewHash == nodeViewHash
                }
                entry.role = known.role?.rawValue
            }
            parties[code.rawValue] = entry
        }
        var refusalCounts: [String: Int64] = [:]
        for (code, count) in refusals { refusalCounts[String(code.rawValue)] = Int64(count) }
        var status = NodeStatus(
            role: announcedRole.rawValue, epoch: epoch, degraded: false,
            lastSequence: lastSequence, pid: Int64(getpid()), entries: Int64(picture.count),
            publicViewHash: picture.hash(for: .publicView).hex, parties: parties, refusals: refusalCounts,
            time: Self.wallClock(), security: security.json,
            audit: NodeStatus.Audit(
                head: Int64(clamping: store.auditHead.seq), headHash: Hex.encode(store.auditHead.hash),
                checkpointed: Int64(clamping: lastCheckpointSeq), waiting: Int64(auditQueue.count)),
            policy: coordinator.policy.digest, synchronous: Int64((try? store.synchronousLevel()) ?? -1),
            commits: NodeStatus.Commits(
                batches: Int64(committedBatches), reports: Int64(committedReports),
                milliseconds: Self.milliseconds(commitTime)), quorum: quorumStatus)
        let subscribed = sessions.values.filter(\.subscribed)
        status.stream = NodeStatus.Stream(
            subscribed: Int64(subscribed.count), catchingUp: Int64(subscribed.filter { $0.job != nil }.count),
            mostBehind: Int64(subscribed.map { lastSequence - min($0.sentUpTo, lastSequence) }.max() ?? 0),
            queueFull: Int64(streamQueueFull))
        return status
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
