import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Logging
import ZeroMQ

/// Following the active national node, once for every party that does (a daemon, the
/// national desk, `watch` and the alert service): the links to every node, their monitor
/// events, ATTACH, heartbeats, the ``NodeSelection`` (which node to follow), WELCOME, the
/// ``Mirror`` and its catch-up and snapshot, and the status report to the nodes.
///
/// What only the owner can do (store updates, record the node's answers in its outbox, keep
/// audit checkpoints) reaches it through its ``NodeFollowerDelegate``, in the order the node
/// sent it. Use it from one thread: on a ``LoopContext`` (``register(on:)``) or from a plain
/// thread that polls ``sockets`` itself (``PictureFollower``).
public final class NodeFollower {
    public let links: [NodeLink]
    public private(set) var mirror: Mirror

    /// Drops the content of the mirror's entry at `key` (a signal at the end of its retention;
    /// the store deletes it first).
    public func withholdContent(of key: String) { mirror.withholdContent(of: key) }
    public private(set) var selection: NodeSelection
    /// Who we are to the node (HELLO, ATTACH).
    public let role: DaemonRole
    public weak var delegate: (any NodeFollowerDelegate)?
    let logger: Logger
    /// Names whose keys the node checks, for the message when it refuses our handshake.
    let keysHint: String
    let codec = MessageCodec()
    /// The mirror's sequence the nodes last heard from us in a STATUS.
    var statusSentFor: SequenceNumber = .max
    /// What our HELLO announces we read (docs/PROTOCOL.md §5.4, §5.5).
    static let accepts: StreamFeatures = [.batches, .sharedProofs]
    /// Nodes that refused a HELLO announcing it (a node from before batches, which reads HELLO
    /// as three parts only): they get the plain HELLO from then on.
    var plainHello: Set<PairRole> = []

    /// Why we started following a node.
    public enum FollowReason: String, Sendable {
        case activeHeartbeat = "its heartbeat says active"
        case answeredHello = "it answered our HELLO"
    }

    public init(
        links: [NodeLink], mirror: Mirror, selection: NodeSelection, role: DaemonRole, logger: Logger,
        keysHint: String
    ) {
        self.links = links
        self.mirror = mirror
        self.selection = selection
        self.role = role
        self.logger = logger
        self.keysHint = keysHint
    }

    /// The link to the node we follow as active: submits and the picture stream use it.
    public var target: NodeLink? { selection.followed.flatMap { role in links.first { $0.role == role } } }
    /// Whether the node we follow is connected.
    public var connected: Bool { selection.followed.map { selection.nodes[$0]?.connected ?? false } ?? false }
    /// The mirror holds the node's picture up to the node's last sequence.
    public var isCaughtUp: Bool { mirror.nodeEpoch != nil && mirror.applied >= mirror.nodeLastSequence }
    /// Every socket to poll (data and monitors), for a thread with its own poller.
    public var sockets: [ZMQSocket] { links.flatMap { [$0.socket, $0.monitor] } }

    /// Makes `loop` call the follower when a node or a monitor has something.
    public func register(on loop: LoopContext) {
        for link in links {
            loop.register(link.socket) { [unowned self] _, _ in self.serveNode(link) }
            loop.register(link.monitor) { [unowned self] _, _ in self.serveMonitor(link) }
        }
    }

    /// Handles what is ready on one of ``sockets`` (for a thread with its own poller).
    public func serve(_ socket: ZMQSocket) {
        for link in links {
            if socket === link.monitor {
                serveMonitor(link)
            } else if socket === link.socket {
                serveNode(link)
            }
        }
    }

    /// The network's keys changed: the mirror verifies with these from now on.
    public func update(signingKeys: [OrganisationCode: SigningKeySet], registry: OrganisationRegistry? = nil)
    {
        mirror.update(signingKeys: signingKeys, registry: registry)
    }

    // MARK: Sending

    public func send(_ message: ClientMessage, to link: NodeLink) {
        var message = message
        // Our HELLO says we read batched updates and entries, unless this node refused that.
        if case .hello(let applied, let epoch, let role, _) = message, !plainHello.contains(link.role) {
            message = .hello(applied: applied, epoch: epoch, role: role, accepts: Self.accepts)
        }
        do {
            _ = try link.socket.sendPacked(MessageCodec.encode(message), dontWait: true)
        } catch {
            logger.warning("send to a national node failed", metadata: ["error": "\(error)"])
        }
    }

    /// Sends to the node we follow (nothing while we follow none).
    public func sendToFollowed(_ message: ClientMessage) {
        guard let target else { return }
        send(message, to: target)
    }

    /// Whether the nodes have not heard what the mirror applied since the last ``sendStatus(_:)``.
    public var statusIsStale: Bool { mirror.applied != statusSentFor }

    /// Tells every connected node what we applied (our line on the liveness board, current on
    /// a replica the moment it takes over). Nothing while the followed node is not connected.
    public func sendStatus(outboxBacklog: Int, oldestQueuedMs: Int64, wall: Int64) {
        guard connected else { return }
        statusSentFor = mirror.applied
        let status = ClientMessage.status(
            DaemonStatus(
                applied: mirror.applied, epoch: mirror.picture.lastEpoch, viewHash: mirror.hash.hex,
                outboxBacklog: outboxBacklog, oldestQueuedMs: oldestQueuedMs, pid: getpid(), sentAt: wall))
        for link in links where selection.nodes[link.role]?.connected == true { send(status, to: link) }
    }

    // MARK: Following

    /// Call it regularly (every ~100 ms) and on news: follows the node whose heartbeats say it
    /// is active (the later epoch wins); while none can be heard, it waits for one.
    public func followActive() {
        guard let role = selection.decide(now: .now), let link = links.first(where: { $0.role == role })
        else { return }
        // The owner resets its outbox first: the HELLO and what it sends then go to `link`.
        delegate?.nodeFollower(self, startedFollowing: link, reason: .activeHeartbeat)
        send(mirror.hello(role: self.role), to: link)
        logger.notice(
            "following the national node",
            metadata: [
                "node": "\(link.role.rawValue)",
                "node.epoch": "\(selection.nodes[link.role]?.beat?.epoch ?? 0)",
                "reason": "\(FollowReason.activeHeartbeat.rawValue)",
            ])
        delegate?.nodeFollowerMaySubmit(self)
    }

    func serveMonitor(_ link: NodeLink) {
        while let event = try? MonitorEvent.receive(from: link.monitor) {
            switch event.kind {
            case .handshakeSucceeded:
                selection.connected(link.role, now: .now)
                logger.info(
                    "connected to a national node",
                    metadata: ["node": "\(link.role.rawValue)", "node.endpoint": "\(event.address)"])
                // Heartbeats tell us who is active; ATTACH asks for them without voting.
                send(.attach(applied: mirror.applied, epoch: mirror.picture.lastEpoch, role: role), to: link)
                followActive()
            case .disconnected:
                if selection.nodes[link.role]?.connected == true {
                    logger.warning(
                        "lost a national node",
                        metadata: ["node": "\(link.role.rawValue)", "node.endpoint": "\(event.address)"])
                }
                selection.disconnected(link.role)
                followActive()
            case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
                logger.error(
                    "a national node refused our handshake: check \(keysHint) in network.json",
                    metadata: ["event": "\(event)"])
            default:
                break
            }
        }
    }

    func serveNode(_ link: NodeLink) {
        let now = ContinuousClock.now
        let wall = Timestamp.nowMilliseconds()
        var actions: [MirrorAction] = []
        for _ in 0..<4_096 {
            guard let message = try? link.socket.receive(dontWait: true, maxFrames: 2) else { break }
            selection.heard(link.role, now: now)
            let decoded: [ServerMessage]
            do {
                guard let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) else {
                    throw Problem(.wrongFrameCount, field: "message", "not one packed KNP/1 frame")
                }
                // A batch is read as the UPDATEs or ENTRYs it carries, in order.
                decoded = try codec.decodeStream(parts)
            } catch {
                logger.warning("unreadable message from a national node", metadata: ["error": "\(error)"])
                continue
            }
            let followed = link === target
            if followed {
                link.lastHeard = wall
                delegate?.nodeFollower(self, heardFollowed: link, now: now, wall: wall)
            }
            for one in decoded { actions += receive(one, from: link, followed: followed, now: now) }
        }
        delegate?.nodeFollowerWillApply(self)
        perform(actions)
        delegate?.nodeFollowerDidServe(self)
    }

    /// One message from `link`; returns what the mirror asks for, to be done after the round.
    private func receive(
        _ message: ServerMessage, from link: NodeLink, followed: Bool, now: ContinuousClock.Instant
    ) -> [MirrorAction] {
        switch message {
        case .ack:
            // An ACK is a durable confirmation from whichever node gave it.
            delegate?.nodeFollower(self, answered: message, now: now)
        case .error(nil, .wrongFrameCount, _, let detail)
        where detail["field"] == "HELLO" && !plainHello.contains(link.role):
            // A node from before batches: it reads only the plain HELLO (§10), and gets it now.
            plainHello.insert(link.role)
            logger.notice(
                "the national node streams one update per message",
                metadata: ["node": "\(link.role.rawValue)"])
            send(mirror.hello(role: role), to: link)
        case .error(_, let code, _, _):
            if code != .notActive { delegate?.nodeFollower(self, answered: message, now: now) }
        case .heartbeat(let beat):
            selection.heard(link.role, beat: beat, now: now)
            delegate?.nodeFollower(self, heartbeat: beat, from: link, followed: followed)
            if followed {
                return mirror.receive(message, now: now)
            } else if beat.role == .active {
                followActive()
            }
        case .welcome(let epoch, let last, let nextOriginSeq, let starts):
            // WELCOME answers only HELLO: this node serves us.
            let serves = selection.served(by: link.role) != nil
            if serves {
                logger.notice(
                    "following the national node",
                    metadata: [
                        "node": "\(link.role.rawValue)", "reason": "\(FollowReason.answeredHello.rawValue)",
                    ])
            }
            delegate?.nodeFollower(
                self,
                welcomed: Welcome(
                    node: link, epoch: epoch, lastSequence: last, nextOriginSeq: nextOriginSeq,
                    epochStarts: starts, startsFollowing: serves),
                now: now)
            return mirror.receive(message, now: now)
        case .auditHead(let checkpoint):
            delegate?.nodeFollower(self, auditHead: checkpoint)
        case .update(let update) where followed:
            if update.sequence <= mirror.applied { delegate?.nodeFollower(self, alreadyApplied: update) }
            return mirror.receive(message, now: now)
        default:
            // The picture stream counts only from the node we follow.
            if followed { return mirror.receive(message, now: now) }
        }
        return []
    }

    /// Hands the mirror's updates to the owner in order (consecutive updates in one batch, so
    /// a store writes them in one transaction) and sends what it asks for to the followed node.
    private func perform(_ actions: [MirrorAction]) {
        var batch: [Update] = []
        func flush() {
            guard !batch.isEmpty else { return }
            delegate?.nodeFollower(self, apply: batch)
            batch.removeAll()
        }
        for action in actions {
            switch action {
            case .persist(let updates): batch += updates
            case .replace(let entries, let sequence, let epoch):
                flush()
                delegate?.nodeFollower(self, replaceWith: entries, sequence: sequence, epoch: epoch)
            case .send(let message):
                flush()
                sendToFollowed(message)
            case .warn(let text):
                logger.warning("\(text)")
            }
        }
        flush()
    }
}

extension NodeFollower {
    /// A node's WELCOME: the answer to our HELLO.
    public struct Welcome: Sendable {
        public let node: PairRole
        public let epoch: Epoch
        public let lastSequence: SequenceNumber
        /// The origin sequence the node expects next from us.
        public let nextOriginSeq: UInt64
        /// Where each epoch of the node's log starts (to cut back a history it discarded).
        public let epochStarts: [EpochStart]
        /// Whether we follow this node from now on (it was not the one we followed).
        public let startsFollowing: Bool

        init(
            node: NodeLink, epoch: Epoch, lastSequence: SequenceNumber, nextOriginSeq: UInt64,
            epochStarts: [EpochStart], startsFollowing: Bool
        ) {
            self.node = node.role
            self.epoch = epoch
            self.lastSequence = lastSequence
            self.nextOriginSeq = nextOriginSeq
            self.epochStarts = epochStarts
            self.startsFollowing = startsFollowing
        }
    }
}
