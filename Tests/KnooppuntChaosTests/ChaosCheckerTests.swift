import KnooppuntChaos
import Testing

@Suite("The chaos checker")
struct ChaosCheckerTests {
    func log(_ count: Int) -> [LogRecord] {
        (1...count).map {
            LogRecord(sequence: UInt64($0), epoch: 2, id: "r\($0)", origin: "VR01", originSeq: UInt64($0))
        }
    }

    func run(log: [LogRecord], acks: [AckRecord]) -> RunRecords {
        RunRecords(
            acks: acks, queued: ["VR01": log.map(\.id)], log: log, standbyLog: log,
            mirrors: [
                MirrorRecord(
                    organisation: "VR01", applied: UInt64(log.count), viewHash: "h", expectedHash: "h",
                    history: log.map { ($0.sequence, $0.id) })
            ],
            activations: [("primary", 2)])
    }

    func ack(_ n: Int, degraded: Bool = false) -> AckRecord {
        AckRecord(id: "r\(n)", origin: "VR01", epoch: 2, sequence: UInt64(n), degraded: degraded, at: 0)
    }

    @Test("a clean run passes")
    func clean() {
        #expect(Checker.check(run(log: log(10), acks: (1...10).map { ack($0) })).passed)
    }

    @Test("a store with one ACKed row deleted fails")
    func deletedRow() {
        var entries = log(10)
        entries.remove(at: 4)
        let verdict = Checker.check(run(log: entries, acks: (1...10).map { ack($0) }))
        #expect(!verdict.passed)
        #expect(verdict.invariants.first { $0.name.hasPrefix("every ACK") }?.violations.count == 1)
        #expect(verdict.invariants.first { $0.name.hasPrefix("the global sequence") }?.passed == false)
    }

    @Test("two actives in one epoch fail; a report twice fails; an origin out of order fails")
    func otherInvariants() {
        var records = run(log: log(5), acks: [])
        records.activations = [("primary", 3), ("backup", 3)]
        #expect(!Checker.check(records).passed)
        var doubled = log(5)
        doubled.append(LogRecord(sequence: 6, epoch: 2, id: "r3", origin: "VR01", originSeq: 6))
        #expect(!Checker.check(run(log: doubled, acks: [])).passed)
        let swapped = [
            LogRecord(sequence: 1, epoch: 2, id: "r1", origin: "VR01", originSeq: 2),
            LogRecord(sequence: 2, epoch: 2, id: "r2", origin: "VR01", originSeq: 1),
        ]
        #expect(!Checker.check(run(log: swapped, acks: [])).passed)
    }

    @Test(
        "a degraded ACK whose place was discarded passes only when its report is in the log again; any other loss fails"
    )
    func degradedMoved() {
        // The pair discarded seq 10 (acknowledged alone); the daemon sent the report again: seq 11.
        var entries = log(9)
        entries.append(LogRecord(sequence: 10, epoch: 3, id: "r11", origin: "VR01", originSeq: 11))
        entries.append(LogRecord(sequence: 11, epoch: 3, id: "r10", origin: "VR01", originSeq: 10))
        var records = run(log: entries, acks: (1...9).map { ack($0) } + [ack(10, degraded: true)])
        records.queued = ["VR01": (1...11).map { "r\($0)" }]
        let moved = Checker.check(records)
        #expect(moved.degradedMoved.count == 1)
        #expect(moved.invariants.first { $0.name.hasPrefix("every ACK") }?.passed == true)

        // Gone for good: a violation even though the ACK was degraded.
        let lost = Checker.check(run(log: log(9), acks: (1...9).map { ack($0) } + [ack(10, degraded: true)]))
        #expect(lost.degradedMoved.isEmpty)
        #expect(lost.invariants.first { $0.name.hasPrefix("every ACK") }?.passed == false)
        // Moved but not degraded (the standby had confirmed it): a violation.
        var strict = records
        strict.acks = (1...10).map { ack($0) }
        #expect(Checker.check(strict).invariants.first { $0.name.hasPrefix("every ACK") }?.passed == false)
    }
}
