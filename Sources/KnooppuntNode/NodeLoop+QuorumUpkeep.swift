import KnooppuntCore
import KnooppuntDomain
import KnooppuntEtcd
import KnooppuntProtocol
import KnooppuntStore

/// A replica's upkeep of the log in etcd, on the loop thread: how far its store holds the log
/// (saved in the store, recorded in etcd for the active's trims), the active's trims, etcd's
/// health as the monitor last saw it, and a full database.
final class QuorumUpkeep {
    /// The point saved in this store last.
    var durable = QuorumPoint.none
    /// The active's last released batch: committed in etcd and in this store; saved at
    /// most every record interval (an extra fsync) as ``durable``.
    var released: QuorumPoint?
    var savedAt: ContinuousClock.Instant = .now
    /// The applied index recorded in etcd last, when, and whether a record is on its way.
    var recorded: UInt64 = 0
    var recordedAt: ContinuousClock.Instant = .now
    var recording = false
    /// The log's entries up to here are gone (from the active's trims or the monitor).
    var trimmedThrough: UInt64 = 0
    /// The sizes of the entries after it that this replica saw: the trim's bounds in bytes.
    var sizes = LogTrim.Sizes()
    var lastTrim: ContinuousClock.Instant = .now
    var lastDefragment: ContinuousClock.Instant = .now
    var trimming = false
    var health: QuorumHealth?
    /// etcd refused a commit for its space quota: new reports are refused (E500) until the
    /// space is recovered.
    var spaceFull = false
    var recovering = false
    var lastRecovery: ContinuousClock.Instant?
    /// Since when the monitor has seen the NOSPACE alarm while this replica held no role.
    var noSpaceSince: ContinuousClock.Instant?
    /// The end of a signal's retention in etcd (``LogRetention``): due after this replica's
    /// own retention withheld content, and at the start (a restart or a takeover finds what
    /// an active before it left); one round at a time, again after a pause while some wait.
    var retentionDue = true
    var retaining = false
    var lastRetention: ContinuousClock.Instant?
    /// Entries applied as a follower, and the store transactions that held them.
    var appliedEntries = 0
    var applyTransactions = 0

    /// How often the loop looks whether a record, a save or a trim is due.
    static let tickInterval: Duration = .milliseconds(250)
    /// The pause between two recoveries of a full database, and between commits meanwhile.
    static let spaceRetryPause: Duration = .seconds(2)
    /// How long the NOSPACE alarm stays raised before a replica without the role frees the
    /// space itself. etcd grants no lease while the alarm is raised, so no replica can win
    /// the role then: if the active lost it (its lease ran out, it died) before it disarmed,
    /// nobody would. A living active disarms within a monitor round or two, so this waits
    /// three rounds (QuorumLink's monitor interval, 2 s) first.
    static let roleLessSpaceWait: Duration = .seconds(6)
}

extension NodeLoop {
    func scheduleQuorumUpkeep() {
        loop.after(QuorumUpkeep.tickInterval) { [unowned self] in
            guard let quorum, !quorum.link.isStopped else { return }
            quorumUpkeep(quorum)
            scheduleQuorumUpkeep()
        }
    }

    private func quorumUpkeep(_ quorum: QuorumState) {
        let upkeep = quorum.upkeep
        let limits = quorum.link.options.trim
        let now = ContinuousClock.now
        // The active saves its released point in its store (followers save it with every batch).
        if quorum.holdsRole, let released = upkeep.released, released.index > upkeep.durable.index,
            LogTrim.shouldRecord(
                applied: released.index, recorded: upkeep.durable.index, sinceRecord: now - upkeep.savedAt,
                limits: limits)
        {
            do {
                try store.setQuorumPoint(released)
            } catch {
                storageFailed(error)
            }
            upkeep.durable = released
            upkeep.savedAt = now
        }
        if !upkeep.recording, !upkeep.spaceFull,
            LogTrim.shouldRecord(
                applied: upkeep.durable.index, recorded: upkeep.recorded,
                sinceRecord: now - upkeep.recordedAt,
                limits: limits)
        {
            upkeep.recording = true
            quorum.link.recordApplied(
                LogTrim.Applied(
                    replica: quorum.link.replicaName, index: upkeep.durable.index,
                    modRevision: upkeep.durable.revision))
        }
        if !quorum.holdsRole, let since = upkeep.noSpaceSince, now - since >= QuorumUpkeep.roleLessSpaceWait,
            !upkeep.recovering, upkeep.lastRecovery.map({ now - $0 >= QuorumUpkeep.spaceRetryPause }) ?? true
        {
            upkeep.recovering = true
            upkeep.lastRecovery = now
            logger.warning(
                "etcd's NOSPACE alarm stays raised and no replica can win the active role while it is (etcd grants no lease); this replica frees the space",
                metadata: ["code": "node.etcdSpaceFull"])
            quorum.link.recoverSpace(
                fence: nil, trimmedThrough: upkeep.trimmedThrough, sizes: upkeep.sizes, epoch: 0)
        }
        guard case .active(let term) = quorum.role, let fence = quorum.pipeline?.fence else { return }
        if upkeep.spaceFull {
            if !upkeep.recovering,
                upkeep.lastRecovery.map({ now - $0 >= QuorumUpkeep.spaceRetryPause }) ?? true
            {
                upkeep.recovering = true
                upkeep.lastRecovery = now
                quorum.link.recoverSpace(
                    fence: fence, trimmedThrough: upkeep.trimmedThrough, sizes: upkeep.sizes,
                    epoch: term.epoch)
            }
        } else if !upkeep.trimming, now - upkeep.lastTrim >= limits.trimInterval {
            upkeep.trimming = true
            upkeep.lastTrim = now
            let defragment = now - upkeep.lastDefragment >= limits.defragmentInterval
            if defragment { upkeep.lastDefragment = now }
            quorum.link.trim(
                fence: fence, trimmedThrough: upkeep.trimmedThrough, sizes: upkeep.sizes,
                defragment: defragment,
                epoch: term.epoch)
        }
        if upkeep.retentionDue, !upkeep.retaining, !upkeep.spaceFull,
            upkeep.lastRetention.map({ now - $0 >= LogRetention.retryInterval }) ?? true
        {
            upkeep.retentionDue = false
            upkeep.retaining = true
            upkeep.lastRetention = now
            quorum.link.expireLogContent(
                fence: fence, endedSignals: LogRetention.withheldSignals(in: picture), now: Self.wallClock(),
                sizes: upkeep.sizes, epoch: term.epoch)
        }
    }

    /// The active released batches up to `point` (committed in etcd, in this store).
    func quorumReleased(_ point: QuorumPoint) {
        quorum?.upkeep.released = point
    }

    func quorumRecorded(_ applied: LogTrim.Applied, done: Bool) {
        guard let upkeep = quorum?.upkeep else { return }
        upkeep.recording = false
        // A failed record is tried again after the interval too, not on every tick.
        upkeep.recordedAt = .now
        if done { upkeep.recorded = applied.index }
    }

    func quorumTrimmed(_ plan: LogTrim.Plan?, epoch: Int64, failure: String?) {
        guard let quorum else { return }
        let upkeep = quorum.upkeep
        upkeep.trimming = false
        if let failure {
            logger.warning("trimming the log in etcd failed", metadata: ["reason": "\(failure)"])
            return
        }
        guard let plan else { return }
        upkeep.trimmedThrough = max(upkeep.trimmedThrough, plan.through)
        upkeep.sizes.drop(through: upkeep.trimmedThrough)
        if !plan.dropped.isEmpty {
            logger.warning(
                "replicas too far behind no longer hold the log back; they must be seeded from another replica's store",
                metadata: [
                    "replicas": "\(plan.dropped.joined(separator: ","))", "log.trimmed": "\(plan.through)",
                ])
        }
        logger.debug(
            "trimmed the log in etcd",
            metadata: [
                "log.trimmed": "\(plan.through)", "etcd.compacted": "\(plan.compactTo)",
                "node.epoch": "\(epoch)",
            ])
    }

    /// A round of ``QuorumLink/expireLogContent(fence:endedSignals:now:epoch:)`` ended; one
    /// that left entries waiting (or failed) is due again after ``LogRetention/retryInterval``.
    func quorumLogContentExpired(rewritten: Int, waiting: Bool, failure: String?) {
        guard let upkeep = quorum?.upkeep else { return }
        upkeep.retaining = false
        if waiting { upkeep.retentionDue = true }
        if let failure {
            logger.warning(
                "deleting expired signal content from the log in etcd failed; trying again",
                metadata: ["reason": "\(failure)"])
        } else if rewritten > 0 {
            logger.notice(
                "expired signal content deleted from the log in etcd and its history compacted",
                metadata: ["entries": "\(rewritten)", "waiting": "\(waiting)"])
        }
    }

    func quorumHealth(_ health: QuorumHealth) {
        guard let quorum else { return }
        quorum.upkeep.health = health
        if let trimmed = health.trimmedThrough {
            quorum.upkeep.trimmedThrough = max(quorum.upkeep.trimmedThrough, trimmed)
            quorum.upkeep.sizes.drop(through: quorum.upkeep.trimmedThrough)
        }
        if !health.alarms.contains("NOSPACE") {
            quorum.upkeep.noSpaceSince = nil
        } else if quorum.holdsRole {
            quorumSpaceFull("the NOSPACE alarm is raised")
        } else if quorum.upkeep.noSpaceSince == nil {
            quorum.upkeep.noSpaceSince = .now
        }
    }

    /// etcd's database reached its space quota: every write is refused. Reports already in
    /// this store wait for the space (none is acknowledged before etcd commits it); new ones
    /// are refused with E500 until then, so the daemons keep them in their outboxes.
    func quorumSpaceFull(_ reason: String) {
        guard let upkeep = quorum?.upkeep, !upkeep.spaceFull else { return }
        upkeep.spaceFull = true
        logger.error(
            "etcd's database is full (its space quota): refusing new reports with E500 until trimming, compaction, defragment and disarming the alarm free it",
            metadata: ["code": "node.etcdSpaceFull", "reason": "\(reason)"])
    }

    func quorumSpaceRecovered(epoch: Int64, failure: String?) {
        guard let upkeep = quorum?.upkeep else { return }
        upkeep.recovering = false
        if let failure {
            logger.warning(
                "freeing etcd's space failed; trying again",
                metadata: ["reason": "\(failure)", "node.epoch": "\(epoch)"])
            return
        }
        // Writes are tried again now; one refused for space sets the state again.
        upkeep.spaceFull = false
        upkeep.lastDefragment = .now
        logger.notice(
            "etcd's space was freed and its alarm disarmed: commits resume",
            metadata: ["node.epoch": "\(epoch)"])
        pumpQuorum()
    }

    /// The refusal of a new report while etcd cannot take it; nil when it can.
    var quorumRefusal: Problem? {
        guard let quorum, quorum.upkeep.spaceFull else { return nil }
        return Problem(
            .rateLimited, field: "etcdSpaceQuota",
            "the node's log in etcd is full (its space quota); send again later")
    }

    /// The replica's part of STATUS; nil without etcd.
    var quorumStatus: NodeStatus.Quorum? {
        guard let quorum else { return nil }
        let role: String
        switch quorum.role {
        case .following: role = "following"
        case .takingOver: role = "takingOver"
        case .active: role = "active"
        }
        let health = quorum.upkeep.health
        var status = NodeStatus.Quorum(
            role: role, epoch: quorum.term?.epoch ?? 0, logIndex: quorum.appliedIndex,
            trimmedThrough: quorum.upkeep.trimmedThrough,
            membersReachable: Int64(health?.membersReachable ?? 0),
            members: Int64(health?.members ?? quorum.link.options.endpoints.count),
            dbSize: health?.dbSize ?? 0,
            alarms: health?.alarms ?? [], spaceFull: quorum.upkeep.spaceFull)
        status.appliedEntries = Int64(quorum.upkeep.appliedEntries)
        status.applyTransactions = Int64(quorum.upkeep.applyTransactions)
        quorum.figures.fill(&status)
        return status
    }
}
