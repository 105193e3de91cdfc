import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import ZeroMQ

/// A read-only subscriber of the picture, as an organisation may see it, held in memory:
/// what `knooppunt watch` and the national desk use. It connects to every national node,
/// follows the active one by its heartbeats (voting when none is active) and applies the
/// stream strictly in order through a ``Mirror``.
///
/// Use it from one thread: it owns its sockets. Call ``poll(timeout:)`` in a loop, or add
/// ``sockets`` to your own poller and call ``serve(_:)`` and ``tick()``.
public final class PictureFollower {
    public let view: View
    public private(set) var mirror: Mirror
    public private(set) var selection: NodeSelection
    /// The last heartbeat of the node we follow.
    public private(set) var heartbeat: Heartbeat?
    public private(set) var lastHeard: ContinuousClock.Instant?
    /// Picture changes since the last call to ``takeChanges()``.
    private var changed = false
    let role: DaemonRole
    let codec = MessageCodec()
    let links: [(role: PairRole, socket: ZMQSocket, monitor: ZMQSocket)]

    public init(
        context: ZMQContext, network: NetworkConfig, organisation: OrganisationCode,
        secrets: OrganisationSecrets,
        role: DaemonRole, silence: Duration = FailoverTiming.silence
    ) throws {
        view = .organisation(organisation)
        self.role = role
        mirror = Mirror(view: view, picture: Picture(views: [view]), verifyingKeys: network.verifyingKeys)
        selection = NodeSelection(
            roles: network.nodes.map(\.role), silence: silence, voteInterval: FailoverTiming.voteInterval)
        var links: [(PairRole, ZMQSocket, ZMQSocket)] = []
        for (nodeRole, address) in network.nodes {
            let socket = try ZMQSocket(context, .dealer, name: "\(role.rawValue).\(nodeRole.rawValue)")
            try socket.set([
                .linger(.zero), .immediate(true), .maxMessageSize(WireLimits.maxMessageBytes),
                .receiveHighWaterMark(100_000), .curvePublicKey(secrets.curve.publicKey),
                .curveSecretKey(secrets.curve.secretKey), .curveServerKey(network.nodeCurvePublicKey),
                .reconnectInterval(.milliseconds(100)), .reconnectIntervalMax(.seconds(1)),
            ])
            let monitor = try socket.monitor(context: context)
            try socket.connect(address.endpoint)
            links.append((nodeRole, socket, monitor))
        }
        self.links = links
    }

    /// Every socket to poll (data and monitors).
    public var sockets: [ZMQSocket] { links.flatMap { [$0.socket, $0.monitor] } }

    /// The mirror holds the node's picture up to the node's last sequence.
    public var isCaughtUp: Bool { mirror.nodeEpoch != nil && mirror.applied >= mirror.nodeLastSequence }

    /// Whether the followed node has been heard within `silence`.
    public func isNodeReachable(now: ContinuousClock.Instant = .now) -> Bool {
        selection.followed.map { selection.isAlive($0, now: now) } ?? false
    }

    public func close() {
        for link in links {
            link.socket.close()
            link.monitor.close()
        }
    }

    /// True once since the picture last changed.
    public func takeChanges() -> Bool {
        defer { changed = false }
        return changed
    }

    /// Waits up to `timeout` for traffic and handles it; returns whether the picture changed.
    @discardableResult
    public func poll(timeout: Duration) throws -> Bool {
        var poller = Poller()
        for socket in sockets { poller.add(.socket(socket)) }
        let ready = try poller.poll(timeout: timeout)
        for (index, socket) in sockets.enumerated() where ready[index].contains(.readable) { serve(socket) }
        tick()
        return takeChanges()
    }

    /// Handles what is ready on one of ``sockets``.
    public func serve(_ socket: ZMQSocket) {
        let now = ContinuousClock.now
        for link in links {
            if socket === link.monitor {
                while let event = try? MonitorEvent.receive(from: link.monitor) {
                    switch event.kind {
                    case .handshakeSucceeded:
                        selection.connected(link.role, now: now)
                        send(
                            .attach(applied: mirror.applied, epoch: mirror.picture.lastEpoch, role: role),
                            on: link.socket)
                    case .disconnected:
                        selection.disconnected(link.role)
                    default:
                        break
                    }
                }
                tick()
            } else if socket === link.socket {
                for _ in 0..<4_096 {
                    guard let message = try? link.socket.receive(dontWait: true, maxFrames: 2),
                        let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1),
                        let decoded = try? codec.decodeServer(parts)
                    else { break }
                    selection.heard(link.role, now: now)
                    receive(decoded, from: link.role, socket: link.socket, now: now)
                }
            }
        }
    }

    private func receive(
        _ message: ServerMessage, from node: PairRole, socket: ZMQSocket, now: ContinuousClock.Instant
    ) {
        switch message {
        case .heartbeat(let beat):
            selection.heard(node, beat: beat, now: now)
            if selection.followed == node {
                heartbeat = beat
                lastHeard = now
                apply(mirror.receive(message, now: now), socket: socket)
            }
        case .welcome:
            _ = selection.served(by: node)
            apply(mirror.receive(message, now: now), socket: socket)
        default:
            if selection.followed == node {
                let before = mirror.applied
                apply(mirror.receive(message, now: now), socket: socket)
                if mirror.applied != before { changed = true }
            }
        }
    }

    /// Follows the active node (or votes); call it regularly.
    public func tick() {
        for decision in selection.decide(now: .now) {
            switch decision {
            case .follow(let node), .vote(let node):
                if let link = links.first(where: { $0.role == node }) {
                    send(mirror.hello(role: role), on: link.socket)
                }
            }
        }
    }

    private func apply(_ actions: [MirrorAction], socket: ZMQSocket) {
        for action in actions {
            switch action {
            case .send(let reply): send(reply, on: socket)
            case .persist, .replace: changed = true
            case .warn: break
            }
        }
    }

    private func send(_ message: ClientMessage, on socket: ZMQSocket) {
        _ = try? socket.sendPacked(MessageCodec.encode(message), dontWait: true)
    }
}
