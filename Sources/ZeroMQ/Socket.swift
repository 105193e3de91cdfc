import CZeroMQ
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One libzmq socket, owned by the thread that created it.
///
/// libzmq sockets are not thread-safe. A socket is made and used on one thread (normally a
/// ``PollLoop``'s); in debug builds a call from any other thread fails a precondition, so a
/// threading mistake shows up in the first test run rather than as rare memory corruption.
public final class ZMQSocket {
    public let type: SocketType
    /// A short name for logs and errors ("node.submit", "VR09.uplink").
    public let name: String
    private var handle: UnsafeMutableRawPointer?
    private var owner: pthread_t
    // A zmq_msg_t must keep one address while initialised; one reused buffer per socket.
    private let frame = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)

    init(context: ZMQContext, type: SocketType, name: String) throws {
        guard let socket = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("create \(type) socket \(name)")
        }
        self.type = type
        self.name = name
        self.handle = socket
        self.owner = pthread_self()
    }

    /// Makes a socket owned by the calling thread.
    public convenience init(_ context: ZMQContext, _ type: SocketType, name: String) throws {
        try self.init(context: context, type: type, name: name)
    }

    deinit {
        // Nobody else holds the socket any more, so closing from this thread is safe.
        if let handle { zmq_close(handle) }
        frame.deallocate()
    }

    /// Hands the socket to the calling thread (used once, when a loop adopts a socket made elsewhere).
    public func adoptOwnership() { owner = pthread_self() }

    @inline(__always) func checkOwner(_ function: StaticString = #function) {
        #if DEBUG
            precondition(
                pthread_equal(owner, pthread_self()) != 0,
                "ZeroMQ socket \(name) used from a thread that does not own it (\(function))")
        #endif
    }

    var raw: UnsafeMutableRawPointer {
        guard let handle else { preconditionFailure("ZeroMQ socket \(name) used after close") }
        return handle
    }

    public var isClosed: Bool { handle == nil }

    /// Closes the socket. Messages still queued are sent during the linger period set on it.
    public func close() {
        checkOwner()
        if let handle {
            zmq_close(handle)
            self.handle = nil
        }
    }

    public func bind(_ endpoint: String) throws {
        checkOwner()
        if zmq_bind(raw, endpoint) != 0 { throw ZMQError.last("\(name): bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws {
        checkOwner()
        if zmq_connect(raw, endpoint) != 0 { throw ZMQError.last("\(name): connect \(endpoint)") }
    }

    public func disconnect(_ endpoint: String) throws {
        checkOwner()
        if zmq_disconnect(raw, endpoint) != 0 { throw ZMQError.last("\(name): disconnect \(endpoint)") }
    }

    public func unbind(_ endpoint: String) throws {
        checkOwner()
        if zmq_unbind(raw, endpoint) != 0 { throw ZMQError.last("\(name): unbind \(endpoint)") }
    }

    /// The endpoint last bound, with the port the system chose for `tcp://host:*`.
    public var lastEndpoint: String {
        get throws { try stringOption(ZMQ_LAST_ENDPOINT, "last endpoint") }
    }

    // MARK: Sending

    /// Sends a multipart message. Returns false when it would block (`dontWait`, or send timeout).
    /// Throws on failure, e.g. `EHOSTUNREACH` from a ROUTER_MANDATORY send to an unknown peer.
    @discardableResult
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws -> Bool {
        checkOwner()
        precondition(!frames.isEmpty, "a ZeroMQ message has at least one frame")
        let last = frames.count - 1
        for (index, bytes) in frames.enumerated() {
            var flags: Int32 = index < last ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            while true {
                let rc = bytes.withUnsafeBytes { buffer in
                    zmq_send(raw, buffer.baseAddress, buffer.count, flags)
                }
                if rc >= 0 { break }
                let error = ZMQError.last("\(name): send")
                if error.isInterrupted { continue }
                // libzmq multipart is atomic: only the first frame can be refused for lack of room.
                if error.isWouldBlock && index == 0 { return false }
                throw error
            }
        }
        return true
    }

    /// Sends one frame.
    @discardableResult
    public func send(_ frame: [UInt8], dontWait: Bool = false) throws -> Bool {
        try send([frame], dontWait: dontWait)
    }

    // MARK: Receiving

    /// Receives one multipart message; nil when nothing is ready (`dontWait`, or receive timeout).
    ///
    /// - Parameter maxFrames: frames beyond this are read and discarded and the result is marked
    ///   ``Message/truncated``, so a hostile peer cannot make us hold an unbounded message.
    public func receive(dontWait: Bool = false, maxFrames: Int = 64) throws -> Message? {
        checkOwner()
        var frames: [[UInt8]] = []
        var userId: String?
        var peerAddress: String?
        var truncated = false
        while true {
            zmq_msg_init(frame)
            defer { zmq_msg_close(frame) }
            let flags: Int32 = (dontWait && frames.isEmpty && !truncated) ? ZMQ_DONTWAIT : 0
            var rc: Int32
            repeat {
                rc = zmq_msg_recv(frame, raw, flags)
            } while rc < 0 && zmq_errno() == EINTR
            if rc < 0 {
                let error = ZMQError.last("\(name): receive")
                if error.isWouldBlock && frames.isEmpty && !truncated { return nil }
                throw error
            }
            let size = zmq_msg_size(frame)
            if frames.count < maxFrames {
                let data = zmq_msg_data(frame)!
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                truncated = true
            }
            // Properties live on body frames (not on a ROUTER's routing-id frame): keep the last seen.
            if let value = zmq_msg_gets(frame, "User-Id") { userId = String(cString: value) }
            if let value = zmq_msg_gets(frame, "Peer-Address") { peerAddress = String(cString: value) }
            if zmq_msg_more(frame) == 0 { break }
        }
        return Message(frames: frames, userId: userId, peerAddress: peerAddress, truncated: truncated)
    }

    /// True when a received multipart message has more frames to read (for raw frame loops).
    public var hasMoreFrames: Bool {
        get throws { try int32Option(ZMQ_RCVMORE, "rcvmore") != 0 }
    }

    /// POLLIN/POLLOUT readiness without blocking (ZMQ_EVENTS).
    public var events: (readable: Bool, writable: Bool) {
        get throws {
            let value = try int32Option(ZMQ_EVENTS, "events")
            return ((value & Int32(ZMQ_POLLIN)) != 0, (value & Int32(ZMQ_POLLOUT)) != 0)
        }
    }
}
