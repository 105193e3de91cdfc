import CZeroMQ
import Synchronization

/// A libzmq context: the I/O threads and the `inproc://` namespace shared by its sockets.
///
/// A context is thread-safe; sockets made from it are not (see ``PollLoop``). Swift never
/// deinitialises globals at exit, so a context must be terminated explicitly in the shutdown
/// path: ``terminate()`` returns once every socket is closed and has used up its linger.
public final class ZMQContext: Sendable {
    // zmq_ctx_* calls are documented thread-safe; the handle itself never changes.
    nonisolated(unsafe) let handle: UnsafeMutableRawPointer
    private let state = Mutex<State>(.running)

    private enum State { case running, shutDown, terminated }

    /// - Parameter ioThreads: libzmq background I/O threads (1 is plenty below ~1 GB/s).
    public init(ioThreads: Int32 = 1) {
        guard let ctx = zmq_ctx_new() else {
            preconditionFailure("zmq_ctx_new failed: \(ZMQError.last("zmq_ctx_new"))")
        }
        handle = ctx
        zmq_ctx_set(ctx, ZMQ_IO_THREADS, ioThreads)
        // Without this, zmq_ctx_term waits forever for sockets whose linger was never set.
        zmq_ctx_set(ctx, ZMQ_BLOCKY, 0)
    }

    /// Makes every blocking call on this context's sockets return `ETERM`, so poll loops end.
    /// Safe to call from any thread, more than once.
    public func shutdown() {
        let first = state.withLock { state -> Bool in
            guard case .running = state else { return false }
            state = .shutDown
            return true
        }
        if first { zmq_ctx_shutdown(handle) }
    }

    /// Shuts down and waits until every socket is closed and its linger has passed.
    /// Call it once, after the threads that own sockets have closed them.
    public func terminate() {
        let first = state.withLock { state -> Bool in
            if case .terminated = state { return false }
            state = .terminated
            return true
        }
        guard first else { return }
        while zmq_ctx_term(handle) != 0 {
            guard zmq_errno() == EINTR else { break }
        }
    }

    /// The libzmq library version, e.g. (4, 3, 4).
    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// Whether this libzmq build has a capability such as "curve" or "ipc".
    public static func has(_ capability: String) -> Bool { zmq_has(capability) != 0 }
}
