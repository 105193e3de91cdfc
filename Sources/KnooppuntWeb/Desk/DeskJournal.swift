import KnooppuntClient
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// Where the desk keeps the reports its officers write, before and after the node answers:
/// the same outbox a daemon keeps (stored before "queued", sent until the node answers), so
/// an officer's advice survives a desk crash and goes out exactly once.
///
/// `knooppunt desk` backs it with a daemon store (`DIR/desk/store.sqlite`, SQLite with
/// `synchronous=FULL`). Used only on the desk's loop thread.
public protocol DeskJournal: OutboxStorage {
    /// The last origin sequence used and the reports still waiting for the node.
    func load() throws -> (lastOriginSeq: UInt64, queued: [QueuedReport])
    /// Stores a sealed report durably before it is queued.
    func enqueue(_ item: QueuedReport, document: [UInt8], bodyHash: String) throws
    /// Where a report stands: `{"id", "state": queued|accepted|rejected, "sequence"?, ...}`.
    func state(of id: ReportID) throws -> JSONValue?
}

// The journal as the submit pipeline's storage: the desk's reports go through the same
// pipeline as a daemon's.
extension DeskJournal {
    public func loadQueue() throws -> (lastOriginSeq: UInt64, queued: [QueuedReport]) { try load() }

    public func enqueue(prepared: [PreparedReport]) throws {
        for report in prepared {
            try enqueue(report.item, document: report.document, bodyHash: report.bodyHash)
        }
    }

    public func originSeq(of id: ReportID) throws -> UInt64? {
        try state(of: id).map { state in state["originSeq"]?.integerValue.map { UInt64($0) } ?? 0 }
    }
}

/// A journal in memory, for tests and tools: not durable, it forgets everything at exit.
public final class MemoryDeskJournal: DeskJournal {
    private var lastOriginSeq: UInt64 = 0
    private var items: [ReportID: (item: QueuedReport, document: [UInt8], state: JSONValue)] = [:]
    private var bodies: [(hash: String, id: ReportID, at: Int64)] = []

    public init() {}

    public func load() throws -> (lastOriginSeq: UInt64, queued: [QueuedReport]) {
        let queued = items.values.filter { $0.state["state"]?.stringValue == "queued" }.map(\.item)
        return (lastOriginSeq, queued.sorted { $0.originSeq < $1.originSeq })
    }

    public func enqueue(_ item: QueuedReport, document: [UInt8], bodyHash: String) throws {
        lastOriginSeq = max(lastOriginSeq, item.originSeq)
        bodies.append((bodyHash, item.id, item.queuedAt))
        items[item.id] = (
            item, document,
            [
                "id": .string(item.id.rawValue), "state": "queued",
                "originSeq": .integer(Int64(item.originSeq)), "queuedAt": .integer(item.queuedAt),
            ]
        )
    }

    public func record(_ events: [OutboxEvent], at now: Int64) throws {
        for event in events {
            switch event {
            case .accepted(let item, let ack):
                update(item.id) {
                    $0["state"] = "accepted"
                    $0["sequence"] = .integer(Int64(ack.sequence))
                    $0["epoch"] = .integer(Int64(ack.epoch))
                    $0["answeredAt"] = .integer(now)
                }
            case .rejected(let item, let code, let message):
                update(item.id) {
                    $0["state"] = "rejected"
                    $0["code"] = .integer(Int64(code.rawValue))
                    $0["message"] = .string(message)
                    $0["answeredAt"] = .integer(now)
                }
            case .reseal, .resend:
                break
            }
        }
    }

    public func reseal(_ item: QueuedReport) throws {
        lastOriginSeq = max(lastOriginSeq, item.originSeq)
        guard let known = items[item.id] else { return }
        items[item.id] = (item, known.document, known.state)
        update(item.id) { $0["originSeq"] = .integer(Int64(item.originSeq)) }
    }

    public func requeue(from: UInt64, below: UInt64) throws -> [QueuedReport] {
        let again = items.values.filter { (from..<below).contains($0.item.originSeq) }.map(\.item)
        for item in again { update(item.id) { $0["state"] = "queued" } }
        return again.sorted { $0.originSeq < $1.originSeq }
    }

    public func document(of id: ReportID) throws -> [UInt8]? { items[id]?.document }

    public func state(of id: ReportID) throws -> JSONValue? { items[id]?.state }

    public func recentReport(bodyHash: String, since: Int64) throws -> ReportID? {
        bodies.last { $0.hash == bodyHash && $0.at >= since }?.id
    }

    private func update(_ id: ReportID, _ change: (inout [String: JSONValue]) -> Void) {
        guard let known = items[id], var object = known.state.objectValue else { return }
        change(&object)
        items[id] = (known.item, known.document, .object(object))
    }
}
