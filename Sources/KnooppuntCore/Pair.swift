import KnooppuntDomain
import KnooppuntProtocol

/// What the pair state machine asks its node to do.
public enum PairAction: Sendable, Hashable {
    /// Become active in `epoch` (higher than any epoch seen): persist it before serving.
    case becomeActive(epoch: Epoch)
    /// Become passive: stop accepting, catch up from the active (discarding a tail it lacks).
    case becomePassive(reason: String)
    /// The peer stopped answering while we are active: continue alone, degraded.
    case continueAlone
    /// The peer is back and caught up: synchronous replication resumes.
    case peerInSync
}

/// The hot-standby pair's state machine: Binary Star roles with the client vote, plus what
/// the Guide's clonesrv6 lacks — epochs that fence an old active, no abort on "dual active",
/// a restarted node that does not leave clients stuck on a passive, and a standby that may
/// not take over while it is still catching up. No I/O: the node passes in the clock.
///
/// Rules, in short:
/// - Two actives: the later epoch stays, the other steps down (equal: the primary stays).
/// - A starting node that sees an active peer becomes passive; one that sees a passive or
///   starting peer with less data becomes active itself (data decides, then the primary).
/// - A passive takes over only when it cannot hear its peer AND a client asks it (the vote),
///   and only when it is caught up and the client has not seen newer data than it holds.
/// - Every activation takes a new epoch, higher than any it has seen.
public struct PairState: Sendable {
    public let role: PairRole
    public private(set) var state: PairStateName = .starting
    public private(set) var epoch: Epoch
    public private(set) var lastSequence: SequenceNumber
    /// This node is passive and still catching up.
    public private(set) var syncing = true
    /// Active, and the passive has caught up: ACKs wait for the passive's copy.
    public private(set) var peerInSync = false
    public private(set) var peer: PeerBeat?
    /// Until when we believe the peer is alive.
    public private(set) var peerExpiry: ContinuousClock.Instant
    /// The highest epoch seen anywhere (peer beats, client HELLOs).
    public private(set) var highestEpochSeen: Epoch
    public let peerTimeout: Duration

    public init(
        role: PairRole, epoch: Epoch, lastSequence: SequenceNumber, peerTimeout: Duration,
        now: ContinuousClock.Instant
    ) {
        self.role = role
        self.epoch = epoch
        self.lastSequence = lastSequence
        self.peerTimeout = peerTimeout
        highestEpochSeen = epoch
        // Give the peer one timeout to be heard before deciding alone.
        peerExpiry = now + peerTimeout
    }

    public func peerAlive(now: ContinuousClock.Instant) -> Bool { now < peerExpiry }

    /// The node's log grew (a commit as active, or a replicated batch as passive, whose
    /// entries carry the active's epoch: a standby's epoch is that of the data it holds).
    public mutating func logAdvanced(to sequence: SequenceNumber, epoch entryEpoch: Epoch) {
        lastSequence = sequence
        if state != .active { epoch = max(epoch, entryEpoch) }
        highestEpochSeen = max(highestEpochSeen, entryEpoch)
    }

    /// The log was cut back to `sequence` (a rejoining node discarding a tail it never
    /// replicated), ending in `epoch`.
    public mutating func logTruncated(to sequence: SequenceNumber, epoch entryEpoch: Epoch) {
        lastSequence = sequence
        if state != .active { epoch = entryEpoch }
    }

    /// A PAIRBEAT from the peer.
    public mutating func receive(_ beat: PeerBeat, now: ContinuousClock.Instant) -> [PairAction] {
        peer = beat
        peerExpiry = now + peerTimeout
        highestEpochSeen = max(highestEpochSeen, beat.epoch)
        switch (state, beat.state) {
        case (.active, .active):
            let weStay = epoch != beat.epoch ? epoch > beat.epoch : role == .primary
            return weStay ? [] : stepDown("the peer is active in epoch \(beat.epoch)")
        case (.active, _):
            // A passive or starting peer: we stay active. Its catching up is tracked by the node.
            if beat.epoch > epoch { return stepDown("the peer holds a later epoch \(beat.epoch)") }
            return []
        case (.starting, .active), (.passive, .active):
            // The active says whether we are in sync (every ACK it gives waits for our copy).
            // Until it does, we may lack entries it acknowledged alone and must not take over.
            if state == .passive {
                syncing = beat.syncing
                return []
            }
            return becomePassive("the peer is active")
        case (.starting, .passive), (.starting, .starting), (.passive, .passive), (.passive, .starting):
            // Nobody is active. The one holding more data becomes active; on a tie the primary.
            if beat.isAhead(ofEpoch: epoch, sequence: lastSequence) {
                return state == .passive ? [] : becomePassive("the peer holds more recent data")
            }
            // Hearing each other, the two can compare what they hold; catching up from a dead
            // active no longer matters, so a syncing standby may lead here.
            let tie = !isAhead(of: beat)
            if tie && role == .backup {
                return state == .passive ? [] : becomePassive("the primary takes the lead")
            }
            return becomeActive()
        }
    }

    /// The peer's connection dropped (e.g. the process died): stop believing it is alive.
    public mutating func peerGone(now: ContinuousClock.Instant) -> [PairAction] {
        peerExpiry = now
        return tick(now: now)
    }

    /// Our own loop did not run for a while (SIGSTOP, a long pause): the peer's beats may be
    /// waiting unread. Believe it alive for one more timeout rather than act on stale silence,
    /// so a resumed old active never acknowledges alone before it has heard the peer.
    public mutating func resumedAfterStall(now: ContinuousClock.Instant) {
        peerExpiry = max(peerExpiry, now + peerTimeout)
        // While we stood still the active may have acknowledged alone: until it tells us
        // again that we are in sync, we are not.
        if state == .passive { syncing = true }
    }

    /// Regular check: an active whose peer went silent continues alone.
    public mutating func tick(now: ContinuousClock.Instant) -> [PairAction] {
        if state == .active, peerInSync, !peerAlive(now: now) {
            peerInSync = false
            return [.continueAlone]
        }
        return []
    }

    /// Whether this node may serve a client now. A client request to a starting or passive
    /// node is its vote: it takes over when the peer is silent, it is caught up, and the
    /// client has seen nothing newer than this node holds.
    /// - Parameters:
    ///   - clientEpoch/clientSequence: what the client has applied (from its HELLO).
    public mutating func clientRequest(
        clientEpoch: Epoch, clientSequence: SequenceNumber, now: ContinuousClock.Instant
    ) -> (serve: Bool, actions: [PairAction], refusal: String?) {
        highestEpochSeen = max(highestEpochSeen, clientEpoch)
        switch state {
        case .active:
            return (true, [], nil)
        case .starting, .passive:
            if peerAlive(now: now) {
                return (false, [], "the peer node is alive; ask the active node")
            }
            if state == .passive && syncing {
                return (false, [], "this standby is still catching up and may not take over")
            }
            if clientEpoch > epoch || (clientEpoch == epoch && clientSequence > lastSequence) {
                return (
                    false, [],
                    "a client has seen newer data (epoch \(clientEpoch), seq \(clientSequence)) than this node holds"
                )
            }
            return (true, becomeActive(), nil)
        }
    }

    /// A node without a peer configured serves alone from the start (in a new epoch).
    public mutating func startAlone() -> [PairAction] { becomeActive() }

    /// The active learned from the peer that it is fenced (a later epoch exists).
    public mutating func fenced(by laterEpoch: Epoch) -> [PairAction] {
        highestEpochSeen = max(highestEpochSeen, laterEpoch)
        guard state == .active, laterEpoch > epoch else { return [] }
        return stepDown("fenced by epoch \(laterEpoch)")
    }

    /// As passive: we hold everything the active has. Only the active can say we are in sync
    /// (its beats carry it); this is for tests and for an active that is gone.
    public mutating func caughtUp() { if state == .passive { syncing = false } }

    /// As active: the passive has caught up; ACKs wait for its copy from now on.
    public mutating func peerCaughtUp() -> [PairAction] {
        guard state == .active, !peerInSync else { return [] }
        peerInSync = true
        return [.peerInSync]
    }

    /// As active: the passive fell behind or went away; continue alone.
    public mutating func peerFellBehind() -> [PairAction] {
        guard state == .active, peerInSync else { return [] }
        peerInSync = false
        return [.continueAlone]
    }

    public var beat: PeerBeat {
        PeerBeat(
            role: role, state: state, epoch: epoch, lastSequence: lastSequence,
            syncing: state == .passive && syncing)
    }

    private func isAhead(of beat: PeerBeat) -> Bool {
        epoch != beat.epoch ? epoch > beat.epoch : lastSequence > beat.lastSequence
    }

    private mutating func becomeActive() -> [PairAction] {
        let next = max(epoch, highestEpochSeen) + 1
        epoch = next
        highestEpochSeen = next
        state = .active
        syncing = false
        peerInSync = false
        return [.becomeActive(epoch: next)]
    }

    private mutating func becomePassive(_ reason: String) -> [PairAction] {
        state = .passive
        syncing = true
        peerInSync = false
        return [.becomePassive(reason: reason)]
    }

    private mutating func stepDown(_ reason: String) -> [PairAction] { becomePassive(reason) }
}

/// Comparing two logs by where their epochs start: two entries with the same sequence and
/// epoch are the same entry with the same history before it (only an epoch's active writes
/// its entries, in order; a standby only copies).
public enum PairLogs {
    /// The epoch of the entry at `sequence` (nil for 0 or before the first start).
    public static func epoch(at sequence: SequenceNumber, in starts: [PairMessage.EpochStart]) -> Epoch? {
        guard sequence > 0 else { return nil }
        return starts.last { $0.firstSequence <= sequence }?.epoch
    }

    /// The last sequence both logs hold identically.
    public static func commonPrefix(
        ours: [PairMessage.EpochStart], ourLast: SequenceNumber, theirs: [PairMessage.EpochStart],
        theirLast: SequenceNumber
    ) -> SequenceNumber {
        var s = min(ourLast, theirLast)
        while s > 0 {
            let mine = epoch(at: s, in: ours)
            let other = epoch(at: s, in: theirs)
            if mine == other { return s }
            // Jump below the nearer epoch boundary of the two logs and compare again.
            let ourStart = ours.last { $0.firstSequence <= s }?.firstSequence ?? 1
            let theirStart = theirs.last { $0.firstSequence <= s }?.firstSequence ?? 1
            s = max(ourStart, theirStart) - 1
        }
        return 0
    }
}
