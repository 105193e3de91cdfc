import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore

/// A report checked and sealed, ready to be stored as queued.
public struct PreparedReport: Sendable {
    /// Unsigned as ``SubmitPipeline/prepare(_:again:after:wall:)`` returns it; signed in
    /// what ``SubmitPipeline/enqueue(_:write:)`` stores and returns.
    public let item: QueuedReport
    /// The canonical document as handed over (sealed again from it when the node asks).
    public let document: [UInt8]
    /// ``SubmitPipeline/bodyHash(_:codec:)`` of the document: the duplicate window compares it.
    public let bodyHash: String

    public init(item: QueuedReport, document: [UInt8], bodyHash: String) {
        self.item = item
        self.document = document
        self.bodyHash = bodyHash
    }
}

/// Where a ``SubmitPipeline`` keeps its reports before and after the node answers: durable
/// (a daemon's store, the desk's journal), so a report survives a crash and goes out once.
/// Used only on the owner's thread.
public protocol OutboxStorage: AnyObject {
    /// The last origin sequence used and the reports still waiting for the node.
    func loadQueue() throws -> (lastOriginSeq: UInt64, queued: [QueuedReport])
    /// Stores sealed reports as queued, in one transaction, before anyone hears "queued".
    func enqueue(prepared: [PreparedReport]) throws
    /// Stores the node's answers.
    func record(_ events: [OutboxEvent], at now: Int64) throws
    /// Replaces a report with its resealed copy (same id, new origin sequence).
    func reseal(_ item: QueuedReport) throws
    /// The reports from origin sequence `from` up to `below`, queued again: the node lost them
    /// after acknowledging them (see `OutboxEvent.resend`).
    func requeue(from: UInt64, below: UInt64) throws -> [QueuedReport]
    /// The canonical document of a stored report (to seal it again).
    func document(of id: ReportID) throws -> [UInt8]?
    /// A report with this body stored since `since` (ms since 1970), if any.
    func recentReport(bodyHash: String, since: Int64) throws -> ReportID?
    /// The origin sequence of a stored report (a report handed over again is not sealed twice).
    func originSeq(of id: ReportID) throws -> UInt64?
}

extension DaemonStore: OutboxStorage {
    public func loadQueue() throws -> (lastOriginSeq: UInt64, queued: [QueuedReport]) {
        let loaded = try loadOutbox()
        return (loaded.lastOriginSeq, loaded.queued)
    }

    public func enqueue(prepared: [PreparedReport]) throws {
        try enqueue(prepared.map { ($0.item, $0.document, $0.bodyHash) })
    }

    public func originSeq(of id: ReportID) throws -> UInt64? { try state(of: id)?.originSeq }
}
