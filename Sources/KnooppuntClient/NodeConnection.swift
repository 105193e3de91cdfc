import KnooppuntConfig
import KnooppuntProtocol
import ZeroMQ

extension NetworkConfig {
    /// A follower's connection to one national node (a daemon's or the desk's): a CURVE DEALER
    /// that queues nothing for a node it is not connected to, with ZMTP heartbeats and a
    /// monitor adopted by `loop` so connects and disconnects reach the node selection.
    public func connectFollower(
        to endpoint: String, secrets: OrganisationSecrets, loop: LoopContext, name: String
    ) throws -> (socket: ZMQSocket, monitor: ZMQSocket) {
        let socket = try loop.socket(.dealer, name: name)
        try socket.set([
            .linger(.seconds(1)), .maxMessageSize(WireLimits.maxMessageBytes), .immediate(true),
            .receiveHighWaterMark(50_000), .sendHighWaterMark(10_000),
            .heartbeatInterval(.seconds(1)), .heartbeatTimeout(.seconds(3)),
            .reconnectInterval(.milliseconds(100)), .reconnectIntervalMax(.seconds(1)),
            .curvePublicKey(secrets.curve.publicKey), .curveSecretKey(secrets.curve.secretKey),
            .curveServerKey(nodeCurvePublicKey),
        ])
        let monitor = try socket.monitor(context: loop.context)
        loop.adopt(monitor)
        try socket.connect(endpoint)
        return (socket, monitor)
    }
}
