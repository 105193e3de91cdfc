import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON

/// What an operator screen needs from its organisation's daemon. The daemon itself can
/// provide it (hosting the screen in its own process), or a client of the daemon's operator
/// socket can (`knooppunt screen`). Each call may be made from any task; an implementation
/// must not block the Swift concurrency pool.
public protocol OperatorScreenBackend: Sendable {
    /// The organisation whose daemon this is (e.g. VR09).
    var organisation: OrganisationCode { get }
    /// The daemon's status: the operator socket's STATUS answer
    /// (`{"organisation", "node": {...}, "mirror": {"applied", ...}, "outbox": {...}}`).
    func status() async throws -> JSONValue
    /// The daemon's mirror in its organisation's view: the operator socket's PICTURE answer
    /// (`{"sequence", "entries": [{"key", "sequence", "committedAt", "report": {...}}]}`).
    func picture() async throws -> JSONValue
    /// Hands a document (canonical JSON, already checked) to the daemon's outbox, as the
    /// person `credential` proves (the daemon checks it against the organisation's accounts).
    func publish(_ document: [UInt8], as credential: PersonCredential) async throws -> OperatorPublishResult
    /// The same, with police-internal labels the police daemon keeps with the report in its
    /// own store (never sent). A backend that cannot pass labels refuses them (the default).
    func publish(
        _ document: [UInt8], policeLabels: [String], as credential: PersonCredential
    ) async throws -> OperatorPublishResult
    /// Where a report stands in the daemon's outbox (REPORTSTATE), nil when unknown.
    func reportState(_ id: ReportID) async throws -> JSONValue?
    /// A signal's content for the person `credential` proves (SIGNALOPEN, docs/PROTOCOL.md
    /// §11): the daemon stores the read record before it answers, so every opening is logged.
    func openSignal(_ id: ReportID, as credential: PersonCredential) async throws -> OperatorSignalResult
}

extension OperatorScreenBackend {
    public func publish(
        _ document: [UInt8], policeLabels: [String], as credential: PersonCredential
    ) async throws -> OperatorPublishResult {
        guard policeLabels.isEmpty else {
            return .refused(
                .notPermitted, message: "this screen cannot hand police-internal labels to its daemon",
                detail: .null)
        }
        return try await publish(document, as: credential)
    }

    /// A backend without the daemon's SIGNALOPEN shows no content: there is no other way to
    /// open a signal that logs the read.
    public func openSignal(
        _ id: ReportID, as credential: PersonCredential
    ) async throws -> OperatorSignalResult {
        .refused(.notPermitted, message: "this screen cannot open signals through its daemon")
    }
}

/// The daemon's answer to SIGNALOPEN.
public enum OperatorSignalResult: Sendable {
    /// The signal as the daemon answers it (`{"id", "sender", "recipients", "content", "read", ...}`).
    case opened(JSONValue)
    /// Not shown: the daemon's error (E404 unknown here, E314 not a reader, E316 expired, E80x).
    case refused(ErrorCode, message: String)
}

/// The daemon's immediate answer to a PUBLISH.
public enum OperatorPublishResult: Sendable {
    /// Stored in the outbox ("queued"); the daemon sends it until the node answers.
    case queued(ReportID, originSeq: UInt64)
    /// Not stored: the daemon's error (its code, message and detail with `problems`).
    case refused(ErrorCode, message: String, detail: JSONValue)
}

/// The daemon cannot be reached (not running, or not answering in time).
public struct DaemonUnreachable: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An ``OperatorScreenBackend`` made of closures, for a daemon that hosts the screen itself:
///
/// ```swift
/// OperatorScreenHooks(organisation: .init("VR09")!,
///     status: { try await onLoop { $0.statusJSON() } }, ...)
/// ```
public struct OperatorScreenHooks: OperatorScreenBackend {
    public let organisation: OrganisationCode
    let statusHook: @Sendable () async throws -> JSONValue
    let pictureHook: @Sendable () async throws -> JSONValue
    let publishHook: @Sendable ([UInt8], PersonCredential) async throws -> OperatorPublishResult
    let reportHook: @Sendable (ReportID) async throws -> JSONValue?

    public init(
        organisation: OrganisationCode, status: @escaping @Sendable () async throws -> JSONValue,
        picture: @escaping @Sendable () async throws -> JSONValue,
        publish: @escaping @Sendable ([UInt8], PersonCredential) async throws -> OperatorPublishResult,
        report: @escaping @Sendable (ReportID) async throws -> JSONValue?
    ) {
        self.organisation = organisation
        statusHook = status
        pictureHook = picture
        publishHook = publish
        reportHook = report
    }

    public func status() async throws -> JSONValue { try await statusHook() }
    public func picture() async throws -> JSONValue { try await pictureHook() }
    public func publish(
        _ document: [UInt8], as credential: PersonCredential
    ) async throws -> OperatorPublishResult {
        try await publishHook(document, credential)
    }
    public func reportState(_ id: ReportID) async throws -> JSONValue? { try await reportHook(id) }
}
