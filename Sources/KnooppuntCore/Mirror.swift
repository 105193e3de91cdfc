import KnooppuntDomain
import KnooppuntProtocol

/// Limits of a mirror, named once.
public struct MirrorLimits: Sendable {
    /// Updates held while a gap is being fetched; beyond this the mirror starts over (HELLO).
    public var heldUpdates: Int
    /// Ask again for a gap that has not been filled after this long.
    public var gapRetry: Duration
    /// Snapshot entries accepted in one snapshot (a bound on memory for a hostile node).
    public var snapshotEntries: Int

    public init(heldUpdates: Int = 10_000, gapRetry: Duration = .seconds(2), snapshotEntries: Int = 1_000_000)
    {
        self.heldUpdates = heldUpdates
        self.gapRetry = gapRetry
        self.snapshotEntries = snapshotEntries
    }
}

/// What the mirror asks its daemon to do.
public enum MirrorAction: Sendable {
    /// Persist these updates (applied in this order) and the new applied sequence.
    case persist([Update])
    /// Persist a snapshot that replaces the whole mirror.
    case replace([PictureEntry], sequence: SequenceNumber, epoch: Epoch)
    /// Send to the node.
    case send(ClientMessage)
    /// Something is wrong with what the node sent; log it.
    case warn(String)
}

/// A daemon's copy of the picture as its organisation may see it (docs/PROTOCOL.md §5.2):
/// updates apply strictly in sequence; a gap, an epoch change or a reconnect leads to
/// catch-up; a snapshot replaces everything. No I/O: the daemon persists what it returns.
public struct Mirror: Sendable {
    public let view: View
    public let limits: MirrorLimits
    public private(set) var picture: Picture
    public private(set) var nodeEpoch: Epoch?
    public private(set) var nodeLastSequence: SequenceNumber = 0
    private var held: [SequenceNumber: Update] = [:]
    private var gapRequestedAt: ContinuousClock.Instant?
    private var staging: [PictureEntry]?
    private var stagingSequence: SequenceNumber = 0
    /// Heartbeats in a row that showed the node ahead of us with nothing in flight.
    private var behindBeats = 0
    /// Every origin's signing keys, current and retired (a rotation keeps old reports valid).
    public private(set) var signingKeys: [OrganisationCode: SigningKeySet]
    /// The role named in HELLO (kept for starting over).
    private var role: DaemonRole = .region
    /// Batch roots already verified: the updates of one origin's batch cost one Ed25519
    /// verification here, as at the node.
    private let verifiedRoots = VerifiedRoots()

    public init(
        view: View, picture: Picture, verifyingKeys: [OrganisationCode: VerifyingKey],
        limits: MirrorLimits = MirrorLimits()
    ) {
        self.init(
            view: view, picture: picture, signingKeys: SigningKeySet.current(verifyingKeys), limits: limits)
    }

    public init(
        view: View, picture: Picture, signingKeys: [OrganisationCode: SigningKeySet],
        limits: MirrorLimits = MirrorLimits()
    ) {
        precondition(picture.views == [view], "a mirror's picture tracks its own view")
        self.view = view
        self.picture = picture
        self.signingKeys = signingKeys
        self.limits = limits
    }

    /// A reloaded network config: its keys (after `knooppunt keys rotate`) and, when given,
    /// its organisations, against which sections classified for an audience are judged (this
    /// organisation's own kind or groups may have changed, and its view's hash with them).
    public mutating func update(
        signingKeys: [OrganisationCode: SigningKeySet], registry: OrganisationRegistry? = nil
    ) {
        self.signingKeys = signingKeys
        if let registry { picture.track(views: picture.views, registry: registry) }
    }

    public var applied: SequenceNumber { picture.lastSequence }
    public var hash: ViewHash { picture.hash(for: view) }

    /// The HELLO to send after (re)connecting.
    public mutating func hello(role: DaemonRole) -> ClientMessage {
        self.role = role
        held.removeAll()
        staging = nil
        gapRequestedAt = nil
        return .hello(applied: applied, epoch: picture.lastEpoch, role: role)
    }

    public mutating func receive(_ message: ServerMessage, now: ContinuousClock.Instant) -> [MirrorAction] {
        switch message {
        case .welcome(let epoch, let last, _, _):
            nodeEpoch = epoch
            nodeLastSequence = last
            return []
        case .update(let update):
            return receive(update, now: now)
        case .snapshot(let sequence, _, let count):
            guard count <= limits.snapshotEntries else {
                return [.warn("snapshot of \(count) entries exceeds the limit of \(limits.snapshotEntries)")]
            }
            staging = []
            staging?.reserveCapacity(count)
            stagingSequence = sequence
            return []
        case .entry(let update):
            guard staging != nil else { return [.warn("snapshot entry outside a snapshot")] }
            if let problem = check(update.report) { return [.warn("snapshot entry refused: \(problem)")] }
            guard staging!.count < limits.snapshotEntries else { return [.warn("snapshot too large")] }
            staging!.append(PictureEntry(update))
            return []
        case .snapEnd(let sequence, let epoch, let hash):
            guard let entries = staging, sequence == stagingSequence else {
                return [.warn("snapshot end without its start")]
            }
            staging = nil
            let ours = Picture.hash(of: entries, view: view, registry: picture.registry)
            guard ours.hex == hash else {
                return [
                    .warn("snapshot at \(sequence) hashes to \(ours.hex), node says \(hash); starting over"),
                    .send(hello(role: role)),
                ]
            }
            picture.replace(with: entries, sequence: sequence, epoch: epoch)
            held = held.filter { $0.key > sequence }
            var actions: [MirrorAction] = [.replace(entries, sequence: sequence, epoch: epoch)]
            actions += drainHeld()
            return actions
        case .heartbeat(let beat):
            // A new epoch means another node took over: what we applied from the old one may
            // be a tail it never replicated. HELLO lets the node check our (sequence, epoch)
            // against its log and send a snapshot if they disagree (docs/PROTOCOL.md §5.2).
            if let known = nodeEpoch, known != beat.epoch {
                nodeEpoch = beat.epoch
                nodeLastSequence = beat.lastSequence
                behindBeats = 0
                return [.send(hello(role: role))]
            }
            nodeEpoch = beat.epoch
            nodeLastSequence = beat.lastSequence
            guard beat.lastSequence > applied, staging == nil else {
                behindBeats = 0
                return []
            }
            behindBeats += 1
            // Two heartbeats behind with nothing arriving: an update went missing at the tail.
            if behindBeats >= 2, gapRequestedAt.map({ now - $0 >= limits.gapRetry }) ?? true {
                behindBeats = 0
                gapRequestedAt = now
                return [.send(.fetch(from: applied + 1, to: beat.lastSequence))]
            }
            return []
        case .ack, .error, .auditHead:
            return []
        }
    }

    private mutating func receive(_ update: Update, now: ContinuousClock.Instant) -> [MirrorAction] {
        // During a snapshot only what comes after it counts: the snapshot may be older than
        // what we applied (a node that lost its tail), and the updates after it must be held.
        if update.sequence <= (staging != nil ? stagingSequence : applied) { return [] }
        if let problem = check(update.report) {
            return [.warn("update \(update.sequence) refused: \(problem)")]
        }
        if staging != nil || update.sequence > applied + 1 {
            guard held.count < limits.heldUpdates else {
                return [
                    .warn("more than \(limits.heldUpdates) updates held; starting over"),
                    .send(hello(role: role)),
                ]
            }
            held[update.sequence] = update
            if staging == nil, gapRequestedAt.map({ now - $0 >= limits.gapRetry }) ?? true {
                gapRequestedAt = now
                return [.send(.fetch(from: applied + 1, to: update.sequence - 1))]
            }
            return []
        }
        picture.apply(update)
        behindBeats = 0
        return [.persist([update] + drainHeldUpdates())]
    }

    private mutating func drainHeld() -> [MirrorAction] {
        let updates = drainHeldUpdates()
        return updates.isEmpty ? [] : [.persist(updates)]
    }

    private mutating func drainHeldUpdates() -> [Update] {
        var applied: [Update] = []
        while let next = held.removeValue(forKey: picture.lastSequence + 1) {
            picture.apply(next)
            applied.append(next)
        }
        if held.isEmpty { gapRequestedAt = nil }
        return applied
    }

    /// Drops the content of the entry at `key` (a signal at the end of its retention).
    public mutating func withholdContent(of key: String) { picture.withholdContent(of: key) }

    /// A report is applied only if its origin signed it and the node sent exactly this view.
    private func check(_ report: SealedReport) -> String? {
        guard let keys = signingKeys[report.origin], keys.verifies(report, roots: verifiedRoots) else {
            return "signature of \(report.origin) does not verify"
        }
        // A signal's content (and its answers' notes) is deleted at the end of its retention,
        // so a signal or answer sent after that (a catch-up, a snapshot) comes without it.
        // Withholding it early gains a node nothing it could not do by not sending it at all.
        let contentMayBeGone = [ReportType.signal, .signalAck, .signalFollowUp].contains(report.envelope.type)
        for (index, visible) in report.visibility(for: view, in: picture.registry).enumerated()
        where (report.sections[index] != nil) != visible && !(contentMayBeGone && visible) {
            return visible
                ? "section \(report.envelope.sections[index].name) missing"
                : "section \(report.envelope.sections[index].name) not ours to read"
        }
        return nil
    }
}
