import Foundation
import KnooppuntProtocol
import StrictJSON

// Where an ACK of the active replica waits, from its status before and after a phase.
extension QuorumBenchmark {
    /// The phase's fenced transactions (how many, entries and reports per transaction, their
    /// mean round trip, the most in flight) and its batches' mean wait from the commit to the
    /// active's store until their ACKs; null when a status could not be read.
    static func commitFigures(from before: NodeStatus.Quorum?, to after: NodeStatus.Quorum?) -> JSONValue {
        guard let before, let after else { return .null }
        let transactions = after.commitTransactions - before.commitTransactions
        let entries = after.committedEntries - before.committedEntries
        let reports = after.committedReports - before.committedReports
        let batches = after.releasedBatches - before.releasedBatches
        func per(_ value: Int64, _ count: Int64) -> JSONValue {
            .number(count > 0 ? (Double(value) / Double(count) * 10).rounded() / 10 : 0)
        }
        func milliseconds(_ microseconds: Int64, _ count: Int64) -> JSONValue {
            .number(count > 0 ? (Double(microseconds) / Double(count) / 100).rounded() / 10 : 0)
        }
        return [
            "transactions": .integer(transactions),
            "entriesPerTransaction": per(entries, transactions),
            "reportsPerTransaction": per(reports, transactions),
            "meanTransactionMs": milliseconds(
                after.commitMicroseconds - before.commitMicroseconds, transactions),
            "batches": .integer(batches),
            "meanBatchWaitMs": milliseconds(
                after.releaseWaitMicroseconds - before.releaseWaitMicroseconds, batches),
            "mostInFlight": .integer(after.mostInFlight),
        ]
    }
}

extension QuorumBenchmark {
    /// `phase` with one more field (a phase's result is an object).
    static func adding(_ key: String, _ value: JSONValue, to phase: JSONValue) -> JSONValue {
        guard case .object(var fields) = phase else { return phase }
        fields[key] = value
        return .object(fields)
    }
}

extension NodeBenchmark {
    /// The quorum part of the status of the replica the phases drive (the primary, active).
    func activeQuorumStatus() -> NodeStatus.Quorum? {
        NodeStatus.ask(folder.nodeControlEndpoint, timeout: .seconds(2))?.quorum
    }
}
