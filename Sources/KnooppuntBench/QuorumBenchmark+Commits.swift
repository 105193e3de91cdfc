import Foundation
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON
import Synchronization

// Where an ACK of the active replica waits, from its status before and after a phase.
extension QuorumBenchmark {
    /// The phase's fenced transactions (how many, entries, reports and value bytes per
    /// transaction, their mean round trip, the most in flight) and its batches' mean wait from the commit to the
    /// active's store until their ACKs; null when a status could not be read.
    static func commitFigures(from before: NodeStatus.Quorum?, to after: NodeStatus.Quorum?) -> JSONValue {
        guard let before, let after else { return .null }
        let transactions = after.commitTransactions - before.commitTransactions
        let entries = after.committedEntries - before.committedEntries
        let reports = after.committedReports - before.committedReports
        let bytes = after.committedBytes - before.committedBytes
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
            "bytesPerTransaction": per(bytes, transactions),
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

/// Samples each etcd member's database file while the load runs, on a thread of its own, and
/// keeps the largest size seen per member: what the space quota would have met.
final class DatabaseSampler: Sendable {
    /// How often the files are looked at.
    static let interval: TimeInterval = 0.25

    let folders: [URL]
    private let state: Mutex<(running: Bool, largest: [Int64])>

    init(_ folders: [URL]) {
        self.folders = folders
        state = Mutex((running: false, largest: Array(repeating: -1, count: folders.count)))
    }

    func start() {
        state.withLock { $0.running = true }
        Thread.detachNewThread { [self] in
            while state.withLock({ $0.running }) {
                sample()
                Thread.sleep(forTimeInterval: Self.interval)
            }
        }
    }

    /// Stops sampling; returns the largest size of each member's file, in bytes.
    func stop() -> [Int64] {
        state.withLock { $0.running = false }
        sample()
        return state.withLock { $0.largest }
    }

    private func sample() {
        let sizes = folders.map(QuorumBenchmark.databaseBytes)
        state.withLock { $0.largest = zip($0.largest, sizes).map { max($0, $1) } }
    }
}
