import CZeroMQ

/// The socket options Knooppunt sets. Each maps to one `zmq_setsockopt` call with the C type
/// libzmq expects (an `int` option must get an `Int32`: an 8-byte value gives `EINVAL`).
public enum SocketOption: Sendable {
    /// Messages queued per peer for sending before the socket blocks or drops (ZMQ_SNDHWM).
    case sendHighWaterMark(Int32)
    /// Messages queued per peer on receipt before libzmq stops reading (ZMQ_RCVHWM).
    case receiveHighWaterMark(Int32)
    /// How long `close` keeps unsent messages for a live peer (ZMQ_LINGER).
    case linger(Duration)
    /// Queue only on completed connections, never on pipes to dead or connecting peers.
    case immediate(Bool)
    /// ROUTER: a send to an unknown routing id fails with EHOSTUNREACH instead of vanishing.
    case routerMandatory(Bool)
    /// ZMTP heartbeats: PING interval, time to wait for the PONG, and the TTL we ask peers for.
    case heartbeatInterval(Duration)
    case heartbeatTimeout(Duration)
    case heartbeatTTL(Duration)
    /// Largest inbound message in bytes; a peer sending more is disconnected (ZMQ_MAXMSGSIZE).
    case maxMessageSize(Int64)
    case subscribe([UInt8])
    case unsubscribe([UInt8])
    /// XPUB: sent to each new subscriber right after it connects.
    case xpubWelcomeMessage([UInt8])
    /// XPUB: a full subscriber makes send fail with EAGAIN instead of dropping silently.
    case xpubNoDrop(Bool)
    /// The routing id this socket presents to a ROUTER peer.
    case routingId([UInt8])
    case sendTimeout(Duration)
    case receiveTimeout(Duration)
    case reconnectInterval(Duration)
    case reconnectIntervalMax(Duration)
    /// Maximum time for the ZMTP handshake (including CURVE and ZAP) before the connection drops.
    case handshakeInterval(Duration)
    /// CURVE server role: this socket holds the secret key and authenticates clients via ZAP.
    case curveServer(Bool)
    /// CURVE keys in Z85 (40 characters).
    case curvePublicKey(String)
    case curveSecretKey(String)
    /// CURVE client: the public key of the server it must talk to.
    case curveServerKey(String)
    /// The ZAP domain named in authentication requests from this socket.
    case zapDomain(String)
}

extension ZMQSocket {
    public func set(_ option: SocketOption) throws {
        switch option {
        case .sendHighWaterMark(let value): try setInt32(ZMQ_SNDHWM, value, "send HWM")
        case .receiveHighWaterMark(let value): try setInt32(ZMQ_RCVHWM, value, "receive HWM")
        case .linger(let value): try setInt32(ZMQ_LINGER, value.milliseconds32, "linger")
        case .immediate(let on): try setInt32(ZMQ_IMMEDIATE, on ? 1 : 0, "immediate")
        case .routerMandatory(let on): try setInt32(ZMQ_ROUTER_MANDATORY, on ? 1 : 0, "router mandatory")
        case .heartbeatInterval(let value):
            try setInt32(ZMQ_HEARTBEAT_IVL, value.milliseconds32, "heartbeat interval")
        case .heartbeatTimeout(let value):
            try setInt32(ZMQ_HEARTBEAT_TIMEOUT, value.milliseconds32, "heartbeat timeout")
        case .heartbeatTTL(let value): try setInt32(ZMQ_HEARTBEAT_TTL, value.milliseconds32, "heartbeat TTL")
        case .maxMessageSize(let value): try setInt64(ZMQ_MAXMSGSIZE, value, "max message size")
        case .subscribe(let prefix): try setBytes(ZMQ_SUBSCRIBE, prefix, "subscribe")
        case .unsubscribe(let prefix): try setBytes(ZMQ_UNSUBSCRIBE, prefix, "unsubscribe")
        case .xpubWelcomeMessage(let bytes): try setBytes(ZMQ_XPUB_WELCOME_MSG, bytes, "XPUB welcome message")
        case .xpubNoDrop(let on): try setInt32(ZMQ_XPUB_NODROP, on ? 1 : 0, "XPUB no-drop")
        case .routingId(let bytes): try setBytes(ZMQ_ROUTING_ID, bytes, "routing id")
        case .sendTimeout(let value): try setInt32(ZMQ_SNDTIMEO, value.milliseconds32, "send timeout")
        case .receiveTimeout(let value): try setInt32(ZMQ_RCVTIMEO, value.milliseconds32, "receive timeout")
        case .reconnectInterval(let value):
            try setInt32(ZMQ_RECONNECT_IVL, value.milliseconds32, "reconnect interval")
        case .reconnectIntervalMax(let value):
            try setInt32(ZMQ_RECONNECT_IVL_MAX, value.milliseconds32, "reconnect interval max")
        case .handshakeInterval(let value):
            try setInt32(ZMQ_HANDSHAKE_IVL, value.milliseconds32, "handshake interval")
        case .curveServer(let on): try setInt32(ZMQ_CURVE_SERVER, on ? 1 : 0, "CURVE server")
        case .curvePublicKey(let key): try setCurveKey(ZMQ_CURVE_PUBLICKEY, key, "CURVE public key")
        case .curveSecretKey(let key): try setCurveKey(ZMQ_CURVE_SECRETKEY, key, "CURVE secret key")
        case .curveServerKey(let key): try setCurveKey(ZMQ_CURVE_SERVERKEY, key, "CURVE server key")
        case .zapDomain(let domain): try setBytes(ZMQ_ZAP_DOMAIN, Array(domain.utf8), "ZAP domain")
        }
    }

    /// Sets several options in order.
    public func set(_ options: [SocketOption]) throws {
        for option in options { try set(option) }
    }

    // MARK: Reading options back (tests and diagnostics)

    public var sendHighWaterMark: Int32 { get throws { try int32Option(ZMQ_SNDHWM, "send HWM") } }
    public var receiveHighWaterMark: Int32 { get throws { try int32Option(ZMQ_RCVHWM, "receive HWM") } }
    public var lingerMilliseconds: Int32 { get throws { try int32Option(ZMQ_LINGER, "linger") } }
    public var maxMessageSize: Int64 {
        get throws {
            var value: Int64 = 0
            var size = MemoryLayout<Int64>.size
            if zmq_getsockopt(raw, ZMQ_MAXMSGSIZE, &value, &size) != 0 {
                throw ZMQError.last("\(name): get max message size")
            }
            return value
        }
    }

    // MARK: Raw helpers

    func setInt32(_ option: Int32, _ value: Int32, _ label: String) throws {
        checkOwner()
        var value = value
        if zmq_setsockopt(raw, option, &value, MemoryLayout<Int32>.size) != 0 {
            throw ZMQError.last("\(name): set \(label)")
        }
    }

    func setInt64(_ option: Int32, _ value: Int64, _ label: String) throws {
        checkOwner()
        var value = value
        if zmq_setsockopt(raw, option, &value, MemoryLayout<Int64>.size) != 0 {
            throw ZMQError.last("\(name): set \(label)")
        }
    }

    func setBytes(_ option: Int32, _ bytes: [UInt8], _ label: String) throws {
        checkOwner()
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(raw, option, $0.baseAddress, $0.count) }
        if rc != 0 { throw ZMQError.last("\(name): set \(label)") }
    }

    func setCurveKey(_ option: Int32, _ z85: String, _ label: String) throws {
        // libzmq takes a 40-character Z85 key as a C string (41 bytes with the terminator).
        guard z85.utf8.count == 40 else {
            throw ZMQError(operation: "\(name): set \(label): a Z85 key has 40 characters", errno: EINVAL)
        }
        checkOwner()
        let rc = z85.withCString { zmq_setsockopt(raw, option, $0, 41) }
        if rc != 0 { throw ZMQError.last("\(name): set \(label)") }
    }

    func int32Option(_ option: Int32, _ label: String) throws -> Int32 {
        checkOwner()
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        if zmq_getsockopt(raw, option, &value, &size) != 0 { throw ZMQError.last("\(name): get \(label)") }
        return value
    }

    func stringOption(_ option: Int32, _ label: String) throws -> String {
        checkOwner()
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        if zmq_getsockopt(raw, option, &buffer, &size) != 0 { throw ZMQError.last("\(name): get \(label)") }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

extension Duration {
    /// Whole milliseconds, clamped to Int32 (libzmq's unit for time options).
    var milliseconds32: Int32 {
        let (seconds, attoseconds) = components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }
}
