import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntEtcd
import KnooppuntProtocol
import KnooppuntStore

/// A replica's part in the national node on etcd, on the loop thread.
final class QuorumState {
    enum Role {
        /// Applies the log from etcd to its store and picture; refuses submits (E502).
        case following
        /// Won the election; reads the log's tail before it commits anything.
        case takingOver(LeadershipTerm)
        /// Commits every batch through the fence and acknowledges what etcd committed.
        case active(LeadershipTerm)
    }

    let link: QuorumLink
    var role: Role = .following
    var pipeline: QuorumPipeline?
    /// The last log entry this store holds, and the revision that wrote it (0: none yet).
    var appliedIndex: UInt64 = 0
    var appliedRevision: Int64 = 0
    /// Raised on every new read or watch: answers to an older one are ignored.
    var generation: UInt64 = 0
    /// Set until the next read is applied: that read first cuts off a tail of this store
    /// that etcd never committed (see ``NodeLoop/applyLog(_:verifyTail:)``).
    var verifyTail = true
    /// The report sequence at ``appliedIndex`` when ``verifyTail`` was set.
    var tailBase: SequenceNumber = 0
    /// The log's upkeep: the applied record, trims, etcd's health and space.
    let upkeep = QuorumUpkeep()
    /// Where the active's ACKs wait (its status shows them).
    let figures = QuorumFigures()
    /// Commit failures logged since the last success (the rest are counted, not logged).
    var failuresLogged = 0
    /// Until when the active role's lease surely lives by this replica's clock (its last
    /// confirmed renewal): past it the replica answers as passive at once, even before the
    /// election task says the role is lost (a replica resumed after SIGSTOP must not serve
    /// the daemons from a stale picture for even one message).
    var leaseUntil: ContinuousClock.Instant = .now
    /// As active: the last audit row chained and not yet in this store (its rows go to etcd
    /// first and into the store once etcd committed them); nil when the store's head is the tip.
    var auditTip: (seq: UInt64, hash: [UInt8])?
    /// Said once: the log's audit rows do not follow this store's chain.
    var auditMismatchLogged = false

    init(link: QuorumLink) { self.link = link }

    /// Active, and its lease surely alive now.
    var isActive: Bool {
        if case .active = role { return ContinuousClock.now < leaseUntil }
        return false
    }

    /// Holds the role (its lease may have run out unnoticed; its commits are fenced then).
    var holdsRole: Bool {
        if case .active = role { return true }
        return false
    }

    var term: LeadershipTerm? {
        switch role {
        case .following: nil
        case .takingOver(let term), .active(let term): term
        }
    }

    /// Commit failures logged in a row before the rest are only counted.
    static let failuresLoggedInARow = 3
}

extension NodeLoop {
    /// What this node calls itself in a refusal.
    var stateName: String { isActive ? "active" : quorum == nil ? "starting" : "passive" }

    // MARK: Following the log

    func startQuorum(_ link: QuorumLink) {
        let quorum = QuorumState(link: link)
        self.quorum = quorum
        // The log before this store's point may be trimmed: the read starts there.
        resumeFromStore(quorum)
        logger.info(
            "this node is a replica on etcd: following the log, campaigning for the active role",
            metadata: [
                "etcd": "\(link.options.endpoints.joined(separator: ","))",
                "etcd.network": "\(link.layout.network)",
            ])
        link.campaign()
        link.startMonitor()
        followLog()
        scheduleQuorumUpkeep()
    }

    /// Sets the applied index to the point this store saved last, and checks the tail on
    /// the next read.
    private func resumeFromStore(_ quorum: QuorumState) {
        let point: QuorumPoint
        do {
            point = try store.quorumPoint()
        } catch {
            storageFailed(error)
        }
        quorum.appliedIndex = point.index
        quorum.appliedRevision = point.revision
        quorum.tailBase = point.sequence
        quorum.verifyTail = true
        quorum.upkeep.durable = point
        logger.info(
            "reading the log in etcd from this store's point",
            metadata: ["log.index": "\(point.index)", "report.seq": "\(point.sequence)"])
    }

    /// Reads the log after the last applied entry, applies it, then watches from there.
    func followLog() {
        guard let quorum else { return }
        quorum.generation += 1
        let generation = quorum.generation
        quorum.link.stopWatching()
        quorum.link.read(after: quorum.appliedIndex) { node, read in
            guard let quorum = node.quorum, quorum.generation == generation, !quorum.holdsRole else { return }
            node.checkNotBehindTrim(read)
            node.applyLog(read.entries, verifyTail: quorum.verifyTail)
            // A long log is read page by page; the watch starts after the last page.
            guard quorum.generation == generation else { return }
            if read.more { return node.followLog() }
            quorum.link.watch(from: read.revision + 1, generation: generation)
        }
    }

    /// The watch delivered entries: they are applied after ``QuorumLink/applyGathering``, so
    /// that at a steady rate one store transaction (one fsync) holds several commits instead
    /// of one each.
    func quorumDrainWatched(generation: UInt64) {
        loop.after(QuorumLink.applyGathering) { [unowned self] in applyWatched(generation: generation) }
    }

    /// Applies what the watch gathered, at most one bounded batch per transaction; posts
    /// itself again while more is there.
    func applyWatched(generation: UInt64) {
        guard let quorum, quorum.generation == generation, !quorum.holdsRole else { return }
        let (entries, more) = quorum.link.takeWatched(generation: generation)
        applyLog(entries, verifyTail: false)
        if more { quorum.link.post { $0.applyWatched(generation: generation) } }
    }

    /// A read that starts past the entry after this store's point: the log was trimmed
    /// beyond what this replica holds, so it can never be completed from etcd. The replica
    /// stops with `node.quorumBehindTrim` rather than follow with a hole.
    func checkNotBehindTrim(_ read: QuorumRead) {
        guard let quorum else { return }
        if case .behindTrim(let first) = LogTrim.start(
            applied: quorum.appliedIndex, firstIndex: read.entries.first?.index)
        {
            storageFailed(QuorumBehindTrim(applied: quorum.appliedIndex, firstIndex: first))
        }
    }

    func quorumWatchEnded(generation: UInt64, reason: String) {
        guard let quorum, quorum.generation == generation, !quorum.holdsRole else { return }
        logger.warning("the watch of the log in etcd ended; reading again", metadata: ["reason": "\(reason)"])
        loop.after(quorum.link.options.retryPause) { [unowned self] in
            if self.quorum?.generation == generation { followLog() }
        }
    }

    // MARK: The active role

    func quorumWon(_ term: LeadershipTerm) {
        guard let quorum, case .following = quorum.role else { return }
        quorum.role = .takingOver(term)
        quorum.leaseUntil = term.confirmedUntil
        quorum.generation += 1
        let generation = quorum.generation
        quorum.link.stopWatching()
        // The TTL etcd granted (it raises a TTL below its minimum): a failover takes at least that.
        logger.info(
            "won the election; reading the log's tail",
            metadata: ["node.epoch": "\(term.epoch)", "lease.ttl": "\(term.lease.ttl)"])
        readTail(term, generation: generation)
    }

    /// Everything etcd committed is applied before the first commit of this term, page by
    /// page: the fence's compare on the tip would refuse a commit built on less anyway.
    private func readTail(_ term: LeadershipTerm, generation: UInt64) {
        guard let quorum else { return }
        quorum.link.read(after: quorum.appliedIndex) { node, read in
            guard let quorum = node.quorum, quorum.generation == generation,
                case .takingOver(let current) = quorum.role, current == term
            else { return }
            node.checkNotBehindTrim(read)
            node.applyLog(read.entries, verifyTail: quorum.verifyTail)
            guard quorum.generation == generation else { return }
            if read.more { return node.readTail(term, generation: generation) }
            node.becomeQuorumActive(term)
        }
    }

    private func becomeQuorumActive(_ term: LeadershipTerm) {
        guard let quorum else { return }
        guard term.epoch > 0, Epoch(term.epoch) > coordinator.epoch else {
            logger.error(
                "the election's epoch is not above this store's; giving the role up",
                metadata: ["node.epoch": "\(term.epoch)", "store.epoch": "\(coordinator.epoch)"])
            stepDownQuorum("epoch \(term.epoch) not above \(coordinator.epoch)", campaignAgain: true)
            return
        }
        beginEpoch(Epoch(term.epoch))
        let tip = Fence.Tip(sequence: quorum.appliedIndex, modRevision: quorum.appliedRevision)
        quorum.pipeline = QuorumPipeline(
            fence: Fence(layout: quorum.link.layout, electionKey: term.key, epoch: term.epoch, tip: tip))
        quorum.role = .active(term)
        quorum.auditTip = nil
        recordActive(epoch: Epoch(term.epoch))
        logger.notice(
            "this replica is active",
            metadata: [
                "node.epoch": "\(term.epoch)", "report.seq": "\(coordinator.lastSequence)",
                "log.index": "\(tip.sequence)", "lease.ttl": "\(term.lease.ttl)",
            ])
        heartbeat()
    }

    func quorumRenewed(_ term: LeadershipTerm, until: ContinuousClock.Instant) {
        guard let quorum, quorum.term == term else { return }
        quorum.leaseUntil = max(quorum.leaseUntil, until)
    }

    func quorumLost(_ term: LeadershipTerm, reason: String) {
        guard let quorum, quorum.term == term else { return }
        stepDownQuorum("the role's lease was lost: \(reason)", campaignAgain: false)
    }

    /// Stops acknowledging at once and follows the log: what was committed here but not in
    /// etcd is cut off (never acknowledged; the daemons send it again to the active replica).
    func stepDownQuorum(_ reason: String, campaignAgain: Bool) {
        guard let quorum else { return }
        let wasActive = quorum.holdsRole
        logger.notice(
            "this replica follows the log", metadata: ["reason": "\(reason)", "node.epoch": "\(epoch)"])
        quorum.role = .following
        quorum.pipeline = nil
        // Rows on their way to etcd reach this store from the log, if etcd committed them.
        quorum.auditTip = nil
        awaiting.removeAll()
        awaitingRejections.removeAll()
        if wasActive {
            do {
                try store.truncate(after: picture.lastSequence)
            } catch {
                storageFailed(error)
            }
            reloadFromStore()
        }
        for session in sessions.values {
            session.subscribed = false
            session.job = nil
        }
        heartbeat()
        if campaignAgain { quorum.link.restartCampaign() }
        // The log again from this store's saved point: it cuts whatever of this store etcd
        // does not hold.
        resumeFromStore(quorum)
        followLog()
    }

    /// Rebuilds picture and coordinator from the store (after stepping down or discarding a tail).
    func reloadFromStore() {
        do {
            let loaded = try store.load(views: Picture.allViews)
            picture = loaded.picture
            let signalPolicy = coordinator.signalPolicy
            coordinator = Coordinator(
                epoch: max(loaded.epoch, coordinator.epoch), lastSequence: loaded.picture.lastSequence,
                lastOriginSeq: loaded.lastOriginSeq, incidents: loaded.incidents,
                signingKeys: network.signingKeySets, policy: coordinator.policy, codec: DocumentCodec())
            coordinator.signalPolicy = signalPolicy
        } catch {
            storageFailed(error)
        }
    }
}
