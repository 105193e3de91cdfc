import AsyncHTTPClient
import Foundation
import Synchronization

/// The node's client of etcd, over its JSON gateway (`/v3/...`) with AsyncHTTPClient: only the
/// calls the node uses. It knows every member's client URL and talks to one at a time; when a
/// member fails (refuses, times out, says it has no leader) the call goes on at the next
/// member until the operation's deadline, and later calls start at the member that answered.
public final class EtcdClient: Sendable {
    /// How long one member may take to answer before the call moves on to the next. Longer than
    /// a commit under load on a busy machine (milliseconds), shorter than etcd's own request
    /// timeout (5 s plus two election timeouts), so a member without a majority is left early.
    public static let defaultAttemptTimeout: Duration = .seconds(2)
    /// How long a whole call may take, over every member, before it fails with
    /// ``EtcdError/Code/noQuorum`` (or ``EtcdError/Code/unreachable`` when no member answered
    /// at all). Long enough for etcd to elect a new leader after one member dies.
    public static let defaultOperationTimeout: Duration = .seconds(6)
    /// The largest answer read into memory (etcd's own request limit is 1.5 MiB; a range of
    /// many log entries can be larger).
    public static let maximumAnswerBytes = 64 * 1024 * 1024
    /// The pause after every member failed once, before the next round (no busy loop).
    static let roundPause: Duration = .milliseconds(100)

    /// Every member's client URL, e.g. `https://knooppunt-a.lcms.example:2379` (or
    /// `http://127.0.0.1:2379` on loopback).
    public let endpoints: [String]
    public let attemptTimeout: Duration
    public let operationTimeout: Duration
    let http: HTTPClient
    /// The index of the member calls start at: the last one that answered.
    private let current = Mutex(0)

    public init(
        endpoints: [String], attemptTimeout: Duration = defaultAttemptTimeout,
        operationTimeout: Duration = defaultOperationTimeout, httpClient: HTTPClient = .shared
    ) {
        precondition(!endpoints.isEmpty, "an etcd client needs at least one member")
        self.endpoints = endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.attemptTimeout = attemptTimeout
        self.operationTimeout = operationTimeout
        self.http = httpClient
    }

    /// A client over TLS: `https://` member URLs whose certificates the deployment's CA signed,
    /// this replica's client certificate offered (``EtcdTLS``). Plain `http://` URLs are
    /// refused unless on loopback (``EtcdError/Code/insecure``).
    public convenience init(
        endpoints: [String], tls: EtcdTLS?, attemptTimeout: Duration = defaultAttemptTimeout,
        operationTimeout: Duration = defaultOperationTimeout
    ) throws {
        try EtcdTLS.check(endpoints: endpoints, tls: tls)
        self.init(
            endpoints: endpoints, attemptTimeout: attemptTimeout, operationTimeout: operationTimeout,
            httpClient: try tls?.httpClient() ?? .shared)
    }

    /// The member the next call starts at.
    public var currentEndpoint: String { endpoints[current.withLock { $0 }] }

    /// POSTs `body` to `path` at one member after another until one answers or the deadline
    /// passes. A refusal that another member would give too (quota, compaction, a lease that
    /// is gone, a bad request) ends the call at once.
    func call(
        _ path: String, _ body: EtcdWire.Body, within timeout: Duration? = nil, perMember: Duration? = nil
    ) async throws -> EtcdReply {
        try await call(path, encoded: EtcdWire.encode(body), within: timeout, perMember: perMember)
    }

    /// ``call(_:_:within:perMember:)`` with the body encoded already.
    func call(
        _ path: String, encoded bytes: [UInt8], within timeout: Duration? = nil, perMember: Duration? = nil
    ) async throws -> EtcdReply {
        let attemptTimeout = perMember ?? attemptTimeout
        let limit = timeout.map { Swift.min($0, operationTimeout) } ?? operationTimeout
        let deadline = ContinuousClock.now + limit
        var last: EtcdError?
        var sawNoQuorum = false
        while true {
            for _ in endpoints.indices {
                let remaining = deadline - .now
                guard remaining > .zero else { break }
                let index = current.withLock { $0 }
                do {
                    let reply = try await attempt(
                        endpoints[index], path, bytes, timeout: min(attemptTimeout, remaining))
                    return reply
                } catch let error as EtcdError {
                    if error.isFinal { throw error }
                    if error.code != .unreachable { sawNoQuorum = true }
                    last = error
                    current.withLock { $0 = ($0 == index ? (index + 1) % endpoints.count : $0) }
                }
            }
            if ContinuousClock.now >= deadline {
                let why = last.map { "; last: \($0.message)" } ?? ""
                throw sawNoQuorum
                    ? EtcdError(.noQuorum, "no majority answered \(path) within \(limit)\(why)")
                    : EtcdError(.unreachable, "no etcd member could be reached for \(path)\(why)")
            }
            try await Task.sleep(for: Self.roundPause)
        }
    }

    /// One POST to one member, its answer read whole.
    func attempt(
        _ endpoint: String, _ path: String, _ bytes: [UInt8], timeout: Duration
    ) async throws
        -> EtcdReply
    {
        let response = try await open(endpoint, path, bytes, timeout: timeout)
        let body: [UInt8]
        do {
            body = Array(try await response.body.collect(upTo: Self.maximumAnswerBytes).readableBytesView)
        } catch {
            throw Self.transportError(error, endpoint: endpoint)
        }
        if response.status.code != 200 {
            let text =
                (try? EtcdReply(json: body))?.errorText ?? String(decoding: body.prefix(300), as: UTF8.self)
            let error = EtcdError.fromServer(text, httpStatus: Int(response.status.code))
            // A 5xx that names no known refusal is this member's trouble (starting, stopping,
            // overloaded): another member may answer.
            if error.code == .rejected, response.status.code >= 500 {
                throw EtcdError(.noQuorum, error.message)
            }
            throw error
        }
        let reply = try EtcdReply(json: body)
        if let text = reply.errorText { throw EtcdError.fromServer(text) }
        return reply
    }

    /// Sends the request and waits for the answer's head (the body may still stream).
    func open(
        _ endpoint: String, _ path: String, _ bytes: [UInt8], timeout: Duration
    ) async throws
        -> HTTPClientResponse
    {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(bytes)
        let milliseconds = max(
            1, timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        do {
            return try await http.execute(request, timeout: .milliseconds(milliseconds))
        } catch {
            throw Self.transportError(error, endpoint: endpoint)
        }
    }

    /// A failure below HTTP: a deadline is a member that did not answer (hung, paused, without
    /// a majority), everything else a member that could not be reached.
    static func transportError(_ error: any Error, endpoint: String) -> any Error {
        if error is CancellationError { return error }
        if let http = error as? HTTPClientError, http == .deadlineExceeded || http == .readTimeout {
            return EtcdError(.noQuorum, "\(endpoint) did not answer in time")
        }
        return EtcdError(.unreachable, "\(endpoint): \(error)")
    }

    /// Makes `index` the member later calls start at (a watch that reconnected there).
    func moveOn(from index: Int) {
        current.withLock { $0 = ($0 == index ? (index + 1) % endpoints.count : $0) }
    }
}
