import Foundation
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol

extension ChaosRun {
    /// Which processes may be attacked now. A node only while the pair is in sync and the
    /// other node is up: the schedule never takes both nodes down (the stated bound), and never
    /// the active while its standby could not take over.
    func targets() -> [(name: String, weight: Int)] {
        if options.quorum { return quorumTargets() }
        let pairReady = activeStatus()?.peerInSync == true
        var result: [(String, Int)] = []
        for managed in processes.values.sorted(by: { $0.name < $1.name })
        where managed.isUp && managed.recoverAt == nil {
            if managed.name == "primary" || managed.name == "backup" {
                let other = processes[managed.name == "primary" ? "backup" : "primary"]!
                if pairReady && other.isUp && other.recoverAt == nil { result.append((managed.name, 3)) }
            } else {
                result.append((managed.name, 1))
            }
        }
        return result
    }

    func inject(_ schedule: inout FaultSchedule, load: LoadGenerator) {
        guard let fault = schedule.next(targets: targets()), let managed = processes[fault.target],
            let child = managed.child
        else { return }
        // The active node or replica attacked: the time until ACKs come in a later epoch is
        // a failover (known by its process id: a replica has no configured role in STATUS).
        if PairRole(rawValue: fault.target) != nil, let status = activeStatus(),
            status.pid == Int64(child.pid ?? -1)
        {
            pendingFailover = (.now, UInt64(status.epoch), fault.kind)
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

    /// The first ACK in a later epoch after the active was attacked ends a failover.
    func noteFailover(_ load: LoadGenerator) {
        guard let pending = pendingFailover, let last = load.acks.last else { return }
        if last.epoch > pending.epoch {
            let failover = Failover(kind: pending.kind, duration: ContinuousClock.now - pending.start)
            failovers.append(failover)
            say(
                "failover (\(failover.kind.rawValue)): ACKs in epoch \(last.epoch) after \(failover.duration)"
            )
            pendingFailover = nil
        } else if ContinuousClock.now - pending.start > .seconds(30) {
            pendingFailover = nil
        }
    }
}
