import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Logging
import ZeroMQ

/// A read-only subscriber of the picture, as an organisation may see it, held in memory:
/// what `knooppunt watch` and the alert service use. It is a ``NodeFollower`` on a plain
/// thread that polls its sockets itself; it submits nothing and stores nothing.
///
/// Use it from one thread: it owns its sockets. Call ``poll(timeout:)`` in a loop, or add
/// ``sockets`` to your own poller and call ``serve(_:)`` and ``tick()``.
public final class PictureFollower {
    public let view: View
    let follower: NodeFollower
    /// The last heartbeat of the node we follow.
    public private(set) var heartbeat: Heartbeat?
    public private(set) var lastHeard: ContinuousClock.Instant?
    /// Picture changes since the last call to ``takeChanges()``.
    private var changed = false
    /// The context this follower made itself (``init(folder:network:organisation:role:)``),
    /// terminated by ``close()``.
    private var ownContext: ZMQContext?

    public init(
        context: ZMQContext, network: NetworkConfig, organisation: OrganisationCode,
        secrets: OrganisationSecrets,
        role: DaemonRole, silence: Duration = FailoverTiming.silence
    ) throws {
        view = .organisation(organisation)
        follower = NodeFollower(
            links: try NodeLink.connectReader(
                network, secrets: secrets, context: context, name: role.rawValue),
            mirror: Mirror(view: view, picture: Picture(views: [view]), verifyingKeys: network.verifyingKeys),
            selection: NodeSelection(
                roles: network.nodes.map(\.role), silence: silence),
            role: role,
            // A reader on the operator's terminal: what the daemon would log is noise here.
            logger: Logger(label: "knooppunt.follower", factory: { _ in SwiftLogNoOpLogHandler() }),
            keysHint: "\(organisation)'s keys")
        follower.delegate = self
    }

    /// A follower with a context of its own, as `organisation` with the keys in `folder`:
    /// what a tool that only reads the picture needs. ``close()`` ends the context too.
    public convenience init(
        folder: DataFolder, network: NetworkConfig, organisation: OrganisationCode, role: DaemonRole
    ) throws {
        let context = ZMQContext()
        do {
            try self.init(
                context: context, network: network, organisation: organisation,
                secrets: try OrganisationSecrets.load(from: folder.keyFile(organisation)), role: role)
        } catch {
            context.terminate()
            throw error
        }
        ownContext = context
    }

    public var mirror: Mirror { follower.mirror }

    /// The network changed (network.json reloaded): the mirror verifies with these keys, so a
    /// partner added while this follower runs has its reports applied, and judges sections
    /// classified for an audience against these organisations.
    public func update(signingKeys: [OrganisationCode: SigningKeySet], registry: OrganisationRegistry? = nil)
    {
        follower.update(signingKeys: signingKeys, registry: registry)
    }
    public var selection: NodeSelection { follower.selection }

    /// Every socket to poll (data and monitors).
    public var sockets: [ZMQSocket] { follower.sockets }

    /// The mirror holds the node's picture up to the node's last sequence.
    public var isCaughtUp: Bool { follower.isCaughtUp }

    /// Whether the followed node has been heard within `silence`.
    public func isNodeReachable(now: ContinuousClock.Instant = .now) -> Bool {
        selection.followed.map { selection.isAlive($0, now: now) } ?? false
    }

    public func close() {
        for link in follower.links {
            link.socket.close()
            link.monitor.close()
        }
        ownContext?.terminate()
        ownContext = nil
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
        let sockets = self.sockets
        for socket in sockets { poller.add(.socket(socket)) }
        let ready = try poller.poll(timeout: timeout)
        for (index, socket) in sockets.enumerated() where ready[index].contains(.readable) { serve(socket) }
        tick()
        return takeChanges()
    }

    /// Handles what is ready on one of ``sockets``.
    public func serve(_ socket: ZMQSocket) { follower.serve(socket) }

    /// Follows the active node; call it regularly.
    public func tick() { follower.followActive() }
}

extension PictureFollower: NodeFollowerDelegate {
    public func nodeFollower(
        _ follower: NodeFollower, heartbeat: Heartbeat, from link: NodeLink, followed: Bool
    ) {
        guard followed else { return }
        self.heartbeat = heartbeat
        lastHeard = .now
    }

    public func nodeFollower(_ follower: NodeFollower, apply updates: [Update]) { changed = true }

    public func nodeFollower(
        _ follower: NodeFollower, replaceWith entries: [PictureEntry], sequence: SequenceNumber, epoch: Epoch
    ) { changed = true }
}
