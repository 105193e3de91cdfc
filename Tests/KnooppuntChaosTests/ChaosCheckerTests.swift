import KnooppuntChaos
import Testing

@Suite("The chaos checker")
struct ChaosCheckerTests {
    func log(_ count: Int, epoch: UInt64 = 2) -> [LogRecord] {
        (1...count).map {
            LogRecord(sequence: UInt64($0), epoch: epoch, id: "r\($0)", origin: "VR01", originSeq: UInt64($0))
        }
    }

    func ack(_ n: Int, epoch: UInt64 = 2, degraded: Bool = false) -> AckRecord {
        AckRecord(id: "r\(n)", origin: "VR01", epoch: epoch, sequence: UInt64(n), degraded: degraded, at: 0)
    }

    /// A run: the final log, two other replicas holding it, etcd holding its tail from `etcdFrom`.
    func run(
        _ log: [LogRecord], acks: [AckRecord], replicas: [[LogRecord]]? = nil, etcdFrom: Int = 1
    ) -> RunRecords {
        var records = RunRecords(
            acks: acks, queued: ["VR01": log.map(\.id)], log: log,
            mirrors: [
                MirrorRecord(
                    organisation: "VR01", applied: UInt64(log.count), viewHash: "h", expectedHash: "h",
                    history: log.map { ($0.sequence, $0.id) })
            ],
            activations: [("primary", 2)])
        records.replicaLogs = (replicas ?? [log, log]).enumerated().map {
            ("replica\($0.offset)", $0.element)
        }
        records.etcdLog = Array(log.dropFirst(etcdFrom - 1))
        return records
    }

    func invariant(_ verdict: Verdict, _ prefix: String) -> Verdict.Invariant? {
        verdict.invariants.first { $0.name.hasPrefix(prefix) }
    }

    @Test("a clean run passes, also when etcd holds only the log's tail (trimmed)")
    func clean() {
        let entries = log(10)
        #expect(Checker.check(run(entries, acks: (1...10).map { ack($0) })).passed)
        let trimmed = Checker.check(run(entries, acks: (1...10).map { ack($0) }, etcdFrom: 8))
        #expect(trimmed.passed)
        #expect(invariant(trimmed, "every ACK is in etcd's")?.checked == 3)
    }

    @Test("a store with one ACKed row deleted fails")
    func deletedRow() {
        var entries = log(10)
        entries.remove(at: 4)
        let verdict = Checker.check(run(entries, acks: (1...10).map { ack($0) }))
        #expect(!verdict.passed)
        #expect(invariant(verdict, "every ACK is in the final log")?.violations.count == 1)
        #expect(invariant(verdict, "the global sequence")?.passed == false)
    }

    @Test("two actives in one epoch fail; a report twice fails; an origin out of order fails")
    func otherInvariants() {
        var records = run(log(5), acks: [])
        records.activations = [("primary", 3), ("backup", 3)]
        #expect(invariant(Checker.check(records), "never two active")?.passed == false)
        var doubled = log(5)
        doubled.append(LogRecord(sequence: 6, epoch: 2, id: "r3", origin: "VR01", originSeq: 6))
        #expect(invariant(Checker.check(run(doubled, acks: [])), "every queued report")?.passed == false)
        let swapped = [
            LogRecord(sequence: 1, epoch: 2, id: "r1", origin: "VR01", originSeq: 2),
            LogRecord(sequence: 2, epoch: 2, id: "r2", origin: "VR01", originSeq: 1),
        ]
        #expect(invariant(Checker.check(run(swapped, acks: [])), "reports of one origin")?.passed == false)
    }

    @Test("one degraded ACK fails the run, even at its place in the log")
    func degraded() {
        let verdict = Checker.check(run(log(10), acks: (1...10).map { ack($0, degraded: $0 == 4) }))
        #expect(invariant(verdict, "no ACK is degraded")?.violations.count == 1)
        #expect(invariant(verdict, "every ACK is in the final log")?.passed == true)
        #expect(!verdict.passed)
    }

    @Test("an ACK whose report moved to another sequence fails, degraded or not")
    func moved() {
        // Seq 10 was acknowledged, then its report came again at seq 11: never allowed on etcd.
        var entries = log(9)
        entries.append(LogRecord(sequence: 10, epoch: 3, id: "r11", origin: "VR01", originSeq: 11))
        entries.append(LogRecord(sequence: 11, epoch: 3, id: "r10", origin: "VR01", originSeq: 10))
        for degraded in [false, true] {
            var records = run(entries, acks: (1...9).map { ack($0) } + [ack(10, degraded: degraded)])
            records.queued = ["VR01": (1...11).map { "r\($0)" }]
            let verdict = Checker.check(records)
            #expect(invariant(verdict, "every ACK is in the final log")?.violations.count == 1)
            #expect(!verdict.passed)
        }
    }

    @Test("a replica holding a report in another epoch than the final log fails; so does a missing one")
    func replicas() {
        let entries = log(10)
        var other = entries
        other[6] = LogRecord(sequence: 7, epoch: 1, id: "r7", origin: "VR01", originSeq: 7)
        let verdict = Checker.check(run(entries, acks: (1...10).map { ack($0) }, replicas: [entries, other]))
        #expect(invariant(verdict, "every replica's log")?.violations == ["replica1 differs at seq 7"])
        let missing = Checker.check(run(entries, acks: (1...10).map { ack($0) }, replicas: [entries]))
        #expect(invariant(missing, "every replica's log")?.violations == ["2 replicas left a store, not 3"])
    }

    @Test("an ACK etcd committed elsewhere fails, and so does a log whose epoch goes back")
    func etcdOrderAndEpochs() {
        var entries = log(10)
        var records = run(entries, acks: (1...10).map { ack($0) })
        records.etcdLog[2] = LogRecord(sequence: 3, epoch: 2, id: "other", origin: "VR02", originSeq: 1)
        let moved = Checker.check(records)
        #expect(invariant(moved, "every ACK is in etcd's")?.passed == false)

        entries[5] = LogRecord(sequence: 6, epoch: 3, id: "r6", origin: "VR01", originSeq: 6)
        let back = Checker.check(run(entries, acks: []))
        #expect(invariant(back, "epochs only rise")?.violations.count == 1)
    }
}
