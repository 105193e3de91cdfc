import DequeModule
import Foundation
import FramePacking
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import Logging
import StrictJSON
import Synchronization
import ZeroMQ

/// A national node: accepts reports, makes them durable (alone in its store, or as one replica
/// through etcd's committed log), acknowledges them and streams the picture to every party in
/// its own view (docs/PROTOCOL.md §5, §12).
///
/// All sockets and the store belong to one poll-loop thread. A batch of submits is decided,
/// committed with one fsync (on etcd: committed by etcd first), and only then acknowledged and
/// published.
public final class NodeServer: Sendable {
    let options: NodeOptions
    let context: ZMQContext
    let loop: PollLoop
    let zap: ZAPHandler
    private let state = LoopBound<NodeLoop>()
    /// The replica's calls to etcd, when it runs on etcd.
    let quorumLink: QuorumLink?

    public init(options: NodeOptions) throws {
        try options.validate()
        self.options = options
        context = ZMQContext()
        let logger = options.logger
        let loop = PollLoop(name: "node", context: context, logger: logger)
        self.loop = loop
        // Every organisation in the network config is admitted on the node endpoint; nobody
        // else gets in. Refusals go to the node's loop, which logs them with the peer address,
        // counts them and audits them.
        let state = self.state
        quorumLink = options.quorum.map { quorum in
            QuorumLink(options: quorum, identity: options.address.endpoint) { work in
                _ = loop.execute { _ in
                    if let node = state.value { work(node) }
                }
            }
        }
        zap = try ZAPHandler(
            context: context, logger: logger, allowlist: Self.allowlist(options.network)
        ) { refusal in
            loop.execute { _ in state.value?.connectionRefused(refusal) }
        }
    }

    /// The ZAP allowlist for a network config. Each organisation's connections carry
    /// `ORG/<CURVE key>` as User-Id: the node learns who sent a message and with which key, so
    /// after a key rotation a connection made with the old key is refused (E303) until it
    /// reconnects with the new one.
    static func allowlist(_ network: NetworkConfig) -> [String: ZAPEntry] {
        var allowlist: [String: ZAPEntry] = [:]
        for (code, keys) in network.organisations {
            allowlist[keys.curvePublicKey] = ZAPEntry(
                identity: "\(code.rawValue)/\(keys.curvePublicKey)", domains: ["node"])
        }
        return allowlist
    }

    /// The organisation and CURVE key a connection was admitted with (from its User-Id).
    static func identity(_ userID: String) -> (OrganisationCode, String)? {
        guard let slash = userID.firstIndex(of: "/"),
            let code = OrganisationCode(String(userID[..<slash]))
        else { return nil }
        return (code, String(userID[userID.index(after: slash)...]))
    }

    /// Opens the store, binds the sockets and starts serving. Returns once it serves.
    public func start() throws {
        let options = self.options
        let state = self.state
        let zap = self.zap
        let quorumLink = self.quorumLink
        try loop.start { loop in
            let node = try NodeLoop(options: options, loop: loop, zap: zap)
            state.set(node)
            if let quorumLink { node.startQuorum(quorumLink) }
        }
    }

    /// Reads network.json and the policy again (SIGHUP): new keys are admitted, retired ones
    /// refused, and the change is audited. A file that does not load leaves everything as it was.
    public func reload() {
        let state = self.state
        loop.execute { _ in state.value?.reloadConfig(reason: "SIGHUP") }
    }

    /// Before ``stop()`` on a clean stop: the rows waiting for the audit chain are written,
    /// and on etcd this waits until etcd committed what waits there (at most `limit`), so
    /// their ACKs go out and no audit row is lost (``NodeLoop/drainForStop(until:_:)``).
    public func drain(limit: Duration = NodeServer.drainLimit) async {
        let state = self.state
        let deadline = ContinuousClock.now + limit
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumed = Mutex(false)
            let resumeOnce: @Sendable () -> Void = {
                let first = resumed.withLock { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume() }
            }
            let queued = loop.execute { _ in
                guard let node = state.value else { return resumeOnce() }
                node.drainForStop(until: deadline, resumeOnce)
            }
            if !queued { resumeOnce() }
            // The loop ends the wait at the deadline; this ends it should the loop not run.
            Task {
                try? await Task.sleep(for: limit + .seconds(1))
                resumeOnce()
            }
        }
    }

    /// The longest a clean stop waits for etcd: well under systemd's stop timeout and the
    /// graceful part of `ServiceRunner`, and a few commits' time on a slow disk.
    public static let drainLimit: Duration = .seconds(2)

    /// Stops serving: sockets close (with their linger), the context terminates.
    public func stop() {
        quorumLink?.stop()
        loop.shutdown()
        zap.stop()
        context.terminate()
    }
}

/// A committed batch whose answers wait until etcd committed it too.
struct Batch {
    enum Answer {
        case ack(Ack)
        case refusal(Rejection)
    }

    let id: UInt64
    let lastSequence: SequenceNumber
    var answers: [(routing: [UInt8], answer: Answer)]
    let updates: [Update]
    let committedAt: ContinuousClock.Instant
    /// On etcd: the batch's audit rows, written to the store once etcd committed them.
    var audit: [AuditRecord] = []
}

/// The node's state on its loop thread.
final class NodeLoop {
    let options: NodeOptions
    let logger: Logger
    let store: NodeStore
    var coordinator: Coordinator
    /// The released picture: only entries that are acknowledged (and so, on etcd, committed by
    /// a majority of its members) are in it and on the stream.
    var picture: Picture {
        // However it changes (a commit, replication, a reload after a cut-back), the snapshot
        // encodings of the old picture no longer hold it.
        didSet { snapshotCache.forget() }
    }
    let router: ZMQSocket
    let control: ZMQSocket
    let chpPublisher: ZMQSocket?
    let chpSnapshot: ZMQSocket?
    var sessions: [[UInt8]: Session] = [:]
    var board: [OrganisationCode: BoardEntry] = [:]
    var refusals: [ErrorCode: Int] = [:]
    var jobsTimerArmed = false
    var snapshotCache = SnapshotCache()
    var committedBatches = 0
    var committedReports = 0
    /// Live updates that found a party's send queue full (STATUS `stream.queueFull`).
    var streamQueueFull = 0
    /// Time spent in commits (the fsync included), for the status and the benchmark.
    var commitTime: Duration = .zero
    /// On etcd: batches committed here and waiting for etcd's commit, oldest first.
    var awaiting: Deque<Batch> = []
    var awaitingRejections: Set<ReportID> = []
    var batchCounter: UInt64 = 0
    /// Messages read but not yet decided (the decide budget ran out), oldest first.
    var leftover: [Message] = []
    var leftoverTimerArmed = false
    let crashPoint = CrashPoint.fromEnvironment()
    unowned let loop: LoopContext
    let zap: ZAPHandler
    /// The network config and policy in force (reloaded when their files change).
    var network: NetworkConfig
    var configStamp: ConfigStamp
    /// Monitors the node endpoint: handshakes that fail before ZAP (no CURVE, garbage bytes).
    let routerMonitor: ZMQSocket
    var security = SecurityCounters()
    var limiter: RateLimiter<OrganisationCode>
    /// When each organisation was last told it is over its limit (NodeLoop+Guard.swift).
    var limitAnswered: [OrganisationCode: ContinuousClock.Instant] = [:]
    /// Log lines about refused messages, and about refused connections: separate budgets, so a
    /// flood of bad messages from an admitted peer cannot silence the lines about strangers.
    var refusalLog: LogBudget
    var connectionLog: LogBudget
    // Audit (NodeLoop+Audit.swift).
    let auditKey: SigningKey
    var auditQueue: [AuditEvent] = []
    var lastDelivery: [OrganisationCode: (applied: SequenceNumber, at: ContinuousClock.Instant)] = [:]
    var lastCheckpointSeq: UInt64 = 0
    /// As a replica on etcd (NodeLoop+Quorum.swift); nil standalone.
    var quorum: QuorumState?
    /// Batch roots whose origin signature the check pool has verified (one Ed25519
    /// verification per batch instead of one per report).
    let verifiedRoots = VerifiedRoots()

    /// Standalone: active from the start (a replica on etcd asks ``quorum``).
    var standaloneActive = false

    init(options: NodeOptions, loop: LoopContext, zap: ZAPHandler) throws {
        self.options = options
        self.logger = options.logger
        self.loop = loop
        self.zap = zap
        network = options.network
        let policy = try WritePolicy.load(folder: options.folder.root)
        configStamp = ConfigStamp(options.folder)
        limiter = RateLimiter(rate: options.peerMessageRate, burst: options.peerMessageBurst)
        refusalLog = LogBudget(limit: options.refusalLogsPerMinute, interval: .seconds(60))
        connectionLog = LogBudget(limit: options.refusalLogsPerMinute, interval: .seconds(60))
        auditKey = try options.folder.loadNodeAuditKey()
        let folder = options.folder.folder(of: options.role)
        try DataFolder.makeOwnerOnly(folder)
        store = try NodeStore(path: options.folder.store(of: options.role).path)
        let loaded = try store.load(views: Picture.allViews)
        picture = loaded.picture
        coordinator = Coordinator(
            epoch: loaded.epoch, lastSequence: loaded.picture.lastSequence,
            lastOriginSeq: loaded.lastOriginSeq, incidents: loaded.incidents,
            signingKeys: options.network.signingKeySets, policy: policy.using(options.network.registry),
            codec: DocumentCodec())
        coordinator.signalPolicy = try SignalPolicy.load(folder: options.folder.root)
        lastCheckpointSeq = try store.latestCheckpoint()?.seq ?? 0

        let serverKey = try options.folder.loadNodeServerKey()
        let address = options.address
        router = try loop.socket(.router, name: "node.router")
        try router.set([
            .linger(options.linger), .routerMandatory(true), .maxMessageSize(WireLimits.maxMessageBytes),
            .sendHighWaterMark(options.sendHighWaterMark),
            .receiveHighWaterMark(options.receiveHighWaterMark),
            .heartbeatInterval(.seconds(2)), .heartbeatTimeout(.seconds(6)), .curveServer(true),
            .curveSecretKey(serverKey.secretKey), .zapDomain("node"),
        ])
        routerMonitor = try router.monitor(context: loop.context)
        loop.adopt(routerMonitor)
        try router.bind(address.bind)

        control = try loop.socket(.router, name: "node.control")
        try control.set([.linger(.zero), .routerMandatory(true), .maxMessageSize(64 * 1024)])
        let controlEndpoint = options.folder.controlEndpoint(of: options.role)
        unlink(String(controlEndpoint.dropFirst("ipc://".count)))
        try control.bind(controlEndpoint)

        if let base = address.chpBasePort {
            let snapshot = try loop.socket(.router, name: "chp.snapshot")
            try snapshot.set([.linger(.zero), .routerMandatory(true), .maxMessageSize(4 * 1024)])
            try snapshot.bind("tcp://\(options.network.chpHost):\(base)")
            let publisher = try loop.socket(.pub, name: "chp.updates")
            try publisher.set([.linger(.zero), .sendHighWaterMark(options.sendHighWaterMark)])
            try publisher.bind("tcp://\(options.network.chpHost):\(base + 1)")
            chpSnapshot = snapshot
            chpPublisher = publisher
        } else {
            chpSnapshot = nil
            chpPublisher = nil
        }

        loop.register(router) { [unowned self] _, _ in self.serveRouter() }
        loop.register(routerMonitor) { [unowned self] _, _ in self.serveRouterMonitor() }
        loop.register(control) { [unowned self] _, _ in self.serveControl() }
        if let chpSnapshot { loop.register(chpSnapshot) { [unowned self] _, _ in self.serveCHPSnapshot() } }
        loop.every(options.heartbeatInterval) { [unowned self] in self.heartbeat() }
        loop.every(options.auditFlushInterval) { [unowned self] in self.flushAudit() }
        loop.every(options.auditCheckpointInterval) { [unowned self] in self.checkpointAudit() }
        loop.every(options.configCheckInterval) { [unowned self] in self.checkConfig() }
        loop.every(options.signalExpiryInterval) { [unowned self] in self.expireSignals() }
        // On a clean stop the chain head is signed once more, so nothing written is unvouched.
        loop.onStop { [unowned self] in self.finishAudit() }
        if options.quorum == nil { startAlone() }
        logger.info(
            "national node started",
            metadata: [
                "node.role": "\(options.quorum != nil ? options.role.rawValue : "standalone")",
                "node.endpoint": "\(address.bind)",
                "report.seq": "\(picture.lastSequence)", "node.epoch": "\(coordinator.epoch)",
                "picture.entries": "\(picture.count)",
                "chp": "\(address.chpBasePort.map { "tcp://\(options.network.chpHost):\($0)" } ?? "off")",
                "audit.seq": "\(store.auditHead.seq)", "policy": "\(policy.digest.prefix(12))",
            ])
    }

    var epoch: Epoch { coordinator.epoch }
    /// The last sequence acknowledged and visible on the stream.
    var lastSequence: SequenceNumber { picture.lastSequence }
    var isActive: Bool { quorum.map(\.isActive) ?? standaloneActive }

    /// The role heartbeats announce to the daemons.
    var announcedRole: NodeRole {
        guard options.quorum != nil else { return .standalone }
        return isActive ? .active : .passive
    }

    /// Alone, the node is active from the start, in an epoch above the one it stored (so the
    /// daemons see that a restarted node began again).
    private func startAlone() {
        let newEpoch = epoch + 1
        beginEpoch(newEpoch)
        standaloneActive = true
        recordActive(epoch: newEpoch)
        logger.notice(
            "this node is active",
            metadata: ["node.epoch": "\(newEpoch)", "report.seq": "\(coordinator.lastSequence)"])
    }

    static func wallClock() -> Int64 { Timestamp.nowMilliseconds() }

    /// Takes `newEpoch` (alone at the start, or elected through etcd): stored before anything
    /// is accepted in it.
    func beginEpoch(_ newEpoch: Epoch) {
        do {
            try store.setEpoch(newEpoch)
        } catch {
            storageFailed(error)
        }
        coordinator.begin(epoch: newEpoch)
    }

    /// Without durable storage the node must not acknowledge anything: stop, and let the
    /// supervisor restart us from what is on disk.
    func storageFailed(_ error: any Error) -> Never {
        logger.critical(
            "storage failure: stopping so nothing unconfirmed is acknowledged",
            metadata: ["error": "\(error)"])
        exit(70)
    }

    // MARK: Sending to parties

    /// Sends to one party; false when its queue is full or it is gone.
    @discardableResult
    func send(_ routing: [UInt8], _ message: ServerMessage) -> Bool {
        send(routing, frames: MessageCodec.encode(message))
    }

    func send(_ routing: [UInt8], frames: [[UInt8]]) -> Bool {
        send(routing, packed: FramePack.pack(frames))
    }
}
