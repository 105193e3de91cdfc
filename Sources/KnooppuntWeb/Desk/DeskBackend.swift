import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// What the desk's HTTP side needs from the part that talks to the node: the published
/// state, and the write path. ``DeskLink`` is the real one; tests give their own.
public protocol DeskBackend: Sendable {
    var feed: DeskFeed { get }
    /// Stores a document written by a desk officer and queues it for the node (as NATIONAL).
    func submit(_ document: ReportDocument, again: Bool) async -> DeskWriteOutcome
    /// Waits up to `timeout` for the node's answer to a report; returns where it stands then.
    func outcome(of id: ReportID, within timeout: Duration) async -> JSONValue?
    /// Where a report written at the desk stands (nil: the desk never wrote it).
    func reportState(_ id: ReportID) async -> JSONValue?
}

/// The immediate answer to a desk officer's write.
public enum DeskWriteOutcome: Sendable {
    /// Stored in the desk's outbox; it goes to the node until the node answers.
    case queued(ReportID, originSeq: UInt64)
    /// Not stored: the reason (E501 outbox full, E504 the same body moments ago, E600 storage).
    case refused(Problem, detail: JSONValue)
}
