import CZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// What to wait for on a socket or file descriptor.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// `zmq_poll` over sockets owned by the calling thread (and plain file descriptors).
public struct Poller {
    public enum Target {
        case socket(ZMQSocket)
        case fileDescriptor(Int32)
    }

    private var targets: [Target] = []
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Adds a target and returns its index in the result of ``poll(timeout:)``.
    @discardableResult
    public mutating func add(_ target: Target, events: PollEvents = .readable) -> Int {
        targets.append(target)
        switch target {
        case .socket(let socket):
            socket.checkOwner()
            items.append(zmq_pollitem_t(socket: socket.raw, fd: -1, events: events.rawValue, revents: 0))
        case .fileDescriptor(let fd):
            items.append(zmq_pollitem_t(socket: nil, fd: fd, events: events.rawValue, revents: 0))
        }
        return targets.count - 1
    }

    public mutating func setEvents(_ events: PollEvents, at index: Int) {
        items[index].events = events.rawValue
    }

    /// Waits until a target is ready or the timeout passes (nil waits without limit).
    /// Returns the ready events per target, in the order added; all empty on timeout.
    /// A signal (EINTR) returns all empty too: the caller's loop just goes round again.
    public mutating func poll(timeout: Duration?) throws -> [PollEvents] {
        let timeoutMs: Int = timeout.map { Int($0.milliseconds32) } ?? -1
        let count = Int32(items.count)
        let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, count, timeoutMs) }
        if rc < 0 {
            let error = ZMQError.last("poll")
            if error.isInterrupted { return Array(repeating: [], count: items.count) }
            throw error
        }
        return items.map { PollEvents(rawValue: $0.revents) }
    }
}
