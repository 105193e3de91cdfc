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

    func statusJSON() -> JSONValue {
        let now = ContinuousClock.now
        var parties: [String: JSONValue] = [:]
        let connected = Set(sessions.values.filter(\.subscribed).map(\.organisation))
        for code in network.organisations.keys.sorted() {
            var entry: [String: JSONValue] = [
                "connected": .bool(connected.contains(code)),
                "nodeViewHash": .string(picture.hash(for: .organisation(code)).hex),
            ]
            if let known = board[code] {
                let ago = now - known.lastHeard
                entry["lastHeardMsAgo"] = .integer(
                    ago.components.seconds * 1000 + ago.components.attoseconds / 1_000_000_000_000_000)
                entry["lastHeardAt"] = .integer(known.lastHeardWall)
                if let status = known.status {
                    entry["applied"] = .integer(Int64(status.applied))
                    entry["viewHash"] = .string(status.viewHash)
                    entry["outboxBacklog"] = .integer(Int64(status.outboxBacklog))
                    entry["oldestQueuedMs"] = .integer(status.oldestQueuedMs)
                    entry["pid"] = .integer(Int64(status.pid))
                    entry["clockSkewMs"] = .integer(status.sentAt - known.lastHeardWall)
                    entry["lag"] = .integer(Int64(lastSequence) - Int64(status.applied))
                    entry["converged"] = .bool(
                        status.applied == lastSequence
                            && status.viewHash == picture.hash(for: .organisation(code)).hex)
                }
                if let role = known.role { entry["role"] = .string(role.rawValue) }
            }
            parties[code.rawValue] = .object(entry)
        }
        var refusalCounts: [String: JSONValue] = [:]
        for (code, count) in refusals { refusalCounts[String(code.rawValue)] = .integer(Int64(count)) }
        var pairJSON: JSONValue = .null
        if isPaired {
            var object: [String: JSONValue] = [
                "configuredRole": .string(options.role.rawValue), "state": .string(pair.state.rawValue),
                "peerAlive": .bool(pair.peerAlive(now: now)), "peerInSync": .bool(pair.peerInSync),
                "syncing": .bool(pair.state == .passive && pair.syncing),
                "awaitingBatches": .integer(Int64(awaiting.count)),
                "committedSequence": .integer(Int64(coordinator.lastSequence)),
                "takeovers": .array(
                    takeovers.map { ["epoch": .integer(Int64($0.epoch)), "at": .integer($0.at)] }),
            ]
            if let peer = pair.peer {
                object["peer"] = [
                    "role": .string(peer.role.rawValue), "state": .string(peer.state.rawValue),
                    "epoch": .integer(Int64(peer.epoch)), "lastSequence": .integer(Int64(peer.lastSequence)),
                    "syncing": .bool(peer.syncing),
                ]
            }
            pairJSON = .object(object)
        }
        return [
            "role": .string(announcedRole.rawValue), "epoch": .integer(Int64(epoch)),
            "degraded": .bool(isDegraded),
            "pair": pairJSON,
            "lastSequence": .integer(Int64(lastSequence)),
            "pid": .integer(Int64(getpid())), "entries": .integer(Int64(picture.count)),
            "publicViewHash": .string(picture.hash(for: .publicView).hex), "parties": .object(parties),
            "refusals": .object(refusalCounts), "time": .integer(Self.wallClock()),
            "security": security.json,
            "audit": [
                "head": .integer(Int64(clamping: store.auditHead.seq)),
                "headHash": .string(Hex.encode(store.auditHead.hash)),
                "checkpointed": .integer(Int64(clamping: lastCheckpointSeq)),
                "waiting": .integer(Int64(auditQueue.count)),
            ],
            "policy": .string(coordinator.policy.digest),
            "synchronous": .integer(Int64((try? store.synchronousLevel()) ?? -1)),
            "commits": [
                "batches": .integer(Int64(committedBatches)), "reports": .integer(Int64(committedReports)),
                "milliseconds": .integer(
                    commitTime.components.seconds * 1000 + commitTime.components.attoseconds
                        / 1_000_000_000_000_000),
            ],
        ]
    }
}
