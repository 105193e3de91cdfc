import CZeroMQ
import Synchronization

/// A socket event reported by libzmq's monitor (`zmq_socket_monitor`).
public struct MonitorEvent: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case connected, connectDelayed, connectRetried, listening, bindFailed
        case accepted, acceptFailed, closed, closeFailed, disconnected, monitorStopped
        case handshakeSucceeded
        /// The peer did not complete the ZMTP handshake (no detail available).
        case handshakeFailedNoDetail
        /// The peer spoke the protocol wrongly (value: ZMQ_PROTOCOL_ERROR_*).
        case handshakeFailedProtocol
        /// Authentication failed (value: the ZAP status code, e.g. 400).
        case handshakeFailedAuth
        case other(UInt16)

        init(_ code: UInt16) {
            switch Int32(code) {
            case ZMQ_EVENT_CONNECTED: self = .connected
            case ZMQ_EVENT_CONNECT_DELAYED: self = .connectDelayed
            case ZMQ_EVENT_CONNECT_RETRIED: self = .connectRetried
            case ZMQ_EVENT_LISTENING: self = .listening
            case ZMQ_EVENT_BIND_FAILED: self = .bindFailed
            case ZMQ_EVENT_ACCEPTED: self = .accepted
            case ZMQ_EVENT_ACCEPT_FAILED: self = .acceptFailed
            case ZMQ_EVENT_CLOSED: self = .closed
            case ZMQ_EVENT_CLOSE_FAILED: self = .closeFailed
            case ZMQ_EVENT_DISCONNECTED: self = .disconnected
            case ZMQ_EVENT_MONITOR_STOPPED: self = .monitorStopped
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: self = .handshakeSucceeded
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: self = .handshakeFailedNoDetail
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: self = .handshakeFailedProtocol
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: self = .handshakeFailedAuth
            default: self = .other(code)
            }
        }
    }

    public let kind: Kind
    /// Event detail: a file descriptor, an errno, a ZAP status or a protocol error code.
    public let value: UInt32
    /// The endpoint or peer address the event is about.
    public let address: String

    public var description: String { "\(kind) \(address) (\(value))" }

    /// Reads one event from a monitor socket made by ``ZMQSocket/monitor(name:)``; nil if none is ready.
    public static func receive(from monitor: ZMQSocket, dontWait: Bool = true) throws -> MonitorEvent? {
        guard let message = try monitor.receive(dontWait: dontWait, maxFrames: 2) else { return nil }
        return decode(message)
    }

    /// Decodes a message read from a monitor socket.
    public static func decode(_ message: Message) -> MonitorEvent {
        guard message.frames.count == 2, message.frames[0].count == 6 else {
            return MonitorEvent(kind: .other(0), value: 0, address: "")
        }
        let header = message.frames[0]
        // libzmq writes the 16-bit event and 32-bit value in the host's byte order.
        let code = header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt16.self) }
        let value = header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self) }
        return MonitorEvent(
            kind: Kind(code), value: value, address: String(decoding: message.frames[1], as: UTF8.self))
    }
}

private let monitorCounter = Atomic<Int>(0)

extension ZMQSocket {
    /// Starts libzmq's monitor for this socket and returns a PAIR socket, owned by the calling
    /// thread, on which the events arrive (read them with ``MonitorEvent/receive(from:dontWait:)``).
    public func monitor(context: ZMQContext, name: String? = nil) throws -> ZMQSocket {
        checkOwner()
        let serial = monitorCounter.add(1, ordering: .relaxed).newValue
        let endpoint = "inproc://monitor.\(self.name).\(serial)"
        if zmq_socket_monitor(raw, endpoint, ZMQ_EVENT_ALL) != 0 {
            throw ZMQError.last("\(self.name): start monitor")
        }
        let pair = try ZMQSocket(context: context, type: .pair, name: name ?? "\(self.name).monitor")
        try pair.set(.linger(.zero))
        try pair.connect(endpoint)
        return pair
    }

    /// Stops this socket's monitor (the PAIR socket then gets `.monitorStopped`).
    public func stopMonitor() {
        checkOwner()
        zmq_socket_monitor(raw, nil, 0)
    }
}
