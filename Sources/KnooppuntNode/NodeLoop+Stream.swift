import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// Parties that get the same messages for one pass of updates: the same sections visible of
/// each, and the same way of reading them.
struct StreamClass: Hashable {
    let masks: [UInt64]
    let batched: Bool
}

extension NodeLoop {
    /// Sends committed updates to every party that is live, each in its own view: the
    /// updates of one pass in as few messages as the party can read (batched when it said so
    /// in HELLO), each encoded once for every party that sees it the same way.
    func publish(_ updates: [Update]) {
        guard let first = updates.first else { return }
        let sequences = updates.map(\.sequence)
        // Per update: its parts per visibility mask, projected once for every party so.
        var framesByMask = [[UInt64: [[UInt8]]]](repeating: [:], count: updates.count)
        var messagesByClass: [StreamClass: [StreamMessage]] = [:]
        for session in sessions.values where session.subscribed && session.job == nil {
            guard session.sentUpTo == first.sequence - 1 else {
                session.job = .catchUp(next: session.sentUpTo + 1)
                continue
            }
            let masks = updates.map { StreamEncoding.mask($0.report, for: session.view) }
            let key = StreamClass(masks: masks, batched: session.batched)
            let messages =
                messagesByClass[key]
                ?? {
                    let frames = updates.indices.map { index in
                        framesByMask[index][masks[index]]
                            ?? {
                                let made = StreamEncoding.frames(updates[index], for: session.view)
                                framesByMask[index][masks[index]] = made
                                return made
                            }()
                    }
                    let made = StreamEncoding.messages(
                        frames, sequences: sequences, entries: false, batched: session.batched)
                    messagesByClass[key] = made
                    return made
                }()
            for message in messages {
                guard send(session.routingID, packed: message.packed) else {
                    // Its queue is full: it catches up from the log when it has room again.
                    session.job = .catchUp(next: session.sentUpTo + 1)
                    streamQueueFull += 1
                    break
                }
                session.sentUpTo = message.last
            }
        }
        if let chpPublisher {
            for update in updates {
                _ = try? chpPublisher.send(CHP.entry(update, withUUID: true), dontWait: true)
            }
        }
    }

    /// Sends one message already packed (a stream message shared by several parties).
    /// False when the party's queue is full (it catches up from the log later); a party that
    /// is gone is forgotten; any other failure is logged.
    func send(_ routing: [UInt8], packed: [UInt8]) -> Bool {
        do {
            return try router.send([routing, packed], dontWait: true)
        } catch let error as ZMQError where error.isHostUnreachable {
            sessions.removeValue(forKey: routing)
            return false
        } catch {
            logger.warning("send failed", metadata: ["error": "\(error)"])
            return false
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
        // A party that holds part of the log (a daemon coming back) replays the rest within
        // the limit, so its history keeps every report it may read: a snapshot would replace
        // its copy with the latest entry per key and leave the reports in between out of its
        // timeline and exports. A party starting from nothing gets whichever is shorter.
        let replayLimit =
            applied > 0 ? options.catchUpLimit : min(options.catchUpLimit, UInt64(max(picture.count, 1)))
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
        let encoding = snapshotCache.encoding(
            for: session.view, accepts: session.accepts, sequence: lastSequence, epoch: epoch,
            picture: picture.entries)
        session.job = .snapshot(
            .init(encoding: encoding, hash: picture.hash(for: session.view), takenAt: taken))
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

    /// Sends one party a bounded burst of its catch-up or snapshot (`catchUpBurst` updates or
    /// entries, within `streamBudget`).
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
                    updates = try store.updates(
                        in: next...lastSequence, limit: min(budget, Self.catchUpRead))
                } catch {
                    storageFailed(error)
                }
                guard !updates.isEmpty else {
                    session.job = nil
                    return
                }
                let messages = StreamEncoding.messages(
                    updates.map { StreamEncoding.frames($0, for: session.view) },
                    sequences: updates.map(\.sequence), entries: false, batched: session.batched)
                // From `next`, not from what was sent before: a FETCH moves the stream back.
                var position = next
                for message in messages {
                    guard send(session.routingID, packed: message.packed) else {
                        session.job = .catchUp(next: position)
                        return
                    }
                    session.sentUpTo = message.last
                    position = message.last + 1
                    budget -= message.count
                }
                session.job = position > lastSequence ? nil : .catchUp(next: position)
            case .snapshot(var snapshot):
                if pumpSnapshot(session, &snapshot, budget: &budget, started: started) { return }
            }
        }
    }

    /// Reads from the log per turn of a catch-up.
    static let catchUpRead = 64

    /// Sends what the budget allows of a snapshot; true when the party's queue is full (or the
    /// time is up) and the job waits for the next turn.
    private func pumpSnapshot(
        _ session: Session, _ snapshot: inout StreamJob.Snapshot, budget: inout Int,
        started: ContinuousClock.Instant
    ) -> Bool {
        let encoding = snapshot.encoding
        if !snapshot.headerSent {
            guard
                send(
                    session.routingID,
                    .snapshot(
                        sequence: encoding.sequence, epoch: encoding.epoch, count: encoding.entries.count))
            else { return true }
            snapshot.headerSent = true
        }
        while budget > 0, ContinuousClock.now - started < options.streamBudget {
            if snapshot.next == encoding.messages.count {
                guard !encoding.isComplete else { break }
                encoding.encodeMore()
            }
            let message = encoding.messages[snapshot.next]
            guard send(session.routingID, packed: message.packed) else {
                session.job = .snapshot(snapshot)
                return true
            }
            snapshot.next += 1
            budget -= message.count
        }
        guard encoding.isComplete, snapshot.next == encoding.messages.count else {
            session.job = .snapshot(snapshot)
            return true
        }
        guard
            send(
                session.routingID,
                .snapEnd(sequence: encoding.sequence, epoch: encoding.epoch, viewHash: snapshot.hash.hex))
        else {
            session.job = .snapshot(snapshot)
            return true
        }
        session.sentUpTo = encoding.sequence
        session.job = encoding.sequence < lastSequence ? .catchUp(next: encoding.sequence + 1) : nil
        logger.info(
            "snapshot sent",
            metadata: [
                "org": "\(session.organisation)", "entries": "\(encoding.entries.count)",
                "seq": "\(encoding.sequence)", "batched": "\(encoding.batched)",
                "took": "\(ContinuousClock.now - snapshot.takenAt)",
            ])
        return false
    }

    func heartbeat() {
        let beat = MessageCodec.encode(
            .heartbeat(
                Heartbeat(
                    role: announcedRole, epoch: epoch, lastSequence: lastSequence, nodeTime: Self.wallClock())
            ))
        // A party whose connection is gone is removed when a send to it fails (ROUTER_MANDATORY
        // reports EHOSTUNREACH); ZMTP heartbeats close dead TCP connections within seconds.
        for session in sessions.values where session.attached {
            _ = send(session.routingID, frames: beat)
        }
        if isActive, let chpPublisher { _ = try? chpPublisher.send(CHP.hugz(), dontWait: true) }
        pumpJobs()
    }

}
