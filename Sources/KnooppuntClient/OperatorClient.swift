import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON

/// A conversation with a daemon's operator socket in ``OperatorRequest``s and
/// ``OperatorResponse``s, from the caller's own thread (the CLI, a workflow, an exercise).
public final class OperatorClient {
    public let local: LocalClient

    public init(endpoint: String) throws { local = try LocalClient(endpoint: endpoint) }

    public var endpoint: String { local.endpoint }

    /// Sends a request; waits up to `connectTimeout` for the local connection to come up.
    public func send(_ request: OperatorRequest, connectTimeout: Duration = .seconds(3)) throws {
        try local.send(request.encode(), connectTimeout: connectTimeout)
    }

    /// The next response, or nil when none came within `timeout`. Answers this client cannot
    /// read are skipped.
    public func receive(timeout: Duration) throws -> OperatorResponse? {
        let deadline = ContinuousClock.now + timeout
        while let (command, frames) = try local.receive(timeout: ContinuousClock.now.duration(to: deadline)) {
            if let response = OperatorResponse.decode([protocolSignature, Array(command.utf8)] + frames) {
                return response
            }
        }
        return nil
    }

    /// Sends a request and waits for its answer.
    public func request(
        _ request: OperatorRequest, timeout: Duration = .seconds(5)
    ) throws -> OperatorResponse {
        let deadline = ContinuousClock.now + timeout
        try send(request, connectTimeout: timeout)
        guard let response = try receive(timeout: ContinuousClock.now.duration(to: deadline)) else {
            throw LocalClient.ConnectionRefused(endpoint: endpoint)
        }
        return response
    }

    /// Hands a document over: QUEUED or ERROR (the node's answer follows on ``receive(timeout:)``).
    public func publish(
        _ document: [UInt8], options: PublishOptions, timeout: Duration = .seconds(10)
    ) throws -> OperatorResponse {
        try request(.publish(document: document, options: options), timeout: timeout)
    }

    /// The daemon's status (JSON).
    public func status(timeout: Duration = .seconds(5)) throws -> JSONValue {
        guard case .status(let json) = try request(.status, timeout: timeout) else {
            throw LocalClient.ConnectionRefused(endpoint: endpoint)
        }
        return json
    }

    /// The mirror's entries in the organisation's view (JSON).
    public func picture(timeout: Duration = .seconds(5)) throws -> JSONValue {
        guard case .picture(let json) = try request(.picture, timeout: timeout) else {
            throw LocalClient.ConnectionRefused(endpoint: endpoint)
        }
        return json
    }

    /// Opens a signal's content as the person `credential` names: `.signal(JSON)` (the content
    /// and the read record the daemon stored first) or `.error` (docs/PROTOCOL.md §11).
    public func openSignal(
        _ id: ReportID, as credential: PersonCredential, timeout: Duration = .seconds(10)
    ) throws -> OperatorResponse {
        try request(.signalOpen(id, options: PublishOptions(credential: credential)), timeout: timeout)
    }

    /// Where a report stands (JSON), or nil when the daemon refused the question.
    public func reportState(_ id: ReportID, timeout: Duration = .seconds(5)) throws -> JSONValue? {
        guard case .reportState(let json) = try request(.report(id), timeout: timeout) else { return nil }
        return json
    }
}
