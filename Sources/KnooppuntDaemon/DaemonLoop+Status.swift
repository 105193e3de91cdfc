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

extension DaemonLoop {
    func statusJSON() -> JSONValue {
        let wall = Self.wallClock()
        let counts = (try? store.outboxCounts()) ?? (0, 0)
        func describe(_ link: NodeLink) -> [String: JSONValue] {
            let state = follower.selection.nodes[link.role]
            var object: [String: JSONValue] = [
                "role": .string(link.role.rawValue), "connected": .bool(state?.connected ?? false),
                "endpoint": .string(link.endpoint), "followed": .bool(link === follower.target),
            ]
            if let beat = state?.beat {
                object["state"] = .string(beat.role.rawValue)
                object["epoch"] = .integer(Int64(beat.epoch))
                object["lastSequence"] = .integer(Int64(beat.lastSequence))
            }
            if let heard = state?.lastHeard {
                let ago = ContinuousClock.now - heard
                object["lastHeardMsAgo"] = .integer(
                    ago.components.seconds * 1000 + ago.components.attoseconds / 1_000_000_000_000_000)
            }
            return object
        }
        var node: [String: JSONValue] = follower.target.map(describe) ?? ["connected": false]
        node["nodes"] = .array(follower.links.map { .object(describe($0)) })
        if let since = nodeUnreachableSince { node["unreachableSince"] = .integer(since) }
        return [
            "organisation": .string(organisation.rawValue), "pid": .integer(Int64(getpid())),
            "time": .integer(wall),
            "node": .object(node),
            "mirror": [
                "applied": .integer(Int64(mirror.applied)),
                "epoch": .integer(Int64(mirror.picture.lastEpoch)),
                "viewHash": .string(mirror.hash.hex), "entries": .integer(Int64(mirror.picture.count)),
            ],
            "outbox": [
                "queued": .integer(Int64(outbox.backlog)),
                "capacity": .integer(Int64(outbox.limits.capacity)),
                "oldestQueuedMs": .integer(outbox.oldestAge(now: wall)),
                "accepted": .integer(Int64(counts.0)),
                "rejected": .integer(Int64(counts.1)), "nextOriginSeq": .integer(Int64(outbox.nextOriginSeq)),
                // The incidents handed over lately, whatever became of them: a screen's new
                // incident id is never one of these (IssuedIncidentIDs). Left out when the
                // store cannot say, so a screen refuses to guess rather than repeat an id.
                "recentIncidents": (try? store.recentIncidentIDs(now: wall)).map {
                    .array($0.map { .string($0) })
                }
                    ?? .null,
            ],
            "synchronous": .integer(Int64((try? store.synchronousLevel()) ?? -1)),
        ]
    }

    /// A report as PICTURE lists it: a signal's content is left out (its envelope, readers and
    /// states stay), since only SIGNALOPEN shows it, to a person, with a read record.
    static func listed(_ report: SealedReport) -> SealedReport {
        report.envelope.type == .signal ? report.withholdingAllSections() : report
    }

    func pictureJSON() -> JSONValue {
        var entries: [JSONValue] = []
        for entry in mirror.picture.entries.values.sorted(by: { $0.sequence < $1.sequence }) {
            entries.append([
                "key": .string(entry.key), "sequence": .integer(Int64(entry.sequence)),
                "epoch": .integer(Int64(entry.epoch)),
                "committedAt": .integer(entry.committedAt), "report": Self.listed(entry.report).visibleJSON,
            ])
        }
        return [
            "organisation": .string(organisation.rawValue), "sequence": .integer(Int64(mirror.applied)),
            "viewHash": .string(mirror.hash.hex), "entries": .array(entries),
        ]
    }
}
