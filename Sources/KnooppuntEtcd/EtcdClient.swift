import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import SwiftProtobuf
import Synchronization

/// The node's client of etcd, over its v3 gRPC API (grpc-swift): only the calls the node
/// uses. It knows every member's client URL and keeps one HTTP/2 connection to each; it talks
/// to one member at a time, and when that member fails (refuses, times out, says it has no
/// leader) the call goes on at the next member until the operation's deadline, and later calls
/// start at the member that answered.
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
    /// The largest request sent: etcd refuses more than its `--max-request-bytes` (1.5 MiB by
    /// default) itself, with a message that names it.
    static let maximumRequestBytes = 8 * 1024 * 1024
    /// The pause after every member failed once, before the next round (no busy loop).
    static let roundPause: Duration = .milliseconds(100)
    /// How soon a connection to a member that went away is tried again, at first and at most:
    /// a member restarted by an operator or by chaos is back within a second, not after gRPC's
    /// default backoff of up to two minutes.
    static let reconnectBackoff = (initial: Duration.milliseconds(100), max: Duration.seconds(1))

    /// Every member's client URL, e.g. `https://knooppunt-a.lcms.example:2379` (or
    /// `http://127.0.0.1:2379` on loopback).
    public let endpoints: [String]
    public let attemptTimeout: Duration
    public let operationTimeout: Duration
    /// One gRPC client per member, in ``endpoints`` order; nil where its transport could not be
    /// made (the reason in ``setupError``), which every call to that member then reports.
    let members: [GRPCClient<HTTP2ClientTransport.Posix>?]
    let setupError: EtcdError?
    /// The index of the member calls start at: the last one that answered.
    private let current = Mutex(0)

    /// A client over plain HTTP/2, for members on loopback (tests, `bench --quorum`).
    public convenience init(
        endpoints: [String], attemptTimeout: Duration = defaultAttemptTimeout,
        operationTimeout: Duration = defaultOperationTimeout
    ) {
        self.init(
            endpoints: endpoints, security: .plaintext, attemptTimeout: attemptTimeout,
            operationTimeout: operationTimeout)
    }

    /// A client over TLS: `https://` member URLs whose certificates the deployment's CA signed,
    /// this replica's client certificate offered (``EtcdTLS``). Plain `http://` URLs are
    /// refused unless on loopback (``EtcdError/Code/insecure``).
    public convenience init(
        endpoints: [String], tls: EtcdTLS?, attemptTimeout: Duration = defaultAttemptTimeout,
        operationTimeout: Duration = defaultOperationTimeout
    ) throws {
        try EtcdTLS.check(endpoints: endpoints, tls: tls)
        try tls?.validate()
        self.init(
            endpoints: endpoints, security: tls?.transportSecurity ?? .plaintext,
            attemptTimeout: attemptTimeout, operationTimeout: operationTimeout)
    }

    /// A client every call of which fails with `reason`: for a node whose etcd settings were
    /// checked before it started but fail now (a key file removed since), so that it says why
    /// at every call instead of falling back to anything less safe.
    public init(endpoints: [String], failingWith reason: EtcdError) {
        precondition(!endpoints.isEmpty, "an etcd client needs at least one member")
        self.endpoints = endpoints.map(Self.trimmed)
        attemptTimeout = Self.defaultAttemptTimeout
        operationTimeout = Self.defaultOperationTimeout
        members = endpoints.map { _ in nil }
        setupError = reason
    }

    init(
        endpoints: [String], security: HTTP2ClientTransport.Posix.TransportSecurity,
        attemptTimeout: Duration, operationTimeout: Duration
    ) {
        precondition(!endpoints.isEmpty, "an etcd client needs at least one member")
        self.endpoints = endpoints.map(Self.trimmed)
        self.attemptTimeout = attemptTimeout
        self.operationTimeout = operationTimeout
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.backoff.initial = Self.reconnectBackoff.initial
        config.backoff.max = Self.reconnectBackoff.max
        var firstError: EtcdError?
        members = self.endpoints.map { endpoint in
            do {
                // The URL's scheme decides, as it did over HTTP: TLS material given for a
                // deployment leaves an `http://` member on loopback (``EtcdTLS/check``) plain.
                let plain = endpoint.lowercased().hasPrefix("http://")
                let transport = try HTTP2ClientTransport.Posix(
                    target: try Self.target(endpoint), transportSecurity: plain ? .plaintext : security,
                    config: config)
                let client = GRPCClient(transport: transport)
                // The client's connections live as long as the client; `deinit` closes them.
                Task { try? await client.runConnections() }
                return client
            } catch {
                let failure = error as? EtcdError ?? EtcdError(.unreachable, "\(endpoint): \(error)")
                firstError = firstError ?? failure
                return nil
            }
        }
        setupError = firstError
    }

    deinit {
        for member in members { member?.beginGracefulShutdown() }
    }

    /// A member URL without a trailing slash, as ``endpoints`` holds it.
    static func trimmed(_ endpoint: String) -> String {
        endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
    }

    /// One member's time and the whole call's, from a call's own limits (nil: the client's).
    func timeouts(within timeout: Duration?, perMember: Duration?) -> (attempt: Duration, call: Duration) {
        (perMember ?? attemptTimeout, timeout.map { Swift.min($0, operationTimeout) } ?? operationTimeout)
    }

    /// The host and port of a member URL, as gRPC resolves it.
    static func target(_ endpoint: String) throws -> any ResolvableTarget {
        guard let url = URL(string: endpoint), let host = url.host else {
            throw EtcdError(.insecure, "\(endpoint) is not a URL like https://host:2379")
        }
        let port = url.port ?? 2379
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare.contains(":") { return .ipv6(host: bare, port: port) }
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 { return .ipv4(host: bare, port: port) }
        return .dns(host: bare, port: port)
    }

    /// The member the next call starts at.
    public var currentEndpoint: String { endpoints[current.withLock { $0 }] }

    /// The options of one attempt: its deadline, and answers as large as a range of many entries.
    static func options(timeout: Duration) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        options.maxRequestMessageBytes = maximumRequestBytes
        options.maxResponseMessageBytes = maximumAnswerBytes
        return options
    }

    /// Calls `method` at one member after another until one answers or the deadline passes. A
    /// refusal that another member would give too (quota, compaction, a lease that is gone, a
    /// bad request) ends the call at once.
    func call<Request, Response>(
        _ method: EtcdWire.Method<Request, Response>, _ request: Request, within timeout: Duration? = nil,
        perMember: Duration? = nil
    ) async throws -> Response {
        let (attemptTimeout, limit) = timeouts(within: timeout, perMember: perMember)
        let name = method.descriptor.method
        return try await failingOver(name, within: limit) { index, remaining in
            try await self.attempt(method, request, at: index, timeout: Swift.min(attemptTimeout, remaining))
        }
    }

    /// Runs `body` at one member after another (starting at the current one) until it returns,
    /// a final refusal ends it, or `limit` passes.
    func failingOver<Result>(
        _ name: String, within limit: Duration,
        _ body: (_ member: Int, _ remaining: Duration) async throws -> Result
    ) async throws -> Result {
        let deadline = ContinuousClock.now + limit
        var last: EtcdError?
        var sawNoQuorum = false
        while true {
            for _ in endpoints.indices {
                let remaining = deadline - .now
                guard remaining > .zero else { break }
                let index = current.withLock { $0 }
                do {
                    return try await body(index, remaining)
                } catch let error as EtcdError {
                    if error.isFinal { throw error }
                    if error.code != .unreachable { sawNoQuorum = true }
                    last = error
                    moveOn(from: index)
                }
            }
            if ContinuousClock.now >= deadline {
                let why = last.map { "; last: \($0.message)" } ?? ""
                throw sawNoQuorum
                    ? EtcdError(.noQuorum, "no majority answered \(name) within \(limit)\(why)")
                    : EtcdError(.unreachable, "no etcd member could be reached for \(name)\(why)")
            }
            try await Task.sleep(for: Self.roundPause)
        }
    }

    /// One call to one member.
    func attempt<Request, Response>(
        _ method: EtcdWire.Method<Request, Response>, _ request: Request, at index: Int, timeout: Duration
    ) async throws -> Response {
        let client = try member(index)
        do {
            return try await client.unary(
                request: ClientRequest(message: request), descriptor: method.descriptor,
                serializer: ProtobufSerializer<Request>(), deserializer: ProtobufDeserializer<Response>(),
                options: Self.options(timeout: timeout)
            ) { response in try response.message }
        } catch {
            throw Self.failure(error, endpoint: endpoints[index])
        }
    }

    /// The gRPC client of member `index`, or the reason there is none.
    func member(_ index: Int) throws -> GRPCClient<HTTP2ClientTransport.Posix> {
        guard let client = members[index] else {
            throw setupError ?? EtcdError(.unreachable, "\(endpoints[index]) has no connection")
        }
        return client
    }

    /// What a failed call means. etcd's own refusals carry its error text (`etcdserver: …`),
    /// whose words decide the code (``EtcdError/fromServer(_:)``); a deadline is a member that
    /// did not answer (hung, paused, without a majority); anything else is a member that could
    /// not be reached.
    static func failure(_ error: any Error, endpoint: String) -> any Error {
        if error is CancellationError { return error }
        if let known = error as? EtcdError { return known }
        guard let rpc = error as? RPCError else { return EtcdError(.unreachable, "\(endpoint): \(error)") }
        if rpc.message.hasPrefix("etcdserver:") || rpc.message.hasPrefix("mvcc:") {
            let refusal = EtcdError.fromServer(rpc.message)
            // A refusal that names no known reason, from a member in trouble (starting,
            // stopping, overloaded): another member may answer.
            if refusal.code == .rejected, rpc.code == .unavailable || rpc.code == .internalError {
                return EtcdError(.noQuorum, refusal.message)
            }
            return refusal
        }
        switch rpc.code {
        case .cancelled where Task.isCancelled:
            return CancellationError()
        case .deadlineExceeded:
            return EtcdError(.noQuorum, "\(endpoint) did not answer in time")
        case .resourceExhausted:
            return EtcdError(.rejected, "\(endpoint): \(rpc.message)")
        default:
            return EtcdError(.unreachable, "\(endpoint): \(rpc.message)")
        }
    }

    /// Makes the member after `index` the one later calls start at (unless another call moved
    /// on already).
    func moveOn(from index: Int) {
        current.withLock { $0 = ($0 == index ? (index + 1) % endpoints.count : $0) }
    }
}
