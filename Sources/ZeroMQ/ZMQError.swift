import CZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// A failed libzmq call: the operation, the `errno` libzmq reported and its message text.
public struct ZMQError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What we were doing, e.g. "bind tcp://127.0.0.1:5555".
    public let operation: String
    /// The `errno` value from `zmq_errno()`, read right after the failing call.
    public let errno: Int32
    /// libzmq's own text for `errno` (`zmq_strerror`).
    public let message: String

    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
        self.message = String(cString: zmq_strerror(errno))
    }

    /// Reads `zmq_errno()` now; call it immediately after the failing libzmq call.
    static func last(_ operation: @autoclosure () -> String) -> ZMQError {
        let code = zmq_errno()
        return ZMQError(operation: operation(), errno: code)
    }

    public var description: String { "\(operation): \(message) (errno \(errno))" }

    /// The context is terminating: loops end quietly on this.
    public var isTerminated: Bool { errno == ETERM }
    /// Nothing ready (non-blocking call or timeout): not a failure.
    public var isWouldBlock: Bool { errno == EAGAIN }
    /// A signal interrupted the call: retry it.
    public var isInterrupted: Bool { errno == EINTR }
    /// ROUTER_MANDATORY: the routing id names no connected peer.
    public var isHostUnreachable: Bool { errno == EHOSTUNREACH }
}
