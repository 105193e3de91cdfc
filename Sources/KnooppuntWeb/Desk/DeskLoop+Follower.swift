import KnooppuntClient
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

// Following the active node: what the desk does with what the nodes say (the screens'
// entries and history, the link status, the officers' outbox).

extension DeskLoop: NodeFollowerDelegate {
    func nodeFollower(
        _ follower: NodeFollower, startedFollowing link: NodeLink, reason: NodeFollower.FollowReason
    ) {
        submits.connectionReset()
    }

    func nodeFollowerMaySubmit(_ follower: NodeFollower) { flushOutbox() }

    func nodeFollower(
        _ follower: NodeFollower, heardFollowed link: NodeLink, now: ContinuousClock.Instant, wall: Int64
    ) {
        nodeLastHeard = now
        status.lastHeard = wall
    }

    func nodeFollower(_ follower: NodeFollower, answered message: ServerMessage, now: ContinuousClock.Instant)
    {
        guard !submits.handle(message, now: now), case .error(let id, let code, _, _) = message else {
            return
        }
        logger.notice(
            "a national node answered with an error",
            metadata: ["error.code": "\(code.rawValue)", "report.id": "\(id?.rawValue ?? "-")"])
    }

    func nodeFollower(
        _ follower: NodeFollower, heartbeat beat: Heartbeat, from link: NodeLink, followed: Bool
    ) {
        guard followed else { return }
        status.nodeTime = beat.nodeTime
        status.nodeRole = "\(link.role.rawValue) \(beat.role.rawValue)"
        status.nodeEpoch = beat.epoch
        status.nodeLastSequence = beat.lastSequence
        if beat.lastSequence <= mirror.applied { status.confirmedAt = beat.nodeTime }
    }

    func nodeFollower(_ follower: NodeFollower, welcomed: NodeFollower.Welcome, now: ContinuousClock.Instant)
    {
        if welcomed.startsFollowing {
            submits.connectionReset()
            nodeLastHeard = now
        }
        status.nodeEpoch = welcomed.epoch
        status.nodeLastSequence = welcomed.lastSequence
        adoptOriginSequence(welcomed.nextOriginSeq)
    }

    func nodeFollower(_ follower: NodeFollower, alreadyApplied update: Update) { rememberEarlier(update) }

    func nodeFollowerWillApply(_ follower: NodeFollower) {
        record(submits.recordAnswers(at: Self.wallClock()))
    }

    func nodeFollower(_ follower: NodeFollower, apply updates: [Update]) {
        for update in updates {
            let entry = DigestEntry(update)
            entries[entry.key] = entry
            remember(entry)
            capAdvice.keep(update)
        }
        dirty = true
    }

    func nodeFollower(
        _ follower: NodeFollower, replaceWith snapshot: [PictureEntry], sequence: SequenceNumber, epoch: Epoch
    ) {
        entries = Dictionary(
            snapshot.map { (DigestEntry($0)) }.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
        // A snapshot replaces everything: the history may hold a tail the node no longer
        // holds, so it is fetched again from the node's log.
        history.removeAll()
        historyRequested = false
        capAdvice.removeAll()
        for entry in snapshot { capAdvice.keep(entry.update) }
        for entry in entries.values { remember(entry) }
        dirty = true
        logger.info(
            "picture replaced by a snapshot",
            metadata: ["report.seq": "\(sequence)", "entries": "\(snapshot.count)"])
        requestHistory(upTo: sequence)
    }

    func nodeFollowerDidServe(_ follower: NodeFollower) {
        status.applied = mirror.applied
        if status.nodeLastSequence <= mirror.applied, let nodeTime = status.nodeTime {
            status.confirmedAt = max(status.confirmedAt ?? 0, nodeTime)
        }
        if follower.statusIsStale { sendStatus() }
        flushOutbox()
    }

    /// A snapshot holds only the latest entry per key: ask the node's log for the earlier
    /// reports once, so the sitrep timelines and the threat steps are complete (bounded by
    /// `historyLimit`).
    func requestHistory(upTo sequence: SequenceNumber) {
        guard !historyRequested, sequence > 1 else { return }
        historyRequested = true
        let limit = SequenceNumber(max(1, options.historyLimit))
        let from = sequence > limit ? sequence - limit + 1 : 1
        send(.fetch(from: from, to: sequence))
    }

    /// An update the mirror has already applied (the history the desk asked for): kept for
    /// the timelines once its origin's signature verifies.
    func rememberEarlier(_ update: Update) {
        guard history[update.sequence] == nil, Self.isHistory(update.report.envelope.type),
            let key = options.network.verifyingKeys[update.report.origin],
            update.report.verifySignature(with: key)
        else { return }
        remember(DigestEntry(update))
        capAdvice.keep(update)
        dirty = true
    }

    func remember(_ entry: DigestEntry) {
        guard ReportType(rawValue: entry.type).map(Self.isHistory) == true else { return }
        history[entry.sequence] = entry
        // Trim in batches so a long run does not sort on every update.
        if history.count > options.historyLimit + 256 {
            for sequence in history.keys.sorted().prefix(history.count - options.historyLimit) {
                history.removeValue(forKey: sequence)
            }
        }
    }

    /// Kinds whose earlier reports the screens use: sitrep timelines, GRIP history and
    /// time-to-GRIP-3, and every step of a threat level's plan.
    static func isHistory(_ type: ReportType) -> Bool { [.incident, .grip, .sitrep, .threat].contains(type) }
}
