import Synchronization

/// Hands the desk's state from its loop thread to the HTTP side.
///
/// The loop publishes an immutable ``DeskState`` (the picture digest and its JSON, already
/// encoded once); requests read the latest under a lock, and every live browser connection
/// holds a stream that keeps only the newest state, so a slow browser skips versions instead
/// of piling them up.
public final class DeskFeed: Sendable {
    private struct Shared {
        var current: DeskState?
        var subscribers: [Int: AsyncStream<DeskState>.Continuation] = [:]
        var nextID = 0
        var finished = false
    }

    private let shared = Mutex(Shared())

    public init() {}

    /// The latest state, nil before the first one.
    public var current: DeskState? { shared.withLock { $0.current } }

    public var subscriberCount: Int { shared.withLock { $0.subscribers.count } }

    /// Makes `state` the current one and hands it to every live connection.
    public func publish(_ state: DeskState) {
        let subscribers = shared.withLock { shared -> [AsyncStream<DeskState>.Continuation] in
            shared.current = state
            return Array(shared.subscribers.values)
        }
        for subscriber in subscribers { subscriber.yield(state) }
    }

    /// A stream that starts with the current state (a reconnecting browser catches up at once)
    /// and then yields every newer one; nil when `limit` streams are open already.
    public func subscribe(limit: Int) -> (id: Int, stream: AsyncStream<DeskState>)? {
        let (stream, continuation) = AsyncStream.makeStream(
            of: DeskState.self, bufferingPolicy: .bufferingNewest(1))
        let registered = shared.withLock { shared -> (Int, DeskState?)? in
            guard !shared.finished, shared.subscribers.count < limit else { return nil }
            shared.nextID += 1
            shared.subscribers[shared.nextID] = continuation
            return (shared.nextID, shared.current)
        }
        guard let (id, current) = registered else {
            continuation.finish()
            return nil
        }
        if let current { continuation.yield(current) }
        return (id, stream)
    }

    public func unsubscribe(_ id: Int) {
        shared.withLock { $0.subscribers.removeValue(forKey: id) }?.finish()
    }

    /// Ends every stream (at shutdown), so live connections close.
    public func finish() {
        let subscribers = shared.withLock { shared in
            shared.finished = true
            defer { shared.subscribers.removeAll() }
            return Array(shared.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}

/// A continuation resumed exactly once: by the first `resume`, or with `fallback` when the
/// work that held it is dropped (a loop that stopped before running it), so an HTTP request
/// never waits forever on a loop that is gone.
final class OneShot<Value: Sendable>: Sendable {
    private let slot: Mutex<CheckedContinuation<Value, Never>?>
    private let fallback: Value

    init(_ continuation: CheckedContinuation<Value, Never>, fallback: Value) {
        slot = Mutex(continuation)
        self.fallback = fallback
    }

    func resume(_ value: Value) {
        slot.withLock { $0.take() }?.resume(returning: value)
    }

    deinit {
        slot.withLock { $0.take() }?.resume(returning: fallback)
    }
}
