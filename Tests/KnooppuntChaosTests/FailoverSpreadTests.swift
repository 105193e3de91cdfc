import StrictJSON
import Testing

@testable import KnooppuntChaos

@Suite("Failovers per kind of fault")
struct FailoverSpreadTests {
    @Test("no failovers give no spread")
    func empty() {
        #expect(FailoverSpread([]) == nil)
        #expect(FailoverSpread.byKind([]).isEmpty)
    }

    @Test("each kind of fault gets its own count, min, median and max, in the kinds' order")
    func byKind() {
        let failovers = [
            Failover(kind: .partition, duration: .milliseconds(1_900)),
            Failover(kind: .kill, duration: .milliseconds(1_200)),
            Failover(kind: .partition, duration: .milliseconds(1_500)),
            Failover(kind: .kill, duration: .milliseconds(1_100)),
            Failover(kind: .partition, duration: .milliseconds(2_400)),
        ]
        let spreads = FailoverSpread.byKind(failovers)
        #expect(spreads.map(\.kind) == [.kill, .partition])
        #expect(spreads[0].spread == FailoverSpread([.milliseconds(1_100), .milliseconds(1_200)]))
        #expect(spreads[0].spread.median == .milliseconds(1_200))
        let partitions = spreads[1].spread
        #expect(partitions.count == 3)
        #expect(partitions.min == .milliseconds(1_500))
        #expect(partitions.median == .milliseconds(1_900))
        #expect(partitions.max == .milliseconds(2_400))
    }

    @Test("the report's JSON gives all failovers and each kind's")
    func json() {
        let report = ChaosReport(
            verdict: Checker.check(
                RunRecords(acks: [], queued: [:], log: [], mirrors: [], activations: [])),
            faults: [], failovers: [Failover(kind: .partition, duration: .milliseconds(1_750))], acks: 0,
            degradedAcks: 0, seed: 1, duration: .seconds(1))
        let object = report.json(rerun: "x").objectValue ?? [:]
        #expect(object["failoverMilliseconds"]?.objectValue?["median"] == .integer(1_750))
        let byFault = object["failoverMillisecondsByFault"]?.objectValue ?? [:]
        #expect(byFault.keys.sorted() == ["partition"])
        #expect(byFault["partition"]?.objectValue?["count"] == .integer(1))
    }
}

@Suite("A chaos run limited to some kinds of fault")
struct FaultKindsTests {
    let targets = [(name: "primary", weight: 3), (name: "VR01", weight: 1)]

    @Test("a schedule keeping only partitions plans nothing else")
    func onlyPartitions() {
        var weights = FaultSchedule.Weights()
        weights.partition = 3
        var schedule = FaultSchedule(seed: 7, weights: weights.keeping([.partition]))
        let kinds = Set((0..<50).compactMap { _ in schedule.next(targets: targets)?.kind })
        #expect(kinds == [.partition])
    }

    @Test("the default weights keep every kind they have; none kept plans no fault")
    func keeping() {
        var all = FaultSchedule(seed: 7, weights: FaultSchedule.Weights().keeping(Set(FaultKind.allCases)))
        let kinds = Set((0..<200).compactMap { _ in all.next(targets: targets)?.kind })
        #expect(kinds == [.kill, .pause, .restart])
        var none = FaultSchedule(seed: 7, weights: FaultSchedule.Weights().keeping([]))
        #expect(none.next(targets: targets) == nil)
    }
}

@Suite("Whether a fault on the active made a failover")
struct PendingFailoverTests {
    let start = ContinuousClock.now

    func pending() -> PendingFailover {
        PendingFailover(start: start, epoch: 5, kind: .pause, target: "primary")
    }

    @Test("an ACK in a later epoch ends a failover, timed from the fault")
    func failover() {
        var pending = pending()
        #expect(pending.outcome(now: start + .milliseconds(500), lastAckEpoch: 5, ackCount: 10) == .waiting)
        #expect(
            pending.outcome(now: start + .milliseconds(1_400), lastAckEpoch: 6, ackCount: 11)
                == .failover(Failover(kind: .pause, duration: .milliseconds(1_400))))
    }

    @Test("new ACKs in the same epoch well after the process is back: it survived, no failover")
    func survived() {
        var pending = pending()
        pending.recoveredAt = start + .seconds(1)
        // Within the margin, old-epoch ACKs prove nothing (a resumed active may still flush).
        #expect(pending.outcome(now: start + .seconds(2), lastAckEpoch: 5, ackCount: 20) == .waiting)
        #expect(pending.outcome(now: start + .seconds(3), lastAckEpoch: 5, ackCount: 20) == .waiting)
        // No new ACK since the margin passed: still waiting.
        #expect(pending.outcome(now: start + .seconds(4), lastAckEpoch: 5, ackCount: 20) == .waiting)
        #expect(pending.outcome(now: start + .seconds(5), lastAckEpoch: 5, ackCount: 21) == .survived)
    }

    @Test("a later failover after the margin is still counted if no old-epoch ACK came first")
    func lateFailover() {
        var pending = pending()
        pending.recoveredAt = start + .seconds(1)
        #expect(pending.outcome(now: start + .seconds(3), lastAckEpoch: 5, ackCount: 20) == .waiting)
        #expect(
            pending.outcome(now: start + .seconds(4), lastAckEpoch: 6, ackCount: 21)
                == .failover(Failover(kind: .pause, duration: .seconds(4))))
    }

    @Test("nothing decided in 30 s: not counted")
    func unknown() {
        var pending = pending()
        #expect(pending.outcome(now: start + .seconds(31), lastAckEpoch: 5, ackCount: 1) == .unknown)
    }
}
