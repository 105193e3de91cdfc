#if canImport(Glibc)
    import Glibc
#endif

/// A value that belongs to one loop thread but must be reachable from `@Sendable` closures
/// queued to that loop (`PollLoop.execute`). Set it on the loop thread during setup; read it
/// there only. Debug builds check the thread, like ``ZMQSocket`` does.
public final class LoopBound<Value>: @unchecked Sendable {
    private var stored: Value?
    private var owner: pthread_t?

    public init() {}

    /// Stores the value and makes the calling thread its owner.
    public func set(_ value: Value) {
        owner = pthread_self()
        stored = value
    }

    /// The value, read on its owner thread; nil before `set`.
    public var value: Value? {
        #if DEBUG
            if let owner {
                precondition(
                    pthread_equal(owner, pthread_self()) != 0, "LoopBound value read off its loop thread")
            }
        #endif
        return stored
    }
}
