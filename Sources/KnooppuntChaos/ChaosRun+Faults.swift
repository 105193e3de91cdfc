import Foundation
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol

extension ChaosRun {
    func inject(_ schedule: inout FaultSchedule, load: LoadGenerator) {
        guard let fault = schedule.next(targets: targets()), let managed = processes[fault.target],
            let child = managed.child
        else { return }
        // The active replica attacked: the time until ACKs come in a later epoch is a failover
        // (known by its process id: a replica has no configured role in STATUS).
        if Self.replicaNames.contains(fault.target), let status = activeStatus(),
            status.pid == Int64(child.pid ?? -1)
        {
            pendingFailover = PendingFailover(
                start: .now, epoch: UInt64(status.epoch), kind: fault.kind, target: fault.target)
        }
        faults.append("\(Self.clock()) \(fault)")
        say("fault: \(fault)")
        switch fault.kind {
        case .kill:
            child.kill9()
            scheduleRestart(managed, after: fault.duration, load: load)
        case .restart:
            child.signal(SIGTERM)
            scheduleRestart(managed, after: .milliseconds(200), load: load)
        case .pause:
            child.pause()
            managed.recoverAt = .now + fault.duration
            managed.recover = { [weak child] in child?.resume() }
        case .partition:
            guard let lab else { return }
            try? lab.cut(managed.name)
            managed.cut = true
            managed.recoverAt = .now + fault.duration
            managed.recover = { [weak managed] in
                guard let managed else { return }
                try? lab.heal(managed.name)
                managed.cut = false
            }
        }
    }

    func scheduleRestart(_ managed: Managed, after delay: Duration, load: LoadGenerator) {
        managed.recoverAt = .now + delay
        managed.recover = { [weak self, weak managed] in
            guard let self, let managed else { return }
            managed.child?.waitUntilExit()
            try? self.start(managed)
            if let code = OrganisationCode(managed.name) { load.forgetWaiting(for: code) }
        }
    }

    func recoverDue(_ load: LoadGenerator) {
        let now = ContinuousClock.now
        for managed in processes.values {
            guard let at = managed.recoverAt, at <= now else { continue }
            managed.recoverAt = nil
            managed.recover?()
            managed.recover = nil
        }
    }

    func healAll(_ load: LoadGenerator) {
        for managed in processes.values where managed.recoverAt != nil {
            managed.recoverAt = nil
            managed.recover?()
            managed.recover = nil
        }
        for managed in processes.values where managed.child?.isRunning != true {
            try? start(managed)
            if let code = OrganisationCode(managed.name) { load.forgetWaiting(for: code) }
        }
    }

    /// The first ACK in a later epoch after the active was attacked ends a failover; an active
    /// that survived the fault (``PendingFailover``) ends it without one.
    func noteFailover(_ load: LoadGenerator) {
        guard var pending = pendingFailover, let last = load.acks.last else { return }
        let now = ContinuousClock.now
        if pending.recoveredAt == nil, processes[pending.target]?.recoverAt == nil {
            pending.recoveredAt = now
        }
        switch pending.outcome(now: now, lastAckEpoch: last.epoch, ackCount: load.acks.count) {
        case .waiting:
            pendingFailover = pending
        case .failover(let failover):
            failovers.append(failover)
            say(
                "failover (\(failover.kind.rawValue)): ACKs in epoch \(last.epoch) after \(failover.duration)"
            )
            pendingFailover = nil
        case .survived:
            say("no failover: the active kept its role through the \(pending.kind.rawValue)")
            pendingFailover = nil
        case .unknown:
            pendingFailover = nil
        }
    }
}

/// A fault done to the active whose outcome is not known yet. No I/O: the run tells it the
/// time, the epoch of the last ACK and how many ACKs came so far.
///
/// Why "survived": a pause or a cut shorter than the active's lease leaves it active. Without
/// this, the next failover for any other reason, up to 30 s later, was counted as this fault's
/// (a pause once read as a failover of 21.8 s).
struct PendingFailover {
    /// How long after the attacked process is back an ACK in its own epoch proves it kept its
    /// role: twice the replicas' 1 s lease, so a resumed active that lost its lease has stepped
    /// down by then and its last ACKs of the old epoch are not taken for survival.
    static let survivalMargin: Duration = .seconds(2)
    /// After this long without a later epoch or proof of survival, the fault is not counted.
    static let giveUp: Duration = .seconds(30)

    enum Outcome: Equatable {
        case waiting
        case failover(Failover)
        case survived
        case unknown
    }

    let start: ContinuousClock.Instant
    let epoch: UInt64
    let kind: FaultKind
    /// The attacked process's name.
    let target: String
    /// When the attacked process was back (resumed, healed or started again).
    var recoveredAt: ContinuousClock.Instant?
    /// How many ACKs had come when `survivalMargin` had passed since `recoveredAt`.
    var acksAtMargin: Int?

    init(start: ContinuousClock.Instant, epoch: UInt64, kind: FaultKind, target: String) {
        self.start = start
        self.epoch = epoch
        self.kind = kind
        self.target = target
    }

    mutating func outcome(now: ContinuousClock.Instant, lastAckEpoch: UInt64, ackCount: Int) -> Outcome {
        if lastAckEpoch > epoch { return .failover(Failover(kind: kind, duration: now - start)) }
        if let recoveredAt, now - recoveredAt >= Self.survivalMargin {
            if let acksAtMargin {
                if ackCount > acksAtMargin && lastAckEpoch == epoch { return .survived }
            } else {
                acksAtMargin = ackCount
            }
        }
        return now - start > Self.giveUp ? .unknown : .waiting
    }
}
