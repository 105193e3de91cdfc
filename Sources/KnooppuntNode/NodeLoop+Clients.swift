import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

extension NodeLoop {
    struct Pending {
        var accepted: [(routing: [UInt8], update: Update, document: ReportDocument)] = []
        var rejected: [(routing: [UInt8], record: RejectionRecord)] = []
        var outcomes: [ReportID: PastOutcome] = [:]
        /// Answers to resends, given with (or after) the batch that holds their original.
        var repeats: [(routing: [UInt8], outcome: PastOutcome)] = []
        var hellos: [(Session, SequenceNumber, Epoch)] = []
        var fetches: [(Session, SequenceNumber, SequenceNumber)] = []
    }

    func serveRouter() {
        // Read what is ready, but decide for at most `decideBudget` before committing: under
        // load the loop must still get round to etcd's answers, heartbeats and timers.
        let started = ContinuousClock.now
        var messages: [Message] = leftover
        leftover.removeAll()
        var requeue: [Message] = []
        // Read everything that is ready (within a time budget), so no connection stays full;
        // an organisation with `backlogPerOrganisation` messages waiting is refused at once.
        var waiting: [String: Int] = [:]
        for message in messages { waiting[message.userId ?? "", default: 0] += 1 }
        while ContinuousClock.now - started < options.decideBudget / 4 {
            do {
                // A KNP message is one packed frame after the routing id; anything longer is refused.
                guard let message = try router.receive(dontWait: true, maxFrames: 3) else { break }
                let sender = message.userId ?? ""
                let queued = waiting[sender, default: 0]
                guard queued < options.backlogPerOrganisation else {
                    shed(message, waiting: queued, now: started)
                    continue
                }
                waiting[sender] = queued + 1
                messages.append(message)
            } catch {
                logger.error("receive failed", metadata: ["error": "\(error)"])
                break
            }
        }
        guard !messages.isEmpty else { return }
        // Each organisation in turn (its own order kept): one that floods, or resends a large
        // backlog, takes its share of the decide budget and waits in `leftover` for the rest,
        // instead of putting every other organisation's reports behind its own.
        messages = FairShare.interleave(messages) { $0.userId ?? "" }
        if messages.count > options.batchLimit {
            requeue = Array(messages[options.batchLimit...])
            messages.removeLast(messages.count - options.batchLimit)
        }
        let now = ContinuousClock.now
        let wall = Self.wallClock()
        var pending = Pending()
        let codec = MessageCodec()
        // Submits wait here until `contentCheckChunk` have gathered (or the pass ends), so
        // their signatures and documents can be checked on every core at once; they are then
        // decided one by one, in the order they came.
        var submits: [(report: SealedReport, session: Session)] = []
        for (index, message) in messages.enumerated() {
            if submits.count >= Self.contentCheckChunk {
                decideInOrder(&submits, now: wall, pending: &pending)
            }
            if ContinuousClock.now - started > options.decideBudget {
                // Out of time: what is left waits for the next pass, behind this batch's commit.
                requeue = Array(messages[index...]) + requeue
                break
            }
            guard message.frames.count >= 2 else { continue }
            let routing = message.frames[0]
            // ZAP gives every admitted connection `ORG/<key>` as User-Id.
            guard let userID = message.userId, let (organisation, key) = NodeServer.identity(userID) else {
                refuse(
                    routing, nil, Problem(.originMismatch, field: "User-Id", "connection has no organisation")
                )
                continue
            }
            // A connection made before a key rotation still carries the old key, one made before
            // `org remove` a removed partner's: it may not speak for the organisation any more.
            guard network.organisations[organisation]?.curvePublicKey == key else {
                sessions.removeValue(forKey: routing)
                refuse(
                    routing, nil,
                    Problem(
                        .retiredKey, field: "User-Id",
                        network.organisations[organisation] == nil
                            ? "\(organisation) was removed from this network; its key is no longer admitted"
                            : "this connection was authenticated with a key \(organisation) no longer holds; reconnect with the current key"
                    ), from: organisation)
                continue
            }
            let parts = message.unpacked(routed: true, maxParts: WireLimits.maxFrames + 1)
            let command = parts.flatMap {
                $0.count > 1 ? String(decoding: $0[1].prefix(16), as: UTF8.self) : nil
            }
            guard
                admit(
                    organisation, routing: routing, command: command ?? "?", now: now,
                    reportID: { parts.flatMap(MessageCodec.submittedReportID) })
            else { continue }
            let session =
                sessions[routing] ?? Session(routingID: routing, organisation: organisation, now: now)
            sessions[routing] = session
            session.lastHeard = now
            guard let parts else {
                refuse(
                    routing, nil,
                    Problem(
                        .wrongFrameCount, field: "message",
                        "a KNP/1 message is one frame packing at most \(WireLimits.maxFrames) parts"),
                    from: organisation)
                continue
            }
            let decoded: ClientMessage
            do {
                decoded = try codec.decodeClient(parts)
            } catch {
                if let suppressed = refusalLog.take(now: now) {
                    logger.notice(
                        "refused message",
                        metadata: [
                            "org": "\(organisation)", "error.code": "\(error.code.rawValue)",
                            "error": "\(error)",
                            "suppressed": "\(suppressed)",
                        ])
                }
                // The answer names the report when the envelope's id can be read; the audit
                // still sums such refusals up per organisation and code.
                refuse(
                    routing, MessageCodec.submittedReportID(parts), error, from: organisation,
                    summarised: true)
                continue
            }
            switch decoded {
            case .attach(_, _, let role):
                // Heartbeats from now on (they say who is active); no answer, no vote.
                session.role = role
                session.attached = true
            case .hello(let applied, let helloEpoch, let role, let accepts):
                session.role = role
                session.accepts = accepts
                session.attached = true
                // Only the active node serves; etcd alone chooses which replica that is.
                guard isActive else {
                    refuse(
                        routing, nil,
                        Problem(
                            .notActive, field: "node",
                            "this node is \(stateName): a follower of the log in etcd"))
                    continue
                }
                pending.hellos.append((session, applied, helloEpoch))
            case .submit(let report):
                guard isActive else {
                    refuse(
                        routing, report.id,
                        Problem(
                            .notActive, field: "node",
                            "this node is \(stateName); send to the active node"))
                    continue
                }
                if let refusal = quorumRefusal {
                    refuse(routing, report.id, refusal, detail: ["limit": .string(refusal.field)])
                    continue
                }
                submits.append((report, session))
            case .fetch(let from, let to):
                guard isActive else {
                    refuse(
                        routing, nil,
                        Problem(.notActive, field: "node", "this node is \(stateName)"))
                    continue
                }
                pending.fetches.append((session, from, to))
            case .status(let status):
                board[organisation] = BoardEntry(
                    lastHeard: now, lastHeardWall: wall, status: status, role: session.role)
                auditDelivery(organisation, status, now: now)
            }
        }
        decideInOrder(&submits, now: wall, pending: &pending)
        commit(&pending, at: wall)
        if !requeue.isEmpty {
            // Read but not decided: first in the next pass. The socket may not signal again
            // (nothing new arrives), so a timer brings the loop back here.
            leftover = requeue
            if !leftoverTimerArmed {
                leftoverTimerArmed = true
                loop.after(.zero) { [unowned self] in
                    leftoverTimerArmed = false
                    if !leftover.isEmpty { serveRouter() }
                }
            }
        }
        for (session, applied, helloEpoch) in pending.hellos {
            hello(session, applied: applied, epoch: helloEpoch)
        }
        for (session, from, to) in pending.fetches { fetch(session, from: from, to: to) }
        pumpJobs()
        OffLoopRelease.release((consume messages, consume pending))
    }

    /// Commits the batch (one transaction, one fsync); then, once etcd committed it too (or at
    /// once when the node is alone), acknowledges and publishes.
    private func commit(_ pending: inout Pending, at now: Int64) {
        var batch: Batch?
        if !pending.accepted.isEmpty || !pending.rejected.isEmpty {
            let commitStart = ContinuousClock.now
            // The batch's audit rows, and any waiting, go into the same transaction: no extra
            // fsync. On etcd they go in the batch's log entry instead, and into this store once
            // etcd committed it (NodeLoop+QuorumCommit.swift).
            let events = auditQueue + auditEvents(for: pending, at: now)
            auditQueue.removeAll()
            let etcdAudit = quorumAuditRows(events)
            do {
                _ = try store.commit(
                    accepted: pending.accepted.map { ($0.update, $0.document) },
                    records: pending.rejected.map(\.record), audit: quorum == nil ? events : [], epoch: epoch,
                    logSequence: coordinator.lastSequence)
            } catch {
                storageFailed(error)
            }
            committedBatches += 1
            committedReports += pending.accepted.count + pending.rejected.count
            commitTime += ContinuousClock.now - commitStart
            crashPoint?.check(.afterCommit, batch: committedBatches)
            batchCounter += 1
            var answers: [(routing: [UInt8], answer: Batch.Answer)] = []
            for item in pending.accepted {
                let report = item.update.report
                answers.append(
                    (
                        item.routing,
                        .ack(
                            Ack(
                                reportID: report.id, epoch: item.update.epoch, sequence: item.update.sequence,
                                originSeq: report.envelope.originSeq))
                    ))
            }
            for item in pending.rejected {
                answers.append((item.routing, .refusal(item.record.rejection)))
                awaitingRejections.insert(item.record.rejection.reportID)
            }
            batch = Batch(
                id: batchCounter, lastSequence: coordinator.lastSequence, answers: answers,
                updates: pending.accepted.map(\.update), committedAt: .now, audit: etcdAudit)
        }
        // A resend of a report whose original is not yet released is answered with it.
        for item in pending.repeats {
            let waits: Bool
            switch item.outcome {
            case .accepted(let ack, _): waits = ack.sequence > lastSequence
            case .rejected(let rejection): waits = awaitingRejections.contains(rejection.reportID)
            }
            let reply: Batch.Answer =
                switch item.outcome {
                case .accepted(let ack, _): .ack(ack)
                case .rejected(let rejection): .refusal(rejection)
                }
            if waits, batch != nil {
                batch!.answers.append((item.routing, reply))
            } else if waits, !awaiting.isEmpty {
                awaiting[awaiting.count - 1].answers.append((item.routing, reply))
            } else {
                answer(item.routing, reply)
            }
        }
        guard let batch else { return }
        if quorum != nil {
            quorumCommit(batch, updates: batch.updates, records: pending.rejected.map(\.record))
        } else {
            release(batch)
        }
    }
}
