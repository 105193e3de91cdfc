import KnooppuntDomain
import KnooppuntProtocol
import Logging
import Synchronization
import ZeroMQ

/// A daemon's operator socket for async code (an operator screen): typed requests and
/// answers (``OperatorRequest``, ``OperatorResponse``) over one DEALER on its own poll-loop
/// thread, so nothing blocks the Swift concurrency pool.
///
/// Requests go one at a time (the daemon answers a PUBLISH after the other requests of its
/// round, so answers are matched by being the only one outstanding, and by their kind). The
/// unsolicited ACCEPTED/REJECTED that follow a PUBLISH are ignored unless asked for: ask
/// REPORT for a report's state instead, which also survives a daemon restart.
public final class AsyncOperatorClient: Sendable {
    /// An unanswered request fails after this long, and the socket starts afresh.
    public static let timeout: Duration = .seconds(5)
    /// Requests waiting to go; beyond this a request fails at once.
    public static let maxQueued = 256

    let context = ZMQContext()
    let loop: PollLoop
    private let state = LoopBound<OperatorConversation>()

    /// Connects to `endpoint` on a loop thread called `name`.
    public init(name: String, endpoint: String, logger: Logger) throws {
        loop = PollLoop(name: name, context: context, logger: logger)
        let state = self.state
        try loop.start { loop in state.set(try OperatorConversation(loop: loop, endpoint: endpoint)) }
    }

    public func stop() {
        loop.shutdown()
        context.terminate()
    }

    /// Sends `request` and returns the first answer whose kind (``OperatorResponse/command``)
    /// is in `expect`.
    public func request(_ request: OperatorRequest, expect: Set<String>) async throws -> OperatorResponse {
        let outcome = await withCheckedContinuation { continuation in
            let pending = PendingOperatorRequest(
                request: request, expect: expect, continuation: continuation,
                fallback: .failure(OperatorUnreachable("the client is stopping")))
            loop.execute { [state] _ in state.value?.enqueue(pending) }
        }
        return try outcome.get()
    }
}

/// No answer from the daemon (not running, not answering in time, or the client stopping).
public struct OperatorUnreachable: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

typealias OperatorOutcome = Result<OperatorResponse, OperatorUnreachable>

/// One request and its continuation, resumed exactly once (with `fallback` if it is dropped
/// unanswered, e.g. by a loop that stopped).
final class PendingOperatorRequest: Sendable {
    let request: OperatorRequest
    /// The kinds of response that answer it (ACCEPTED and REJECTED after a PUBLISH do not).
    let expect: Set<String>
    private let slot: Mutex<CheckedContinuation<OperatorOutcome, Never>?>
    private let fallback: OperatorOutcome

    init(
        request: OperatorRequest, expect: Set<String>,
        continuation: CheckedContinuation<OperatorOutcome, Never>, fallback: OperatorOutcome
    ) {
        self.request = request
        self.expect = expect
        slot = Mutex(continuation)
        self.fallback = fallback
    }

    func resume(_ outcome: OperatorOutcome) { slot.withLock { $0.take() }?.resume(returning: outcome) }

    deinit { slot.withLock { $0.take() }?.resume(returning: fallback) }
}

/// The conversation with the daemon, on the loop thread.
final class OperatorConversation {
    unowned let loop: LoopContext
    let endpoint: String
    var socket: ZMQSocket
    var queue: [PendingOperatorRequest] = []
    var inFlight: PendingOperatorRequest?
    var deadline: LoopContext.TimerID?

    init(loop: LoopContext, endpoint: String) throws {
        self.loop = loop
        self.endpoint = endpoint
        socket = try Self.connect(loop: loop, endpoint: endpoint)
        register()
    }

    static func connect(loop: LoopContext, endpoint: String) throws -> ZMQSocket {
        let socket = try loop.socket(.dealer, name: "\(loop.name).operator")
        try socket.set([
            .linger(.zero), .immediate(true), .maxMessageSize(64 << 20),
            .reconnectInterval(.milliseconds(100)), .reconnectIntervalMax(.seconds(1)),
        ])
        try socket.connect(endpoint)
        return socket
    }

    private func register() {
        loop.register(socket) { [unowned self] _, _ in self.receive() }
    }

    func enqueue(_ request: PendingOperatorRequest) {
        guard queue.count < AsyncOperatorClient.maxQueued else {
            request.resume(.failure(OperatorUnreachable("too many requests waiting")))
            return
        }
        queue.append(request)
        sendNext(attempt: 0)
    }

    /// Sends the next request; IMMEDIATE refuses while the daemon is not connected, so try a
    /// few times (the socket may still be connecting) before failing it.
    private func sendNext(attempt: Int) {
        guard inFlight == nil, let next = queue.first else { return }
        let sent = (try? socket.sendPacked(next.request.encode(), dontWait: true)) == true
        if !sent {
            guard attempt < 20 else {
                queue.removeFirst()
                next.resume(.failure(OperatorUnreachable("no daemon listens on \(endpoint)")))
                return sendNext(attempt: 0)
            }
            loop.after(.milliseconds(50)) { [weak self] in self?.sendNext(attempt: attempt + 1) }
            return
        }
        queue.removeFirst()
        inFlight = next
        deadline = loop.after(AsyncOperatorClient.timeout) { [weak self] in self?.expire() }
    }

    private func receive() {
        for _ in 0..<64 {
            guard let message = try? socket.receive(dontWait: true, maxFrames: 2) else { return }
            guard let parts = message.unpacked(routed: false, maxParts: 16),
                let response = OperatorResponse.decode(parts), let pending = inFlight,
                pending.expect.contains(response.command)
            else { continue }
            inFlight = nil
            if let deadline { loop.cancel(deadline) }
            pending.resume(.success(response))
            sendNext(attempt: 0)
        }
    }

    /// No answer in time: fail the request and start with a fresh socket, so a late answer
    /// can never be taken for the answer to the next request.
    private func expire() {
        guard let pending = inFlight else { return }
        inFlight = nil
        pending.resume(.failure(OperatorUnreachable("no answer within \(AsyncOperatorClient.timeout)")))
        loop.unregister(socket)
        socket.close()
        if let fresh = try? Self.connect(loop: loop, endpoint: endpoint) {
            socket = fresh
            register()
        }
        sendNext(attempt: 0)
    }
}
