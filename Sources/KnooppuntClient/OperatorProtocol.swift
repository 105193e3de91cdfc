import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON

/// The local operator interface of a daemon (docs/PROTOCOL.md §11): the `ipc://` socket in
/// the daemon's owner-only folder where `knooppunt publish` and `status` talk to it.
public enum OperatorCommand: String, Sendable {
    /// [KNP1, PUBLISH, document, options JSON] → QUEUED | ERROR, later ACCEPTED | REJECTED.
    /// The options name the person (`"person": {"token"}` or `{"session"}`); without one of
    /// the organisation's people whose role allows the report, the answer is ERROR E800–E805.
    case publish = "PUBLISH"
    /// [KNP1, REPORT, report id] → REPORTSTATE (JSON).
    case report = "REPORT"
    /// [KNP1, STATUS] → STATUS (JSON).
    case status = "STATUS"
    /// [KNP1, PICTURE] → PICTURE (JSON: the mirror's entries in this organisation's view).
    case picture = "PICTURE"
    /// [KNP1, SIGNALOPEN, signal id, options JSON] → SIGNAL (JSON: the content and the read
    /// record) | ERROR. Options as PUBLISH's (`person`); the person's role must allow reading
    /// signals, and the daemon stores a `signalRead` report in its outbox before it answers.
    case signalOpen = "SIGNALOPEN"
}

public enum OperatorReply {
    public static let queued = "QUEUED"
    public static let accepted = "ACCEPTED"
    public static let rejected = "REJECTED"
    public static let reportState = "REPORTSTATE"
    public static let status = "STATUS"
    public static let picture = "PICTURE"
    public static let signal = "SIGNAL"
    public static let error = "ERROR"
}

/// Options sent with PUBLISH.
public struct PublishOptions: Sendable, Hashable {
    /// Send even if the same body was published within the duplicate window.
    public var again: Bool
    /// Police-internal labels to keep with the report in the police daemon's own store; they
    /// are never part of the report (only the police daemon accepts them).
    public var policeLabels: [String]
    /// The person the report is published by (the daemon accepts reports only from its
    /// organisation's people, and makes that person the author).
    public var credential: PersonCredential?
    public init(again: Bool = false, policeLabels: [String] = [], credential: PersonCredential? = nil) {
        self.again = again
        self.policeLabels = policeLabels
        self.credential = credential
    }
    /// Reads ``json`` leniently, as the daemon always has: what is missing or of the wrong
    /// kind counts as not given.
    public init(json: JSONValue?) {
        again = json?["again"]?.boolValue ?? false
        policeLabels = (json?["policeLabels"]?.arrayValue ?? []).compactMap(\.stringValue)
        credential = PersonCredential(json: json?["person"])
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["again": .bool(again)]
        if !policeLabels.isEmpty { object["policeLabels"] = .array(policeLabels.map { .string($0) }) }
        if let credential { object["person"] = credential.json }
        return .object(object)
    }
}
