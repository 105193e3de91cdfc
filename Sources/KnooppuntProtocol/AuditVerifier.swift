import KnooppuntDomain

/// Checks an audit chain against itself and against signed checkpoints (`knooppunt audit
/// verify`): an edited field, a removed or inserted row, a cut tail, and a chain recomputed
/// from an edit onwards (its hashes then disagree with what the node signed earlier).
public struct AuditVerifier: Sendable {
    /// A checkpoint and where it was found (the node's own store, another replica's, a daemon's).
    public struct SourcedCheckpoint: Sendable {
        public let checkpoint: AuditCheckpoint
        public let source: String
        public init(_ checkpoint: AuditCheckpoint, source: String) {
            self.checkpoint = checkpoint
            self.source = source
        }
    }

    public struct Report: Sendable {
        public var rows = 0
        public var head: AuditRecord?
        public var checkpointsVerified = 0
        public var sources: Set<String> = []
        /// Checkpoints of rows an earlier active wrote that no later active held (failovers of
        /// the retired pair): the node vouches for the chain that continued in a later epoch.
        public var superseded = 0
        /// Every problem found, oldest row first; empty when the chain is intact.
        public var problems: [String] = []
        public var intact: Bool { problems.isEmpty }
    }

    /// The node's audit public key (network.json); without it signatures cannot be checked.
    public let key: VerifyingKey?
    /// Most problems reported (the first ones say where the damage starts).
    public static let maxProblems = 50

    public init(key: VerifyingKey?) { self.key = key }

    static func label(_ sourced: SourcedCheckpoint) -> String {
        "checkpoint at row \(sourced.checkpoint.seq) (epoch \(sourced.checkpoint.epoch), from \(sourced.source))"
    }

    /// Verifies `records` (as stored, in seq order) and `checkpoints`.
    public func verify(_ records: [AuditRecord], checkpoints: [SourcedCheckpoint]) -> Report {
        var report = Report()
        func problem(_ text: String) {
            if report.problems.count < Self.maxProblems { report.problems.append(text) }
        }
        var previous: AuditRecord?
        var hashAt: [UInt64: [UInt8]] = [:]
        for record in records {
            let expectedSeq = (previous?.seq ?? 0) + 1
            if record.seq != expectedSeq {
                problem(
                    record.seq > expectedSeq
                        ? "rows \(expectedSeq)…\(record.seq - 1) are missing (deleted)"
                        : "row \(record.seq) appears out of order after row \(expectedSeq - 1) (inserted)")
            }
            if record.previousHash != (previous?.hash ?? AuditRecord.genesis) {
                problem(
                    "row \(record.seq) does not link to the row before it: a row before it was removed, inserted or rewritten"
                )
            }
            if record.computedHash != record.hash {
                problem(
                    "row \(record.seq) (\(record.event.kind.rawValue)) was changed: its content does not match its hash"
                )
            }
            hashAt[record.seq] = record.hash
            previous = record
            report.rows += 1
        }
        report.head = previous
        let last = previous?.seq ?? 0
        guard let key else {
            if !checkpoints.isEmpty {
                problem("checkpoints cannot be checked: network.json names no node audit key")
            }
            return report
        }
        let signed = checkpoints.filter { $0.checkpoint.verifies(with: key) }
        for sourced in checkpoints where !sourced.checkpoint.verifies(with: key) {
            problem("\(Self.label(sourced)) is not signed by the node's audit key")
        }
        // Checkpoints that vouch for the chain as it is: the node signed these rows.
        let matching = signed.filter { hashAt[$0.checkpoint.seq] == $0.checkpoint.headHash }
        for sourced in signed.sorted(by: { $0.checkpoint.seq < $1.checkpoint.seq }) {
            let checkpoint = sourced.checkpoint
            if hashAt[checkpoint.seq] == checkpoint.headHash {
                report.checkpointsVerified += 1
                report.sources.insert(sourced.source)
                continue
            }
            // A failover of the retired pair: the old active signed rows the standby had not
            // copied yet, and the new
            // active continued the chain from its copy in a later epoch. The node itself then
            // vouches for the chain as it is with a later-epoch checkpoint at or after this row;
            // without the audit key nobody can make one.
            let continued = matching.contains {
                $0.checkpoint.epoch > checkpoint.epoch
                    && ($0.checkpoint.seq >= checkpoint.seq || checkpoint.seq > last)
            }
            if continued {
                report.superseded += 1
            } else if checkpoint.seq > last {
                problem(
                    "\(Self.label(sourced)) vouches for rows beyond the last row \(last): rows are missing at the end (cut, or a copy that has not caught up)"
                )
            } else {
                problem(
                    "row \(checkpoint.seq) differs from what the node signed in its \(Self.label(sourced)): the chain was rewritten"
                )
            }
        }
        return report
    }
}
