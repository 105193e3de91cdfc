import Logging
import Synchronization

/// One socket on its own poll-loop thread, for async Swift code: send by queueing, receive from
/// an `AsyncStream`. Suits tools and tests with one conversation (publish, watch); daemons with
/// several sockets run their own ``PollLoop``.
public final class SocketActor: Sendable {
    /// Received messages beyond this wait inside libzmq (its receive HWM), not in memory here.
    public static let defaultBufferLimit = 4_096
    /// Messages accepted by ``send(_:)`` but not yet taken by libzmq.
    public static let maxPendingSends = 4_096

    public let messages: AsyncStream<Message>
    private let continuation: AsyncStream<Message>.Continuation
    private let loop: PollLoop
    private let pendingCount = Atomic<Int>(0)
    private let state = LoopBound<ActorState>()

    /// Makes the socket on a new loop thread; `configure` sets options and binds or connects.
    public init(
        context: ZMQContext, type: SocketType, name: String, logger: Logger,
        bufferLimit: Int = SocketActor.defaultBufferLimit,
        configure: @escaping @Sendable (ZMQSocket) throws -> Void
    ) throws {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Message.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        self.messages = stream
        self.continuation = continuation
        self.loop = PollLoop(name: name, context: context, logger: logger)
        try loop.start { [continuation, state] loop in
            let socket = try loop.socket(type, name: name)
            try configure(socket)
            let actorState = ActorState(socket: socket, continuation: continuation)
            state.set(actorState)
            loop.register(socket) { _, events in actorState.handle(events, loop: loop) }
            loop.onStop { continuation.finish() }
        }
    }

    /// Queues a message for sending; false when the actor has stopped or too much is pending.
    @discardableResult
    public func send(_ frames: [[UInt8]]) -> Bool {
        guard pendingCount.add(1, ordering: .relaxed).newValue <= Self.maxPendingSends else {
            pendingCount.subtract(1, ordering: .relaxed)
            return false
        }
        let accepted = loop.execute { [self] loop in
            pendingCount.subtract(1, ordering: .relaxed)
            state.value?.enqueue(frames, loop: loop)
        }
        if !accepted { pendingCount.subtract(1, ordering: .relaxed) }
        return accepted
    }

    /// Runs `body` with the socket on its loop thread (to change options, subscribe, ...).
    public func withSocket(_ body: @escaping @Sendable (ZMQSocket) -> Void) {
        loop.execute { [state] _ in if let socket = state.value?.socket { body(socket) } }
    }

    /// Closes the socket (after its linger) and ends the thread and the message stream.
    public func stop(timeout: Duration = .seconds(10)) {
        loop.shutdown(timeout: timeout)
        continuation.finish()
    }
}

/// State that lives on the actor's loop thread only.
private final class ActorState {
    let socket: ZMQSocket
    let continuation: AsyncStream<Message>.Continuation
    var outbox: [[[UInt8]]] = []
    var held: Message?
    var retryArmed = false

    init(socket: ZMQSocket, continuation: AsyncStream<Message>.Continuation) {
        self.socket = socket
        self.continuation = continuation
    }

    func enqueue(_ frames: [[UInt8]], loop: LoopContext) {
        outbox.append(frames)
        flush(loop: loop)
    }

    func handle(_ events: PollEvents, loop: LoopContext) {
        if events.contains(.writable) { flush(loop: loop) }
        if events.contains(.readable) { receive(loop: loop) }
    }

    private func flush(loop: LoopContext) {
        while let frames = outbox.first {
            do {
                guard try socket.send(frames, dontWait: true) else { break }
            } catch {
                loop.logger.warning(
                    "send failed", metadata: ["socket": "\(socket.name)", "error": "\(error)"])
            }
            outbox.removeFirst()
        }
        updateInterest(loop: loop)
    }

    private func receive(loop: LoopContext) {
        // Bounded batch per wake-up so sends and timers get their turn.
        for _ in 0..<256 {
            if let message = held {
                guard offer(message) else { return armRetry(loop: loop) }
                held = nil
            }
            guard let message = try? socket.receive(dontWait: true) else { break }
            if !offer(message) {
                held = message
                return armRetry(loop: loop)
            }
        }
        updateInterest(loop: loop)
    }

    /// Hands a message to the stream; false when the consumer's buffer is full.
    private func offer(_ message: Message) -> Bool {
        switch continuation.yield(message) {
        case .enqueued, .terminated: return true
        case .dropped: return false
        @unknown default: return true
        }
    }

    private func armRetry(loop: LoopContext) {
        // Stop reading so libzmq's receive HWM pushes back on the sender; retry shortly.
        updateInterest(loop: loop)
        guard !retryArmed else { return }
        retryArmed = true
        loop.after(.milliseconds(5)) { [self] in
            retryArmed = false
            receive(loop: loop)
        }
    }

    private func updateInterest(loop: LoopContext) {
        var events: PollEvents = held == nil ? .readable : []
        if !outbox.isEmpty { events.insert(.writable) }
        loop.setInterest(socket, events)
    }
}
