/// The promises of the replicas on etcd: no ACK rests on one disk, the replicas agree, and
/// etcd's committed order is the order every ACK names.
extension Checker {
    static func quorumInvariants(_ run: RunRecords) -> [Verdict.Invariant] {
        let etcdLog = run.etcdLog
        var invariants: [Verdict.Invariant] = []
        let final = Dictionary(run.log.map { ($0.sequence, $0) }, uniquingKeysWith: { first, _ in first })

        // 1. An ACK means committed by a majority of etcd's members: none may be "degraded"
        //    (acknowledged by one replica alone), whatever happened to it afterwards.
        invariants.append(
            .init(
                name: "no ACK is degraded (every ACK was committed by a majority of etcd's members)",
                checked: run.acks.count,
                violations: run.acks.filter(\.degraded).map {
                    "ACK \($0.id) (\($0.origin)) at seq \($0.sequence) is degraded: given without etcd's commit"
                }))

        // 2. Every replica holds the final log, entry for entry.
        var replicaViolations: [String] = []
        if run.replicaLogs.count + 1 != ChaosRun.replicaNames.count {
            replicaViolations.append(
                "\(run.replicaLogs.count + 1) replicas left a store, not \(ChaosRun.replicaNames.count)")
        }
        for (name, log) in run.replicaLogs {
            if log.count != run.log.count {
                replicaViolations.append("\(name) holds \(log.count) entries, the final log \(run.log.count)")
            }
            if let entry = log.first(where: { final[$0.sequence] != $0 }) {
                replicaViolations.append("\(name) differs at seq \(entry.sequence)")
            }
        }
        invariants.append(
            .init(
                name: "every replica's log equals the final log", checked: run.replicaLogs.count,
                violations: replicaViolations))

        // 3. etcd's log (what trimming left of it) is a gap-free tail of the final log, and every
        //    ACK whose entry it still holds is there at its epoch and sequence; the trimmed ones
        //    were checked against the stores (the first invariant).
        var etcdViolations: [String] = []
        let committed = Dictionary(etcdLog.map { ($0.sequence, $0) }, uniquingKeysWith: { first, _ in first })
        let sequences = etcdLog.map(\.sequence)
        if let first = sequences.first, sequences != Array(first..<(first + UInt64(sequences.count))) {
            etcdViolations.append("etcd's log has a gap or a repeat after seq \(first)")
        }
        if let last = sequences.last, last != run.log.map(\.sequence).max() {
            etcdViolations.append(
                "etcd's log ends at \(last), the stores at \(run.log.count)")
        }
        if let entry = etcdLog.first(where: { final[$0.sequence] != $0 }) {
            etcdViolations.append(
                "etcd's entry at seq \(entry.sequence) (\(entry.id)) differs from the stores")
        }
        for ack in run.acks {
            guard let entry = committed[ack.sequence] else { continue }
            if entry.id != ack.id || entry.epoch != ack.epoch {
                etcdViolations.append(
                    "ACK \(ack.id) at epoch \(ack.epoch) seq \(ack.sequence): etcd committed \(entry.id) in epoch \(entry.epoch)"
                )
            }
        }
        invariants.append(
            .init(
                name: "every ACK is in etcd's committed order (trimmed entries: in the stores)",
                checked: run.acks.filter { committed[$0.sequence] != nil }.count, violations: etcdViolations))

        // 4. One epoch's commits are one run of the log: a replica that lost the active role never
        //    commits again in its epoch, after another replica's epoch began.
        var epochViolations: [String] = []
        for (previous, next) in zip(run.log, run.log.dropFirst()) where next.epoch < previous.epoch {
            epochViolations.append(
                "seq \(next.sequence) in epoch \(next.epoch) after seq \(previous.sequence) in epoch \(previous.epoch)"
            )
            break
        }
        invariants.append(
            .init(
                name: "epochs only rise along the log (never two replicas committing in one epoch)",
                checked: run.log.count, violations: epochViolations))

        // 5. One audit chain: every replica's is intact and a prefix of the longest (the chain
        //    travels in etcd's log), and it holds an `accepted` row for every ACKed report.
        var auditViolations: [String] = []
        if let longest = run.auditChains.max(by: { $0.hashes.count < $1.hashes.count }) {
            for chain in run.auditChains {
                if !chain.intact { auditViolations.append("\(chain.replica)'s audit chain is broken") }
                if Array(longest.hashes.prefix(chain.hashes.count)) != chain.hashes {
                    auditViolations.append(
                        "\(chain.replica)'s audit chain (\(chain.hashes.count) rows) is not a prefix of \(longest.replica)'s"
                    )
                }
            }
            for ack in run.acks where !longest.accepted.contains(ack.id) {
                auditViolations.append(
                    "ACK \(ack.id) at seq \(ack.sequence) has no accepted row in the audit chain")
                break
            }
        }
        invariants.append(
            .init(
                name: "every replica holds one audit chain, with a row for every ACK",
                checked: run.auditChains.count, violations: auditViolations))
        return invariants
    }
}
