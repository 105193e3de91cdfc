import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

extension NodeLoop {
    /// Sends a committed update to every party that is live, in its own view.
    func publish(_ update: Update) {
        var framesByVisibility: [[Bool]: [[UInt8]]] = [:]
        for session in sessions.values where session.subscribed && session.job == nil {
            guard session.sentUpTo == update.sequence - 1 else {
                session.job = .catchUp(next: session.sentUpTo + 1)
                continue
            }
            let visibility = update.report.visibility(for: session.view)
            let frames =
                framesByVisibility[visibility]
                ?? {
                    let projected = Update(
                        sequence: update.sequence, epoch: update.epoch, committedAt: update.committedAt,
                        report: update.report.projected(for: session.view))
                    let encoded = MessageCodec.encode(.update(projected))
                    framesByVisibility[visibility] = encoded
                    return encoded
                }()
            if send(session.routingID, frames: frames) {
                session.sentUpTo = update.sequence
            } else {
                // Its queue is full: it catches up from the log when it has room again.
                session.job = .catchUp(next: update.sequence)
                streamQueueFull += 1
            }
        }
        if let chpPublisher {
            _ = try? chpPublisher.send(CHP.entry(update, withUUID: true), dontWait: true)
        }
    }

    /// WELCOME: who we are and what the party should send next.
    func welcome(_ session: Session) {
        send(
            session.routingID,
            .welcome(
                epoch: epoch, lastSequence: lastSequence,
                nextOriginSeq: coordinator.nextOriginSeq(for: session.organisation),
                epochStarts: (try? store.epochStarts()) ?? []))
    }

    func hello(_ session: Session, applied: SequenceNumber, epoch helloEpoch: Epoch) {
        session.subscribed = true
        welcome(session)
        let knownEpoch: Epoch? = applied == 0 ? helloEpoch : (try? store.epoch(of: applied)) ?? nil
        // Replay the log when that is the shorter way (and within the limit); otherwise a
        // snapshot of the latest entry per key.
        let replayLimit = min(options.catchUpLimit, UInt64(max(picture.count, 1)))
        if applied <= lastSequence, knownEpoch == helloEpoch, lastSequence - applied <= replayLimit {
            session.sentUpTo = applied
            session.job = applied == lastSequence ? nil : .catchUp(next: applied + 1)
        } else {
            startSnapshot(session)
        }
        logger.info(
            "party subscribed",
            metadata: [
                "org": "\(session.organisation)", "role": "\(session.role?.rawValue ?? "-")",
                "applied": "\(applied)",
                "node.seq": "\(lastSequence)",
                "mode":
                    "\(session.job.map { if case .snapshot = $0 { "snapshot" } else { "catch-up" } } ?? "live")",
            ])
    }

    func fetch(_ session: Session, from: SequenceNumber, to: SequenceNumber) {
        guard session.subscribed else {
            // Answered rather than ignored: a client that skipped HELLO would otherwise wait
            // for a range that never comes (docs/PROTOCOL.md §5.2).
            refuse(
                session.routingID, nil,
                Problem(
                    .helloFirst, field: "FETCH",
                    "send HELLO before FETCH: the node streams only to a connection that said HELLO"),
                from: session.organisation)
            return
        }
        if to - from > options.catchUpLimit {
            startSnapshot(session)
        } else if case .snapshot? = session.job {
            return
        } else if case .catchUp(let next)? = session.job, next <= from {
            return
        } else {
            session.job = .catchUp(next: from)
        }
    }

    func startSnapshot(_ session: Session) {
        let taken = ContinuousClock.now
        let entries = Array(picture.entries.values)
        // Sorting indexes, not the entries: an entry is large, and moving it is not free.
        let order = entries.indices.sorted { entries[$0].sequence < entries[$1].sequence }
        session.job = .snapshot(
            .init(
                sequence: lastSequence, epoch: epoch, entries: entries, order: order,
                hash: picture.hash(for: session.view), takenAt: taken))
    }

    /// Advances every streaming job by a bounded burst; re-arms itself while work remains.
    func pumpJobs() {
        let started = ContinuousClock.now
        var remaining = false
        for session in sessions.values where session.job != nil {
            if ContinuousClock.now - started < options.streamBudget { pump(session) }
            if session.job != nil { remaining = true }
        }
        if remaining && !jobsTimerArmed {
            jobsTimerArmed = true
            loop.after(options.streamPause) { [unowned self] in
                jobsTimerArmed = false
                pumpJobs()
            }
        }
    }

    func pump(_ session: Session) {
        let started = ContinuousClock.now
        var budget = options.catchUpBurst
        while budget > 0, ContinuousClock.now - started < options.streamBudget, let job = session.job {
            switch job {
            case .catchUp(let next):
                guard next <= lastSequence else {
                    session.job = nil
                    return
                }
                let updates: [Update]
                do {
                    updates = try store.updates(in: next...lastSequence, limit: min(budget, 64))
                } catch {
                    storageFailed(error)
                }
                var position = next
                for update in updates {
                    let projected = Update(
                        sequence: update.sequence, epoch: update.epoch, committedAt: update.committedAt,
                        report: update.report.projected(for: session.view))
                    guard send(session.routingID, .update(projected)) else {
                        session.job = .catchUp(next: position)
                        return
                    }
                    session.sentUpTo = update.sequence
                    position = update.sequence + 1
                    budget -= 1
                }
                session.job = position > lastSequence ? nil : .catchUp(next: position)
                if updates.isEmpty { session.job = nil }
            case .snapshot(var snapshot):
                if !snapshot.headerSent {
                    guard
                        send(
                            session.routingID,
                            .snapshot(
                                sequence: snapshot.sequence, epoch: snapshot.epoch,
                                count: snapshot.entries.count))
                    else { return }
                    snapshot.headerSent = true
                }
                while snapshot.next < snapshot.order.count, budget > 0,
                    ContinuousClock.now - started < options.streamBudget
                {
                    let entry = snapshot.entries[snapshot.order[snapshot.next]]
                    let projected = Update(
                        sequence: entry.sequence, epoch: entry.epoch, committedAt: entry.committedAt,
                        report: entry.report.projected(for: session.view))
                    guard send(session.routingID, .entry(projected)) else {
                        session.job = .snapshot(snapshot)
                        return
                    }
                    snapshot.next += 1
                    budget -= 1
                }
                guard snapshot.next == snapshot.order.count else {
                    session.job = .snapshot(snapshot)
                    return
                }
                guard
                    send(
                        session.routingID,
                        .snapEnd(
                            sequence: snapshot.sequence, epoch: snapshot.epoch, viewHash: snapshot.hash.hex))
                else {
                    session.job = .snapshot(snapshot)
                    return
                }
                session.sentUpTo = snapshot.sequence
                session.job = snapshot.sequence < lastSequence ? .catchUp(next: snapshot.sequence + 1) : nil
                logger.info(
                    "snapshot sent",
                    metadata: [
                        "org": "\(session.organisation)", "entries": "\(snapshot.entries.count)",
                        "seq": "\(snapshot.sequence)",
                        "took": "\(ContinuousClock.now - snapshot.takenAt)",
                    ])
            }
        }
    }

    func heartbeat() {
        let beat = MessageCodec.encode(
            .heartbeat(
                Heartbeat(
                    role: announcedRole, epoch: epoch, lastSequence: lastSequence, nodeTime: Self.wallClock(),
                    degraded: isDegraded)))
        // A party whose connection is gone is removed when a send to it fails (ROUTER_MANDATORY
        // reports EHOSTUNREACH); ZMTP heartbeats close dead TCP connections within seconds.
        for session in sessions.values where session.attached {
            _ = send(session.routingID, frames: beat)
        }
        if isActive, let chpPublisher { _ = try? chpPublisher.send(CHP.hugz(), dontWait: true) }
        pumpJobs()
    }

}
