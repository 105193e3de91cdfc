import KnooppuntConfig
import KnooppuntProtocol
import ZeroMQ

/// The connection to one national node: a DEALER and the monitor that reports its connects
/// and disconnects. A follower holds one per node (three for the replicas on etcd).
public final class NodeLink {
    public let role: PairRole
    public let endpoint: String
    public let socket: ZMQSocket
    public let monitor: ZMQSocket
    /// The last message from this node while we followed it (ms since 1970).
    public var lastHeard: Int64?

    public init(role: PairRole, endpoint: String, socket: ZMQSocket, monitor: ZMQSocket) {
        self.role = role
        self.endpoint = endpoint
        self.socket = socket
        self.monitor = monitor
    }

    /// A link owned by `loop` (a daemon's or the desk's): see ``NetworkConfig/connectFollower``.
    public static func connect(
        _ network: NetworkConfig, secrets: OrganisationSecrets, loop: LoopContext, name: String
    ) throws -> [NodeLink] {
        try network.nodes.map { role, address in
            let (socket, monitor) = try network.connectFollower(
                to: address.endpoint, secrets: secrets, loop: loop, name: "\(name).\(role.rawValue)")
            return NodeLink(role: role, endpoint: address.endpoint, socket: socket, monitor: monitor)
        }
    }

    /// A link for a plain thread with its own poller (`watch`, the alert service): nothing is
    /// kept at close (LINGER 0), and a large receive queue absorbs a catch-up burst.
    public static func connectReader(
        _ network: NetworkConfig, secrets: OrganisationSecrets, context: ZMQContext, name: String
    ) throws -> [NodeLink] {
        try network.nodes.map { role, address in
            let socket = try ZMQSocket(context, .dealer, name: "\(name).\(role.rawValue)")
            try socket.set([
                .linger(.zero), .immediate(true), .maxMessageSize(WireLimits.maxMessageBytes),
                .receiveHighWaterMark(100_000), .curvePublicKey(secrets.curve.publicKey),
                .curveSecretKey(secrets.curve.secretKey), .curveServerKey(network.nodeCurvePublicKey),
                .reconnectInterval(.milliseconds(100)), .reconnectIntervalMax(.seconds(1)),
            ])
            let monitor = try socket.monitor(context: context)
            try socket.connect(address.endpoint)
            return NodeLink(role: role, endpoint: address.endpoint, socket: socket, monitor: monitor)
        }
    }
}
