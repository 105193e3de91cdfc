import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// An ACK as the load generator received it: the source of truth of a chaos run.
public struct AckRecord: Sendable, Hashable {
    public let id: String
    public let origin: String
    public let epoch: UInt64
    public let sequence: UInt64
    public let degraded: Bool
    /// Wall clock (ms) when it arrived.
    public let at: Int64

    public init(id: String, origin: String, epoch: UInt64, sequence: UInt64, degraded: Bool, at: Int64) {
        self.id = id
        self.origin = origin
        self.epoch = epoch
        self.sequence = sequence
        self.degraded = degraded
        self.at = at
    }
}

/// One entry of a node's log, read offline after the run.
public struct LogRecord: Sendable, Hashable {
    public let sequence: UInt64
    public let epoch: UInt64
    public let id: String
    public let origin: String
    public let originSeq: UInt64

    public init(sequence: UInt64, epoch: UInt64, id: String, origin: String, originSeq: UInt64) {
        self.sequence = sequence
        self.epoch = epoch
        self.id = id
        self.origin = origin
        self.originSeq = originSeq
    }
}

/// A daemon's mirror, read offline after the run.
public struct MirrorRecord: Sendable {
    public let organisation: String
    public let applied: UInt64
    public let viewHash: String
    /// The node's hash for this organisation's view, computed from the node's store.
    public let expectedHash: String
    /// Report ids in the mirror's history (sequence order).
    public let history: [(sequence: UInt64, id: String)]

    public init(
        organisation: String, applied: UInt64, viewHash: String, expectedHash: String,
        history: [(UInt64, String)]
    ) {
        self.organisation = organisation
        self.applied = applied
        self.viewHash = viewHash
        self.expectedHash = expectedHash
        self.history = history.map { (sequence: $0.0, id: $0.1) }
    }
}

/// Everything the checker reads after a run.
public struct RunRecords: Sendable {
    public var acks: [AckRecord]
    /// Report ids in the order each origin's daemon queued them.
    public var queued: [String: [String]]
    /// The final log: the longest replica's.
    public var log: [LogRecord]
    public var mirrors: [MirrorRecord]
    /// Every activation seen in the replicas' logs: which replica became active in which epoch.
    public var activations: [(node: String, epoch: UInt64)]
    /// Every other replica's log (compared with the final log each).
    public var replicaLogs: [(name: String, log: [LogRecord])] = []
    /// The committed log read from etcd after the run (what trimming left of it).
    public var etcdLog: [LogRecord] = []
    /// Each replica's audit chain (its rows' hashes, whether every row follows on the one
    /// before and matches its hash) and the reports its `accepted` rows name.
    public var auditChains: [AuditChainRecord] = []

    public init(
        acks: [AckRecord], queued: [String: [String]], log: [LogRecord], mirrors: [MirrorRecord],
        activations: [(node: String, epoch: UInt64)]
    ) {
        self.acks = acks
        self.queued = queued
        self.log = log
        self.mirrors = mirrors
        self.activations = activations
    }
}

/// One replica's audit chain as a run left it.
public struct AuditChainRecord: Sendable {
    public var replica: String
    public var hashes: [[UInt8]]
    /// Every row follows on the one before (from row 1) and matches its hash.
    public var intact: Bool
    public var accepted: Set<String>

    public init(replica: String, records: [AuditRecord]) {
        self.replica = replica
        hashes = records.map(\.hash)
        var previous = AuditRecord.genesis
        intact = true
        for (offset, record) in records.enumerated() {
            guard record.seq == UInt64(offset + 1), record.previousHash == previous,
                record.computedHash == record.hash
            else {
                intact = false
                break
            }
            previous = record.hash
        }
        accepted = Set(records.filter { $0.event.kind == .accepted }.map(\.event.subject))
    }
}

/// The invariants of docs/DESIGN promises, checked offline over a run's stores.
public struct Verdict: Sendable {
    public struct Invariant: Sendable {
        public let name: String
        public let checked: Int
        public var violations: [String]
        public var passed: Bool { violations.isEmpty }
    }

    public var invariants: [Invariant]
    public var passed: Bool { invariants.allSatisfy(\.passed) }

    public var json: JSONValue {
        [
            "verdict": .string(passed ? "PASS" : "FAIL"),
            "invariants": .array(
                invariants.map {
                    [
                        "name": .string($0.name), "checked": .integer(Int64($0.checked)),
                        "violations": .integer(Int64($0.violations.count)),
                        "examples": .array($0.violations.prefix(5).map(JSONValue.string)),
                    ]
                }),
        ]
    }
}

public enum Checker {
    public static func check(_ run: RunRecords) -> Verdict {
        var invariants: [Verdict.Invariant] = []
        let bySequence = Dictionary(
            run.log.map { ($0.sequence, $0) }, uniquingKeysWith: { first, _ in first })
        let byID = Dictionary(grouping: run.log, by: \.id)

        // 1. Every ACK a publisher received is in the final log at its (epoch, sequence): an ACK
        //    is committed by a majority of etcd's members, so none may move or vanish.
        var ackViolations: [String] = []
        for ack in run.acks {
            let entry = bySequence[ack.sequence]
            if entry?.id != ack.id || entry?.epoch != ack.epoch {
                ackViolations.append(
                    "ACK \(ack.id) (\(ack.origin)) at epoch \(ack.epoch) seq \(ack.sequence): log has \(entry.map { "\($0.id) epoch \($0.epoch)" } ?? "nothing")"
                )
            }
        }
        invariants.append(
            .init(
                name: "every ACK is in the final log at its epoch and sequence", checked: run.acks.count,
                violations: ackViolations))

        // 2. Exactly once: no report twice in the log; every queued report is there.
        var onceViolations: [String] = byID.filter { $0.value.count > 1 }.map {
            "\($0.key) appears \($0.value.count) times"
        }
        let queuedCount = run.queued.values.reduce(0) { $0 + $1.count }
        for (origin, ids) in run.queued {
            for id in ids where byID[id] == nil {
                onceViolations.append("\(id) queued at \(origin) is not in the log")
            }
        }
        invariants.append(
            .init(
                name: "every queued report is in the log exactly once", checked: queuedCount,
                violations: onceViolations))

        // 3. Per-origin order: origin sequences rise with the global sequence, gap-free, in issue order.
        var orderViolations: [String] = []
        for (origin, entries) in Dictionary(
            grouping: run.log.sorted { $0.sequence < $1.sequence }, by: \.origin)
        {
            for (index, entry) in entries.enumerated() where entry.originSeq != UInt64(index + 1) {
                orderViolations.append(
                    "\(origin): seq \(entry.sequence) has origin sequence \(entry.originSeq), expected \(index + 1)"
                )
                break
            }
            if let issued = run.queued[origin] {
                let logged = entries.map(\.id).filter(Set(issued).contains)
                if logged != issued.filter({ byID[$0] != nil }) {
                    orderViolations.append(
                        "\(origin): the log's order differs from the order the daemon queued")
                }
            }
        }
        invariants.append(
            .init(
                name: "reports of one origin appear in the order it issued them", checked: run.log.count,
                violations: orderViolations))

        // 4. Gap-free global sequence.
        let sequences = run.log.map(\.sequence).sorted()
        var gapViolations: [String] = []
        for (index, sequence) in sequences.enumerated() where sequence != UInt64(index + 1) {
            gapViolations.append("expected seq \(index + 1), found \(sequence)")
            break
        }
        invariants.append(
            .init(
                name: "the global sequence is gap-free", checked: sequences.count, violations: gapViolations))

        // 5. Every mirror converged: the node's sequence and the node's hash for its view; no report twice.
        let last = sequences.last ?? 0
        var mirrorViolations: [String] = []
        for mirror in run.mirrors {
            if mirror.applied != last {
                mirrorViolations.append("\(mirror.organisation) applied \(mirror.applied), node at \(last)")
            }
            if mirror.viewHash != mirror.expectedHash {
                mirrorViolations.append("\(mirror.organisation) hash differs from the node's for its view")
            }
            let ids = mirror.history.map(\.id)
            if Set(ids).count != ids.count {
                mirrorViolations.append("\(mirror.organisation) holds a report twice")
            }
            for (sequence, id) in mirror.history where bySequence[sequence]?.id != id {
                mirrorViolations.append(
                    "\(mirror.organisation) has \(id) at seq \(sequence), the log does not")
                break
            }
        }
        invariants.append(
            .init(
                name: "every mirror converged to the node's hash for its view", checked: run.mirrors.count,
                violations: mirrorViolations))

        // 6. Never two actives in one epoch.
        var activeViolations: [String] = []
        for (epoch, claims) in Dictionary(grouping: run.activations, by: \.epoch)
        where Set(claims.map(\.node)).count > 1 {
            activeViolations.append(
                "epoch \(epoch) was active on \(Set(claims.map(\.node)).sorted().joined(separator: " and "))")
        }
        invariants.append(
            .init(
                name: "never two active replicas in one epoch", checked: run.activations.count,
                violations: activeViolations))

        return Verdict(invariants: invariants + quorumInvariants(run))
    }
}
