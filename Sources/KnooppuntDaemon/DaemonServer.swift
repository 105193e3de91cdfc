import Crypto
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import Logging
import StrictJSON
import ZeroMQ

/// The daemon of one organisation (a safety region, NCTV or the police): its durable outbox
/// towards the national node and its mirror of the picture as the organisation may see it.
///
/// Operators hand it documents over its local socket; each is stored ("queued") before
/// anything else, then sent until the node answers. All sockets and the store belong to one
/// poll-loop thread.
public final class DaemonServer: Sendable {
    let options: DaemonOptions
    let context: ZMQContext
    let loop: PollLoop
    private let state = LoopBound<DaemonLoop>()

    public init(options: DaemonOptions) {
        self.options = options
        context = ZMQContext()
        loop = PollLoop(name: options.organisation.rawValue, context: context, logger: options.logger)
    }

    public func start() throws {
        let options = self.options
        let state = self.state
        try loop.start { loop in state.set(try DaemonLoop(options: options, loop: loop)) }
    }

    public func stop() {
        loop.shutdown()
        context.terminate()
    }
}

final class DaemonLoop {
    let options: DaemonOptions
    let logger: Logger
    let store: DaemonStore
    /// The durable outbox: seal, store, queue, send, record the node's answers.
    let submits: SubmitPipeline
    /// The links to every national node, the node selection and the mirror.
    let follower: NodeFollower
    let operatorSocket: ZMQSocket
    let secrets: OrganisationSecrets
    let documentCodec = DocumentCodec()
    /// The police-internal labels the policy lists (only the police daemon accepts them).
    let policeInternal: PoliceInternalPolicy
    /// The organisation's accounts: only its people publish through the operator socket.
    let people: PeopleStore
    var nodeUnreachableSince: Int64?
    /// Publishers waiting for the node's answer, by report id.
    var waiting: OutcomeWaiters<[UInt8]>
    /// network.json watched (DaemonLoop+Network.swift): a key rotation elsewhere is picked up.
    var networkWatch: NetworkFileWatch
    var nodeAuditKey: VerifyingKey?
    unowned let loop: LoopContext

    var organisation: OrganisationCode { options.organisation }
    var mirror: Mirror { follower.mirror }
    var outbox: Outbox { submits.outbox }
    var connected: Bool { follower.connected }

    init(options: DaemonOptions, loop: LoopContext) throws {
        self.options = options
        self.logger = options.logger
        self.loop = loop
        let folder = options.folder.daemonFolder(options.organisation)
        try DataFolder.makeOwnerOnly(folder)
        secrets = try OrganisationSecrets.load(from: options.folder.keyFile(options.organisation))
        networkWatch = NetworkFileWatch(options.folder)
        nodeAuditKey = options.network.nodeAuditPublicKey
        store = try DaemonStore(path: options.folder.daemonStore(options.organisation).path)
        policeInternal = try WritePolicy.load(folder: options.folder.root).policeInternal
        people = try PeopleStore(
            path: PeopleStore.path(in: options.folder.peopleFolder(options.organisation)),
            organisation: options.organisation, actor: "daemon \(options.organisation)")
        waiting = OutcomeWaiters(limit: options.maxWaitingPublishers)
        let logger = options.logger
        submits = try SubmitPipeline(
            storage: store, origin: options.organisation, signingKey: secrets.signing, limits: options.outbox,
            duplicateWindow: options.duplicateWindow, logger: logger,
            storageFailed: { error, _ in Self.storageFailed(error, logger: logger) })
        let view = View.organisation(options.organisation)
        follower = NodeFollower(
            links: try NodeLink.connect(
                options.network, secrets: secrets, loop: loop, name: options.organisation.rawValue),
            mirror: Mirror(
                view: view, picture: try store.loadMirror(view: view),
                signingKeys: options.network.signingKeySets, limits: options.mirror),
            selection: NodeSelection(
                roles: options.network.nodes.map(\.role), silence: options.nodeSilence),
            role: options.role, logger: options.logger, keysHint: "this organisation's keys")

        operatorSocket = try loop.socket(.router, name: "\(options.organisation).operator")
        try operatorSocket.set([
            .linger(.zero), .routerMandatory(true),
            .maxMessageSize(Int64(DocumentLimits.documentBytes + 4096)),
        ])
        let endpoint = options.folder.operatorEndpoint(options.organisation)
        // A stale socket file from a killed daemon would make bind fail; the lock file says we own the folder.
        unlink(String(endpoint.dropFirst("ipc://".count)))
        try operatorSocket.bind(endpoint)

        follower.delegate = self
        follower.register(on: loop)
        loop.register(operatorSocket) { [unowned self] _, _ in self.serveOperator() }
        loop.every(options.statusInterval) { [unowned self] in self.tick() }
        loop.every(.milliseconds(100)) { [unowned self] in
            self.follower.followActive()
            self.flushOutbox()
        }
        loop.every(options.networkCheckInterval) { [unowned self] in self.checkNetwork() }
        loop.every(options.signalExpiryInterval) { [unowned self] in self.expireSignals() }
        logger.info(
            "daemon started",
            metadata: [
                "org": "\(organisation)", "nodes": "\(follower.links.map(\.endpoint).joined(separator: " "))",
                "mirror.applied": "\(mirror.applied)", "outbox.backlog": "\(outbox.backlog)",
            ])
    }

    static func wallClock() -> Int64 { Timestamp.nowMilliseconds() }

    func storageFailed(_ error: any Error) -> Never { Self.storageFailed(error, logger: logger) }

    /// A daemon that cannot store what the node said stops: it would otherwise tell operators
    /// what its store does not hold.
    static func storageFailed(_ error: any Error, logger: Logger) -> Never {
        logger.critical("storage failure: stopping", metadata: ["error": "\(error)"])
        exit(70)
    }

    func flushOutbox() {
        guard connected else { return }
        for report in submits.due(now: .now) { follower.sendToFollowed(.submit(report)) }
    }

    /// Tells every node we are connected to what we applied (so a replica's liveness board is
    /// current the moment it takes over).
    func sendStatus() {
        let wall = Self.wallClock()
        follower.sendStatus(
            outboxBacklog: outbox.backlog, oldestQueuedMs: outbox.oldestAge(now: wall), wall: wall)
    }

    private func tick() {
        sendStatus()
        let now = ContinuousClock.now
        let selection = follower.selection
        if !follower.links.contains(where: { selection.isAlive($0.role, now: now) }),
            nodeUnreachableSince == nil
        {
            nodeUnreachableSince = Self.wallClock()
            logger.warning("no national node answers")
        }
    }

    func nowTimestamp() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Self.wallClock()).inAmsterdam
    }
}
