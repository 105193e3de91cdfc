import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// What the node refused before a message could be decided, for STATUS and the audit log.
struct SecurityCounters {
    /// Connections the ZAP handler refused (unknown key, a key for another endpoint, no CURVE).
    var zapRefused = 0
    /// Handshakes that failed before ZAP was asked (garbage bytes, another mechanism).
    var handshakeFailed = 0
    /// Messages refused because their organisation exceeded its rate (also in `refusals`).
    var rateLimited: [OrganisationCode: Int] = [:]
    /// Since the last audit summary: refused connections by peer address and reason.
    var refusedSinceSummary: [String: Int] = [:]
    /// Since the last audit summary: rate-limited messages per organisation.
    var limitedSinceSummary: [OrganisationCode: Int] = [:]
    /// Since the last audit summary: refusals of undecodable messages (and of messages on a
    /// connection made with a retired key) per organisation and code.
    var malformedSinceSummary: [OrganisationCode: [ErrorCode: Int]] = [:]

    var json: JSONValue {
        var limited: [String: JSONValue] = [:]
        for (code, count) in rateLimited { limited[code.rawValue] = .integer(Int64(count)) }
        return [
            "zapRefused": .integer(Int64(zapRefused)), "handshakeFailed": .integer(Int64(handshakeFailed)),
            "rateLimited": .object(limited),
        ]
    }
}

extension NodeLoop {
    // MARK: Connections refused before they could speak

    /// The ZAP handler refused a connection (called on our loop).
    func connectionRefused(_ refusal: ZAPRefusal) {
        security.zapRefused += 1
        security.refusedSinceSummary["\(refusal.peerAddress) \(refusal.reason)", default: 0] += 1
        if let suppressed = connectionLog.take(now: .now) {
            logger.warning(
                "refused connection",
                metadata: [
                    "peer.address": "\(refusal.peerAddress)", "reason": "\(refusal.reason)",
                    "key": "\(refusal.publicKey ?? "-")", "zap.domain": "\(refusal.domain)",
                    "suppressed": "\(suppressed)",
                ])
        }
    }

    /// Handshake failures on the node endpoint: clients that never reached ZAP.
    func serveRouterMonitor() {
        while let event = try? MonitorEvent.receive(from: routerMonitor) {
            switch event.kind {
            case .handshakeFailedProtocol, .handshakeFailedNoDetail:
                security.handshakeFailed += 1
                security.refusedSinceSummary["\(event.address) handshake failed", default: 0] += 1
                if let suppressed = connectionLog.take(now: .now) {
                    logger.warning(
                        "a connection failed its handshake (not a CURVE client of this network)",
                        metadata: [
                            "peer.address": "\(event.address)", "event": "\(event.kind)",
                            "detail": "\(event.value)", "suppressed": "\(suppressed)",
                        ])
                }
            case .handshakeFailedAuth:
                // Counted and logged by the ZAP handler's callback, which knows the peer and key.
                break
            default:
                break
            }
        }
    }

    // MARK: Rate limit

    /// Takes one message from `organisation`'s budget; refuses it (E500) when none is left.
    /// `reportID` is read only when the refusal is answered (at most once per interval).
    func admit(
        _ organisation: OrganisationCode, routing: [UInt8], command: String, now: ContinuousClock.Instant,
        reportID: () -> ReportID?
    )
        -> Bool
    {
        guard !limiter.allow(organisation, now: now) else { return true }
        refuseLimited(organisation, routing: routing, command: command, limit: "peerMessageRate", now: now) {
            (
                reportID(),
                "\(organisation) sent more than \(Int(options.peerMessageRate)) messages per second (burst \(Int(options.peerMessageBurst))); send again later",
                [
                    "field": "message", "limit": "peerMessageRate",
                    "perSecond": .integer(Int64(options.peerMessageRate)), "command": .string(command),
                ]
            )
        }
        return false
    }

    /// Refuses a message read while its organisation already has `waiting` messages waiting to
    /// be decided (E500, before decoding): a flood costs the node a read and a short answer,
    /// and its connection is drained instead of left full (libzmq stops reading a full
    /// connection, and 4.3.4 can abort when such a connection then fails).
    func shed(_ message: Message, waiting: Int, now: ContinuousClock.Instant) {
        guard message.frames.count >= 2, let userID = message.userId,
            let (organisation, _) = NodeServer.identity(userID)
        else { return }
        refuseLimited(
            organisation, routing: message.frames[0], command: "-", limit: "backlogPerOrganisation", now: now
        ) {
            (
                message.unpacked(routed: true, maxParts: WireLimits.maxFrames + 1).flatMap(
                    MessageCodec.submittedReportID),
                "\(organisation) has \(waiting) messages waiting at the node (limit \(options.backlogPerOrganisation)); send again later",
                ["field": "message", "limit": "backlogPerOrganisation", "waiting": .integer(Int64(waiting))]
            )
        }
    }

    /// Counts a refusal and logs it within the log budget; answers E500 at most once per
    /// `limitAnswerInterval` per organisation, so `answer` (the report id, text and detail) is
    /// only built for the messages of a flood that are answered.
    private func refuseLimited(
        _ organisation: OrganisationCode, routing: [UInt8], command: String, limit: String,
        now: ContinuousClock.Instant, answer: () -> (reportID: ReportID?, message: String, detail: JSONValue)
    ) {
        security.rateLimited[organisation, default: 0] += 1
        security.limitedSinceSummary[organisation, default: 0] += 1
        refusals[.rateLimited, default: 0] += 1
        if let suppressed = refusalLog.take(now: now) {
            logger.notice(
                "rate limit: refusing messages",
                metadata: [
                    "org": "\(organisation)", "command": "\(command)", "suppressed": "\(suppressed)",
                    "limit": "\(limit)",
                ])
        }
        if let answered = limitAnswered[organisation], now - answered < options.limitAnswerInterval { return }
        limitAnswered[organisation] = now
        let (reportID, message, detail) = answer()
        send(routing, .error(reportID: reportID, code: .rateLimited, message: message, detail: detail))
    }

    /// Once per flush interval: one audit row per kind of bulk refusal, not one per message.
    func summariseRefusals() {
        let now = Self.wallClock()
        if !security.refusedSinceSummary.isEmpty {
            var byPeer: [String: JSONValue] = [:]
            for (key, count) in security.refusedSinceSummary.sorted(by: { $0.value > $1.value }).prefix(20) {
                byPeer[key] = .integer(Int64(count))
            }
            audit(
                AuditEvent(
                    at: now, kind: .connectionsRefused, actor: "-",
                    detail: [
                        "count": .integer(Int64(security.refusedSinceSummary.values.reduce(0, +))),
                        "byPeerAndReason": .object(byPeer),
                    ]))
            security.refusedSinceSummary.removeAll()
        }
        for (organisation, count) in security.limitedSinceSummary.sorted(by: { $0.key < $1.key }) {
            audit(
                AuditEvent(
                    at: now, kind: .rateLimited, actor: organisation.rawValue,
                    code: ErrorCode.rateLimited.rawValue,
                    detail: [
                        "refused": .integer(Int64(count)),
                        "perSecond": .integer(Int64(options.peerMessageRate)),
                    ]))
        }
        security.limitedSinceSummary.removeAll()
        for (organisation, codes) in security.malformedSinceSummary.sorted(by: { $0.key < $1.key }) {
            var counts: [String: JSONValue] = [:]
            for (code, count) in codes { counts[code.label] = .integer(Int64(count)) }
            audit(
                AuditEvent(
                    at: now, kind: .refused, actor: organisation.rawValue,
                    detail: ["refusedMessages": .object(counts)]))
        }
        security.malformedSinceSummary.removeAll()
    }
}
