import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// The local operator interface of a daemon (docs/PROTOCOL.md §11): the `ipc://` socket in
/// the daemon's owner-only folder where `knooppunt publish` and `status` talk to it.
public enum OperatorCommand: String, Sendable {
    /// [KNP1, PUBLISH, document, options JSON] → QUEUED | ERROR, later ACCEPTED | REJECTED.
    case publish = "PUBLISH"
    /// [KNP1, REPORT, report id] → REPORTSTATE (JSON).
    case report = "REPORT"
    /// [KNP1, STATUS] → STATUS (JSON).
    case status = "STATUS"
    /// [KNP1, PICTURE] → PICTURE (JSON: the mirror's entries in this organisation's view).
    case picture = "PICTURE"
}

public enum OperatorReply {
    public static let queued = "QUEUED"
    public static let accepted = "ACCEPTED"
    public static let rejected = "REJECTED"
    public static let reportState = "REPORTSTATE"
    public static let status = "STATUS"
    public static let picture = "PICTURE"
    public static let error = "ERROR"
}

/// Options sent with PUBLISH.
public struct PublishOptions: Sendable {
    /// Send even if the same body was published within the duplicate window.
    public var again: Bool
    public init(again: Bool = false) { self.again = again }
    public var json: JSONValue { ["again": .bool(again)] }
}
