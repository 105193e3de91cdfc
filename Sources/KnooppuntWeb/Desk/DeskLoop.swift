import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Logging
import StrictJSON
import ZeroMQ

/// The desk's state on its loop thread: the mirror of the national view, the officers'
/// outbox, what is known of the node, and the entries the screens read.
final class DeskLoop {
    let options: DeskOptions
    let logger: Logger
    let feed: DeskFeed
    let journal: any DeskJournal
    let secrets: OrganisationSecrets
    /// The officers' durable outbox: seal, store, queue, send, record the node's answers.
    let submits: SubmitPipeline
    /// The links to every national node (the desk follows the active), the selection and the mirror.
    let follower: NodeFollower
    /// Each node's owner-only control socket (the liveness board), when on this host.
    var controls: [PairRole: ZMQSocket] = [:]
    let documentCodec = DocumentCodec()
    unowned let loop: LoopContext

    var status: LinkStatus
    /// The last message from the node we follow.
    var nodeLastHeard: ContinuousClock.Instant?
    var behindSince: ContinuousClock.Instant?
    var everCaughtUp = false
    /// The picture as the screens read it, by key (kept in step with the mirror).
    var entries: [String: DigestEntry] = [:]
    /// Earlier incident, GRIP and sitrep reports by sequence, for the timelines (bounded).
    var history: [SequenceNumber: DigestEntry] = [:]
    var historyRequested = false
    /// Earlier sitreps with crisis communication, for the public CAP feed.
    var capAdvice = CAPAdviceMemory()
    /// The node's liveness board and when it arrived.
    var board: NodeStatus?
    var boardAt: ContinuousClock.Instant?
    var controlAskedAt: ContinuousClock.Instant?
    var dirty = true
    var version: UInt64 = 0
    let metrics = DeskMetrics()
    /// Write requests waiting for the node's answer, by report id.
    var waiters = OutcomeWaiters<OneShot<JSONValue?>>()
    /// network.json watched (see DeskLoop+Network.swift).
    var networkWatch: NetworkFileWatch

    init(options: DeskOptions, loop: LoopContext, feed: DeskFeed) throws {
        self.options = options
        logger = options.logger
        self.feed = feed
        self.loop = loop
        status = LinkStatus(since: Self.wallClock())
        networkWatch = NetworkFileWatch(options.folder)
        secrets = try OrganisationSecrets.load(from: options.folder.keyFile(.national))
        journal = try options.journal()
        let logger = options.logger
        submits = try SubmitPipeline(
            storage: journal, origin: .national, signingKey: secrets.signing, limits: options.outbox,
            duplicateWindow: options.duplicateWindow, readsExpectedSequence: false, logger: logger,
            // Without the record a report goes again after a restart and is answered as a
            // duplicate: nothing is lost, so the desk keeps serving the picture.
            storageFailed: { error, what in logger.error("\(what)", metadata: ["error": "\(error)"]) })
        let view = View.organisation(.national)
        follower = NodeFollower(
            links: try NodeLink.connect(options.network, secrets: secrets, loop: loop, name: "desk"),
            mirror: Mirror(
                view: view, picture: Picture(views: [view]), verifyingKeys: options.network.verifyingKeys,
                limits: options.mirror),
            selection: NodeSelection(
                roles: options.network.nodes.map(\.role), silence: options.selectionSilence),
            role: .desk, logger: options.logger, keysHint: "the NATIONAL keys")
        for (role, _) in options.network.nodes {
            // The node's owner-only control socket: the liveness board, when the desk shares
            // the node's host and data folder.
            let control = try loop.socket(.dealer, name: "desk.control.\(role.rawValue)")
            try control.set([.linger(.zero), .immediate(true), .maxMessageSize(16 << 20)])
            try control.connect(options.folder.controlEndpoint(of: role))
            controls[role] = control
        }
        follower.delegate = self
        follower.register(on: loop)
        for control in controls.values {
            loop.register(control) { [unowned self] socket, _ in self.serveControl(socket) }
        }
        loop.every(options.publishInterval) { [unowned self] in
            self.follower.followActive()
            self.flushOutbox()
            if self.dirty { self.publish() }
        }
        loop.every(options.statusInterval) { [unowned self] in self.tick() }
        loop.onStop { [unowned self] in
            for waiter in waiters.takeAll() { waiter.resume(nil) }
        }
        publish()
        logger.info(
            "national desk connecting",
            metadata: [
                "nodes": "\(follower.links.map(\.endpoint).joined(separator: " "))",
                "outbox.backlog": "\(outbox.backlog)",
            ])
    }

    static func wallClock() -> Int64 { Timestamp.nowMilliseconds() }

    // MARK: The node

    var mirror: Mirror { follower.mirror }
    var outbox: Outbox { submits.outbox }
    var selection: NodeSelection { follower.selection }
    var connected: Bool { follower.connected }

    /// Sends to the node we follow (nothing while we follow none).
    func send(_ message: ClientMessage) { follower.sendToFollowed(message) }

    /// Tells every connected node what the desk applied (its line on the liveness board).
    func sendStatus() {
        let wall = Self.wallClock()
        follower.sendStatus(
            outboxBacklog: outbox.backlog, oldestQueuedMs: outbox.oldestAge(now: wall), wall: wall)
    }

    // MARK: The liveness board

    /// Asks the followed node (the primary until one is followed) for its liveness board.
    private func askControl() {
        let now = ContinuousClock.now
        if let asked = controlAskedAt, now - asked < options.statusInterval * 3 { return }
        guard let control = controls[selection.followed ?? .primary] else { return }
        // IMMEDIATE: with no node on this host the request is refused here, not queued.
        if (try? control.sendPacked(NodeStatus.request, dontWait: true)) == true {
            controlAskedAt = now
        }
    }

    private func serveControl(_ control: ZMQSocket) {
        for _ in 0..<16 {
            guard let message = try? control.receive(dontWait: true, maxFrames: 2) else { return }
            controlAskedAt = nil
            guard let parts = message.unpacked(routed: false, maxParts: 4),
                let status = NodeStatus(answer: parts)
            else { continue }
            board = status
            boardAt = .now
            dirty = true
        }
    }

    // MARK: Time

    private func tick() {
        checkNetwork()
        sendStatus()
        askControl()
        if let boardAt, ContinuousClock.now - boardAt > options.statusInterval * 5 {
            board = nil
            self.boardAt = nil
        }
        publish()
    }

    /// Each national node as the desk sees it: connected, its role and epoch, followed or not.
    private func pairJSON(now: ContinuousClock.Instant) -> JSONValue {
        .array(
            follower.links.map { link in
                var object = JSONObject()
                object["node"] = link.role.rawValue
                object.set("connected", selection.nodes[link.role]?.connected ?? false)
                object.set("alive", selection.isAlive(link.role, now: now))
                object.set("followed", selection.followed == link.role)
                let beat = selection.nodes[link.role]?.beat
                object["role"] = beat?.role.rawValue
                object.set("epoch", beat.map { Int64($0.epoch) })
                object.set("lastSequence", beat.map { Int64($0.lastSequence) })
                object.time("lastHeard", link.lastHeard)
                return object.value
            })
    }

    /// Works out the link state and hands the screens a new state.
    func publish() {
        let now = ContinuousClock.now
        let wall = Self.wallClock()
        var next: LinkState
        if let heard = nodeLastHeard {
            if now - heard > options.unreachableAfter {
                next = .unreachable
            } else if status.nodeLastSequence > mirror.applied {
                behindSince = behindSince ?? now
                next = now - behindSince! > options.staleAfter ? .stale : (everCaughtUp ? .live : .connecting)
            } else {
                behindSince = nil
                everCaughtUp = true
                next = .live
            }
        } else {
            next = .connecting
        }
        if next == .live && !everCaughtUp { next = .connecting }
        if next != status.state {
            // Unreachable counts from the last message, not from when we noticed.
            status.since = next == .unreachable ? (status.lastHeard ?? wall) : wall
            if next == .unreachable || status.state == .unreachable {
                logger.notice("link to the national node: \(next.rawValue)")
            }
            status.state = next
        }
        status.applied = mirror.applied
        let applied = Liveness.applied(board: board)
        let digest = PictureDigest(
            entries: entries.values, history: history.values, sequence: mirror.applied, now: wall,
            applied: applied)
        version += 1
        metrics.record(
            applied: mirror.applied, nodeLast: status.nodeLastSequence, state: status.state,
            queued: outbox.backlog)
        feed.publish(
            DeskState(
                version: version, digest: digest, link: status,
                liveness: Liveness.json(board: board, link: status, pair: pairJSON(now: now), now: wall),
                writesQueued: outbox.backlog,
                ready: everCaughtUp, records: mirror.picture.entries.values.map(\.update) + capAdvice.updates,
                applied: board.map(\.appliedByParty).flatMap { $0.isEmpty ? nil : $0 })
        )
        dirty = false
    }
}
