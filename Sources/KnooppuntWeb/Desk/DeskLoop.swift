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
    var outbox: Outbox
    var mirror: Mirror
    /// One link per national node (two for a hot-standby pair); the desk follows the active.
    var links: [DeskNodeLink] = []
    var selection: NodeSelection
    /// Each node's owner-only control socket (the liveness board), when on this host.
    var controls: [PairRole: ZMQSocket] = [:]
    let documentCodec = DocumentCodec()
    let messageCodec = MessageCodec()
    var random = SystemRandomNumberGenerator()
    unowned let loop: LoopContext

    var status: LinkStatus
    /// The last message from the node we follow.
    var nodeLastHeard: ContinuousClock.Instant?
    var behindSince: ContinuousClock.Instant?
    var everCaughtUp = false
    var nodeDegraded = false
    /// The picture as the screens read it, by key (kept in step with the mirror).
    var entries: [String: DigestEntry] = [:]
    /// Earlier incident, GRIP and sitrep reports by sequence, for the timelines (bounded).
    var history: [SequenceNumber: DigestEntry] = [:]
    var historyRequested = false
    /// The node's liveness board and when it arrived.
    var board: JSONValue?
    var boardAt: ContinuousClock.Instant?
    var controlAskedAt: ContinuousClock.Instant?
    var dirty = true
    var version: UInt64 = 0
    var statusSentFor: SequenceNumber = .max
    let metrics = DeskMetrics()
    /// Write requests waiting for the node's answer, by report id.
    var waiters: [ReportID: [OneShot<JSONValue?>]] = [:]

    init(options: DeskOptions, loop: LoopContext, feed: DeskFeed) throws {
        self.options = options
        logger = options.logger
        self.feed = feed
        self.loop = loop
        status = LinkStatus(since: Self.wallClock())
        secrets = try OrganisationSecrets.load(from: options.folder.keyFile(.national))
        journal = try options.journal()
        let loaded = try journal.load()
        outbox = Outbox(limits: options.outbox, lastOriginSeq: loaded.lastOriginSeq, queued: loaded.queued)
        let view = View.organisation(.national)
        mirror = Mirror(
            view: view, picture: Picture(views: [view]), verifyingKeys: options.network.verifyingKeys,
            limits: options.mirror)

        selection = NodeSelection(
            roles: options.network.nodes.map(\.role), silence: options.selectionSilence,
            voteInterval: options.voteInterval)
        for (role, address) in options.network.nodes {
            let (socket, monitor) = try options.network.connectFollower(
                to: address.endpoint, secrets: secrets, loop: loop, name: "desk.\(role.rawValue)")
            links.append(
                DeskNodeLink(role: role, endpoint: address.endpoint, socket: socket, monitor: monitor))

            // The node's owner-only control socket: the liveness board, when the desk shares
            // the node's host and data folder.
            let control = try loop.socket(.dealer, name: "desk.control.\(role.rawValue)")
            try control.set([.linger(.zero), .immediate(true), .maxMessageSize(16 << 20)])
            try control.connect(options.folder.controlEndpoint(of: role))
            controls[role] = control
        }
        for link in links {
            loop.register(link.socket) { [unowned self] _, _ in self.serveNode(link) }
            loop.register(link.monitor) { [unowned self] _, _ in self.serveMonitor(link) }
        }
        for control in controls.values {
            loop.register(control) { [unowned self] socket, _ in self.serveControl(socket) }
        }
        loop.every(options.publishInterval) { [unowned self] in
            self.followActive()
            self.flushOutbox()
            if self.dirty { self.publish() }
        }
        loop.every(options.statusInterval) { [unowned self] in self.tick() }
        loop.onStop { [unowned self] in
            for (_, list) in waiters { for waiter in list { waiter.resume(nil) } }
            waiters.removeAll()
        }
        publish()
        logger.info(
            "national desk connecting",
            metadata: [
                "nodes": "\(links.map(\.endpoint).joined(separator: " "))",
                "outbox.backlog": "\(outbox.backlog)",
            ])
    }

    static func wallClock() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: The node

    /// The link to the node we follow as active: submits and the picture stream use it.
    var target: DeskNodeLink? { selection.followed.flatMap { role in links.first { $0.role == role } } }
    var connected: Bool { selection.followed.map { selection.nodes[$0]?.connected ?? false } ?? false }

    private func serveMonitor(_ link: DeskNodeLink) {
        while let event = try? MonitorEvent.receive(from: link.monitor) {
            switch event.kind {
            case .handshakeSucceeded:
                selection.connected(link.role, now: .now)
                logger.info(
                    "connected to a national node",
                    metadata: ["node": "\(link.role.rawValue)", "node.endpoint": "\(event.address)"])
                // Heartbeats tell who is active; ATTACH asks for them without voting.
                send(.attach(applied: mirror.applied, epoch: mirror.picture.lastEpoch, role: .desk), to: link)
                followActive()
            case .disconnected:
                if selection.nodes[link.role]?.connected == true {
                    logger.warning("lost a national node", metadata: ["node": "\(link.role.rawValue)"])
                }
                selection.disconnected(link.role)
                followActive()
            case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
                logger.error(
                    "a national node refused the desk's handshake: check the NATIONAL keys in network.json",
                    metadata: ["event": "\(event)"])
            default:
                break
            }
        }
    }

    /// Follows the node whose heartbeats say it is active (the later epoch wins); when none
    /// can be heard, votes by sending a node HELLO (Binary Star's client vote).
    func followActive() {
        for decision in selection.decide(now: .now) {
            switch decision {
            case .follow(let role):
                guard let link = links.first(where: { $0.role == role }) else { continue }
                logger.notice("following the national node", metadata: ["node": "\(role.rawValue)"])
                outbox.connectionReset()
                send(mirror.hello(role: .desk), to: link)
                flushOutbox()
            case .vote(let role):
                if let link = links.first(where: { $0.role == role }) {
                    send(mirror.hello(role: .desk), to: link)
                }
            }
        }
    }

    func send(_ message: ClientMessage, to link: DeskNodeLink) {
        do {
            _ = try link.socket.sendPacked(MessageCodec.encode(message), dontWait: true)
        } catch {
            logger.warning("send to a national node failed", metadata: ["error": "\(error)"])
        }
    }

    /// Sends to the node we follow (nothing while we follow none).
    func send(_ message: ClientMessage) {
        guard let target else { return }
        send(message, to: target)
    }

    private func serveNode(_ link: DeskNodeLink) {
        let now = ContinuousClock.now
        let wall = Self.wallClock()
        var answers: [OutboxEvent] = []
        var actions: [MirrorAction] = []
        for _ in 0..<4_096 {
            guard let message = try? link.socket.receive(dontWait: true, maxFrames: 2) else { break }
            selection.heard(link.role, now: now)
            guard let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1),
                let decoded = try? messageCodec.decodeServer(parts)
            else {
                logger.warning("unreadable message from a national node")
                continue
            }
            let followed = link === target
            if followed {
                nodeLastHeard = now
                link.lastHeard = wall
                status.lastHeard = wall
            }
            switch decoded {
            case .ack(let ack):
                // An ACK is a durable confirmation from whichever node gave it.
                if let event = outbox.handle(ack, now: now) { answers.append(event) }
            case .error(let id, let code, let text, _):
                if code == .notActive { continue }
                if let event = outbox.handle(error: code, reportID: id, message: text, now: now) {
                    answers.append(event)
                } else {
                    logger.notice(
                        "a national node answered with an error",
                        metadata: ["error.code": "\(code.rawValue)", "report.id": "\(id?.rawValue ?? "-")"])
                }
            case .heartbeat(let beat):
                selection.heard(link.role, beat: beat, now: now)
                if followed {
                    status.nodeTime = beat.nodeTime
                    status.nodeRole = "\(link.role.rawValue) \(beat.role.rawValue)"
                    status.nodeEpoch = beat.epoch
                    status.nodeLastSequence = beat.lastSequence
                    nodeDegraded = beat.degraded
                    if beat.lastSequence <= mirror.applied { status.confirmedAt = beat.nodeTime }
                    actions += mirror.receive(decoded, now: now)
                } else if beat.role == .active {
                    followActive()
                }
            case .welcome(let epoch, let last, let nextOriginSeq, _):
                // WELCOME answers only HELLO: this node serves us (after our vote, too).
                if selection.served(by: link.role) != nil {
                    logger.notice(
                        "following the national node",
                        metadata: ["node": "\(link.role.rawValue)", "reason": "it answered our HELLO"])
                    outbox.connectionReset()
                    nodeLastHeard = now
                }
                status.nodeEpoch = epoch
                status.nodeLastSequence = last
                adoptOriginSequence(nextOriginSeq)
                actions += mirror.receive(decoded, now: now)
            case .update(let update) where followed:
                if update.sequence <= mirror.applied { rememberEarlier(update) }
                actions += mirror.receive(decoded, now: now)
            default:
                // The picture stream counts only from the node we follow.
                if followed { actions += mirror.receive(decoded, now: now) }
            }
        }
        record(answers, at: wall)
        perform(actions)
        if mirror.applied != statusSentFor { sendStatus() }
        flushOutbox()
    }

    private func perform(_ actions: [MirrorAction]) {
        for action in actions {
            switch action {
            case .persist(let updates):
                for update in updates {
                    let entry = DigestEntry(update)
                    entries[entry.key] = entry
                    remember(entry)
                }
                dirty = true
            case .replace(let snapshot, let sequence, _):
                entries = Dictionary(
                    snapshot.map { (DigestEntry($0)) }.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
                // A snapshot replaces everything: the history may hold a tail the node pair
                // discarded, so it is fetched again from the node's log.
                history.removeAll()
                historyRequested = false
                for entry in entries.values { remember(entry) }
                dirty = true
                logger.info(
                    "picture replaced by a snapshot",
                    metadata: ["report.seq": "\(sequence)", "entries": "\(snapshot.count)"])
                requestHistory(upTo: sequence)
            case .send(let message):
                send(message)
            case .warn(let text):
                logger.warning("\(text)")
            }
        }
        status.applied = mirror.applied
        if status.nodeLastSequence <= mirror.applied, let nodeTime = status.nodeTime {
            status.confirmedAt = max(status.confirmedAt ?? 0, nodeTime)
        }
    }

    /// A snapshot holds only the latest entry per key: ask the node's log for the earlier
    /// reports once, so the sitrep timelines and the threat steps are complete (bounded by
    /// `historyLimit`).
    private func requestHistory(upTo sequence: SequenceNumber) {
        guard !historyRequested, sequence > 1 else { return }
        historyRequested = true
        let limit = SequenceNumber(max(1, options.historyLimit))
        let from = sequence > limit ? sequence - limit + 1 : 1
        send(.fetch(from: from, to: sequence))
    }

    /// An update the mirror has already applied (the history the desk asked for): kept for
    /// the timelines once its origin's signature verifies.
    private func rememberEarlier(_ update: Update) {
        guard history[update.sequence] == nil, Self.isHistory(update.report.envelope.type),
            let key = options.network.verifyingKeys[update.report.origin],
            update.report.verifySignature(with: key)
        else { return }
        remember(DigestEntry(update))
        dirty = true
    }

    private func remember(_ entry: DigestEntry) {
        guard ReportType(rawValue: entry.type).map(Self.isHistory) == true else { return }
        history[entry.sequence] = entry
        // Trim in batches so a long run does not sort on every update.
        if history.count > options.historyLimit + 256 {
            for sequence in history.keys.sorted().prefix(history.count - options.historyLimit) {
                history.removeValue(forKey: sequence)
            }
        }
    }

    /// Kinds whose earlier reports the screens use: sitrep timelines, GRIP history and
    /// time-to-GRIP-3, and every step of a threat level's plan.
    static func isHistory(_ type: ReportType) -> Bool { [.incident, .grip, .sitrep, .threat].contains(type) }

    /// Tells every connected node what the desk applied (its line on the liveness board).
    private func sendStatus() {
        guard connected else { return }
        statusSentFor = mirror.applied
        let wall = Self.wallClock()
        let status = ClientMessage.status(
            DaemonStatus(
                applied: mirror.applied, epoch: mirror.picture.lastEpoch, viewHash: mirror.hash.hex,
                outboxBacklog: outbox.backlog, oldestQueuedMs: outbox.oldestAge(now: wall), pid: getpid(),
                sentAt: wall))
        for link in links where selection.nodes[link.role]?.connected == true { send(status, to: link) }
    }

    // MARK: The liveness board

    /// Asks the followed node (the primary until one is followed) for its liveness board.
    private func askControl() {
        let now = ContinuousClock.now
        if let asked = controlAskedAt, now - asked < options.statusInterval * 3 { return }
        guard let control = controls[selection.followed ?? .primary] else { return }
        // IMMEDIATE: with no node on this host the request is refused here, not queued.
        if (try? control.sendPacked([protocolSignature, Array("STATUS".utf8)], dontWait: true)) == true {
            controlAskedAt = now
        }
    }

    private func serveControl(_ control: ZMQSocket) {
        for _ in 0..<16 {
            guard let message = try? control.receive(dontWait: true, maxFrames: 2) else { return }
            controlAskedAt = nil
            guard let parts = message.unpacked(routed: false, maxParts: 4), parts.count == 3,
                let status = try? JSONParser.parse(parts[2]), status["parties"] != nil
            else { continue }
            board = status
            boardAt = .now
            dirty = true
        }
    }

    // MARK: Time

    private func tick() {
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
            links.map { link in
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
                next = nodeDegraded ? .degraded : .live
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
                ready: everCaughtUp))
        dirty = false
    }
}

/// The desk's connection to one national node.
final class DeskNodeLink {
    let role: PairRole
    let endpoint: String
    let socket: ZMQSocket
    let monitor: ZMQSocket
    /// The last message from this node (ms since 1970).
    var lastHeard: Int64?

    init(role: PairRole, endpoint: String, socket: ZMQSocket, monitor: ZMQSocket) {
        self.role = role
        self.endpoint = endpoint
        self.socket = socket
        self.monitor = monitor
    }
}
