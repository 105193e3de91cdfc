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

/// The connection to one national node.
final class NodeLink {
    let role: PairRole
    let endpoint: String
    let socket: ZMQSocket
    let monitor: ZMQSocket

    init(role: PairRole, endpoint: String, socket: ZMQSocket, monitor: ZMQSocket) {
        self.role = role
        self.endpoint = endpoint
        self.socket = socket
        self.monitor = monitor
    }
}

final class DaemonLoop {
    let options: DaemonOptions
    let logger: Logger
    let store: DaemonStore
    var outbox: Outbox
    var mirror: Mirror
    /// One link per national node (two for a hot-standby pair).
    var links: [NodeLink] = []
    /// Which node we follow (submits and the picture stream go there), and whom to vote for.
    var selection: NodeSelection
    let operatorSocket: ZMQSocket
    let secrets: OrganisationSecrets
    let documentCodec = DocumentCodec()
    /// The police-internal labels the policy lists (only the police daemon accepts them).
    let policeInternal: PoliceInternalPolicy
    /// The organisation's accounts: only its people publish through the operator socket.
    let people: PeopleStore
    let messageCodec = MessageCodec()
    var random = SystemRandomNumberGenerator()
    var nodeUnreachableSince: Int64?
    /// Publishers waiting for the node's answer, by report id.
    var waiting: [ReportID: [UInt8]] = [:]
    var statusSentFor: SequenceNumber = .max
    /// network.json as last read (DaemonLoop+Network.swift): a key rotation elsewhere is picked up.
    var networkStamp: FileStamp
    var nodeAuditKey: VerifyingKey?
    unowned let loop: LoopContext

    var organisation: OrganisationCode { options.organisation }
    /// The link to the node we follow as active.
    var target: NodeLink? { selection.followed.flatMap { role in links.first { $0.role == role } } }
    var connected: Bool { selection.followed.map { selection.nodes[$0]?.connected ?? false } ?? false }

    init(options: DaemonOptions, loop: LoopContext) throws {
        self.options = options
        self.logger = options.logger
        self.loop = loop
        let folder = options.folder.daemonFolder(options.organisation)
        try DataFolder.makeOwnerOnly(folder)
        secrets = try OrganisationSecrets.load(from: options.folder.keyFile(options.organisation))
        networkStamp = FileStamp(options.folder.networkFile)
        nodeAuditKey = options.network.nodeAuditPublicKey
        store = try DaemonStore(path: options.folder.daemonStore(options.organisation).path)
        policeInternal = try WritePolicy.load(folder: options.folder.root).policeInternal
        people = try PeopleStore(
            path: PeopleStore.path(in: options.folder.peopleFolder(options.organisation)),
            organisation: options.organisation, actor: "daemon \(options.organisation)")
        let loaded = try store.loadOutbox()
        outbox = Outbox(limits: options.outbox, lastOriginSeq: loaded.lastOriginSeq, queued: loaded.queued)
        let view = View.organisation(options.organisation)
        mirror = Mirror(
            view: view, picture: try store.loadMirror(view: view),
            signingKeys: options.network.signingKeySets,
            limits: options.mirror)

        selection = NodeSelection(
            roles: options.network.nodes.map(\.role), silence: options.nodeSilence,
            voteInterval: options.voteInterval)
        for (role, address) in options.network.nodes {
            let (socket, monitor) = try options.network.connectFollower(
                to: address.endpoint, secrets: secrets, loop: loop,
                name: "\(options.organisation).\(role.rawValue)")
            links.append(NodeLink(role: role, endpoint: address.endpoint, socket: socket, monitor: monitor))
        }

        operatorSocket = try loop.socket(.router, name: "\(options.organisation).operator")
        try operatorSocket.set([
            .linger(.zero), .routerMandatory(true),
            .maxMessageSize(Int64(DocumentLimits.documentBytes + 4096)),
        ])
        let endpoint = options.folder.operatorEndpoint(options.organisation)
        // A stale socket file from a killed daemon would make bind fail; the lock file says we own the folder.
        unlink(String(endpoint.dropFirst("ipc://".count)))
        try operatorSocket.bind(endpoint)

        for link in links {
            loop.register(link.socket) { [unowned self] _, _ in self.serveNode(link) }
            loop.register(link.monitor) { [unowned self] _, _ in self.serveMonitor(link) }
        }
        loop.register(operatorSocket) { [unowned self] _, _ in self.serveOperator() }
        loop.every(options.statusInterval) { [unowned self] in self.tick() }
        loop.every(.milliseconds(100)) { [unowned self] in
            self.followActive()
            self.flushOutbox()
        }
        loop.every(options.networkCheckInterval) { [unowned self] in self.checkNetwork() }
        logger.info(
            "daemon started",
            metadata: [
                "org": "\(organisation)", "nodes": "\(links.map(\.endpoint).joined(separator: " "))",
                "mirror.applied": "\(mirror.applied)", "outbox.backlog": "\(outbox.backlog)",
            ])
    }

    static func wallClock() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: Following the active node

    private func serveMonitor(_ link: NodeLink) {
        while let event = try? MonitorEvent.receive(from: link.monitor) {
            switch event.kind {
            case .handshakeSucceeded:
                selection.connected(link.role, now: .now)
                logger.info(
                    "connected to a national node",
                    metadata: ["node": "\(link.role.rawValue)", "node.endpoint": "\(event.address)"])
                // Heartbeats tell us who is active; ATTACH asks for them without voting.
                send(
                    .attach(applied: mirror.applied, epoch: mirror.picture.lastEpoch, role: options.role),
                    to: link)
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
                    "a national node refused our handshake: check this organisation's keys in network.json",
                    metadata: ["event": "\(event)"])
            default:
                break
            }
        }
    }

    /// Starts following `link`: the outbox sends everything outstanding there and the mirror
    /// catches up from it (a HELLO with what we applied).
    private func follow(_ link: NodeLink, because reason: String) {
        outbox.connectionReset()
        send(mirror.hello(role: options.role), to: link)
        logger.notice(
            "following the national node",
            metadata: [
                "node": "\(link.role.rawValue)",
                "node.epoch": "\(selection.nodes[link.role]?.beat?.epoch ?? 0)",
                "reason": "\(reason)",
            ])
        flushOutbox()
    }

    /// Every 100 ms and on news: follow the node whose heartbeats say it is active (the later
    /// epoch wins); when none can be heard, vote by sending a node HELLO (Binary Star).
    func followActive() {
        for decision in selection.decide(now: .now) {
            switch decision {
            case .follow(let role):
                if let link = links.first(where: { $0.role == role }) {
                    follow(link, because: "its heartbeat says active")
                }
            case .vote(let role):
                if let link = links.first(where: { $0.role == role }) {
                    send(mirror.hello(role: options.role), to: link)
                }
            }
        }
    }

    private func send(_ message: ClientMessage, to link: NodeLink) {
        do {
            _ = try link.socket.sendPacked(MessageCodec.encode(message), dontWait: true)
        } catch {
            logger.warning("send to a national node failed", metadata: ["error": "\(error)"])
        }
    }

    private func sendToNode(_ message: ClientMessage) {
        guard let target else { return }
        send(message, to: target)
    }

    private func serveNode(_ link: NodeLink) {
        let now = ContinuousClock.now
        let wall = Self.wallClock()
        var answers: [OutboxEvent] = []
        var mirrorActions: [MirrorAction] = []
        for _ in 0..<4_096 {
            guard let message = try? link.socket.receive(dontWait: true, maxFrames: 2) else { break }
            selection.heard(link.role, now: now)
            let decoded: ServerMessage
            do {
                guard let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) else {
                    throw Problem(.wrongFrameCount, field: "message", "not one packed KNP/1 frame")
                }
                decoded = try messageCodec.decodeServer(parts)
            } catch {
                logger.warning("unreadable message from a national node", metadata: ["error": "\(error)"])
                continue
            }
            switch decoded {
            case .ack(let ack):
                // An ACK is a durable confirmation from whichever node gave it.
                if let event = outbox.handle(ack, now: now) { answers.append(event) }
            case .error(let id, let code, let text, let detail):
                if code == .notActive { continue }
                let expected = detail["expected"]?.integerValue.map { UInt64(clamping: $0) }
                if let event = outbox.handle(
                    error: code, reportID: id, message: text, expected: expected, now: now)
                {
                    answers.append(event)
                } else {
                    logger.notice(
                        "a national node answered with an error",
                        metadata: [
                            "error.code": "\(code.rawValue)", "report.id": "\(id?.rawValue ?? "-")",
                            "error": "\(text)",
                        ])
                }
            case .heartbeat(let beat):
                selection.heard(link.role, beat: beat, now: now)
                if link === target {
                    nodeUnreachableSince = nil
                    mirrorActions += mirror.receive(decoded, now: now)
                } else if beat.role == .active {
                    followActive()
                }
            case .welcome(_, let nodeLast, let nextOriginSeq, let starts):
                trimHistory(to: starts, nodeLast: nodeLast)
                // WELCOME answers only HELLO: this node serves us (after our vote, too).
                if selection.served(by: link.role) != nil {
                    logger.notice(
                        "following the national node",
                        metadata: ["node": "\(link.role.rawValue)", "reason": "it answered our HELLO"])
                    outbox.connectionReset()
                    if let resend = outbox.welcomed(nextOriginSeq: nextOriginSeq) { answers.append(resend) }
                }
                mirrorActions += mirror.receive(decoded, now: now)
            case .auditHead(let checkpoint):
                keep(checkpoint)
            default:
                // The picture stream counts only from the node we follow.
                if link === target { mirrorActions += mirror.receive(decoded, now: now) }
            }
        }
        record(answers, at: wall)
        perform(mirrorActions)
        if mirror.applied != statusSentFor { sendStatus() }
        flushOutbox()
    }

    /// Keeps a checkpoint of the node's audit chain that the node's audit key signed: a chain
    /// rewritten later at the node no longer matches what this daemon holds (`audit verify`).
    private func keep(_ checkpoint: AuditCheckpoint) {
        guard let key = nodeAuditKey, checkpoint.verifies(with: key) else {
            logger.warning(
                "an audit checkpoint does not verify with the node's audit key; not kept",
                metadata: ["audit.seq": "\(checkpoint.seq)"])
            return
        }
        do {
            try store.saveCheckpoint(checkpoint)
        } catch {
            logger.error("could not keep an audit checkpoint", metadata: ["error": "\(error)"])
        }
    }

    /// A mirror that applied entries a node pair later discarded (acknowledged alone during a
    /// partition, or past the log of a node that restarted) drops those history rows; its
    /// picture is then replaced by the snapshot the node sends. Only an active node answers
    /// HELLO, so `nodeLast` and `nodeStarts` describe the log we follow from now on.
    private func trimHistory(to nodeStarts: [PairMessage.EpochStart], nodeLast: SequenceNumber) {
        // A node that does not describe its epochs tells us nothing to compare against.
        guard !nodeStarts.isEmpty else { return }
        do {
            let dropped = try store.dropHistory(notIn: nodeStarts, nodeLast: nodeLast)
            if dropped > 0 {
                logger.warning(
                    "dropped history the national node no longer holds",
                    metadata: ["rows": "\(dropped)", "node.seq": "\(nodeLast)"])
            }
        } catch {
            storageFailed(error)
        }
    }

    /// Persists the node's answers, tells waiting publishers, reseals stale reports.
    private func record(_ answers: [OutboxEvent], at wall: Int64) {
        guard !answers.isEmpty else { return }
        do {
            try store.record(answers, at: wall)
        } catch {
            storageFailed(error)
        }
        for answer in answers {
            switch answer {
            case .accepted(let item, let ack):
                notify(
                    item.id,
                    [
                        Array(OperatorReply.accepted.utf8), Array(item.id.rawValue.utf8),
                        Array(String(ack.epoch).utf8),
                        Array(String(ack.sequence).utf8), Array((ack.degraded ? "degraded" : "").utf8),
                    ])
            case .rejected(let item, let code, let message):
                logger.notice(
                    "report refused by the node",
                    metadata: [
                        "report.id": "\(item.id)", "error.code": "\(code.rawValue)", "error": "\(message)",
                    ])
                notify(
                    item.id,
                    [
                        Array(OperatorReply.rejected.utf8), Array(item.id.rawValue.utf8),
                        Array(String(code.rawValue).utf8), Array(message.utf8),
                    ])
            case .reseal(let item):
                reseal(item)
            case .resend(let from, let below):
                do {
                    let items = try store.requeue(from: from, below: below)
                    outbox.restore(items)
                    logger.warning(
                        "the national node lost reports it had acknowledged alone; sending them again",
                        metadata: ["origin.seq": "\(from)..<\(below)", "reports": "\(items.count)"])
                } catch {
                    storageFailed(error)
                }
            }
        }
    }

    private func reseal(_ item: QueuedReport) {
        do {
            guard let bytes = try store.document(of: item.id) else { return }
            let resealed = try item.resealed(
                document: bytes, originSeq: outbox.nextOriginSeq, created: nowTimestamp(),
                signingKey: secrets.signing, codec: documentCodec, random: &random)
            try store.reseal(resealed)
            outbox.requeue(resealed)
            logger.warning(
                "the node had used this report's origin sequence already; sent again with a new one",
                metadata: ["report.id": "\(item.id)", "origin.seq": "\(resealed.originSeq)"])
        } catch {
            logger.error(
                "could not reseal a report", metadata: ["report.id": "\(item.id)", "error": "\(error)"])
        }
    }

    private func perform(_ actions: [MirrorAction]) {
        var batch: [Update] = []
        func flush() {
            guard !batch.isEmpty else { return }
            do { try store.apply(batch) } catch { storageFailed(error) }
            batch.removeAll()
        }
        for action in actions {
            switch action {
            case .persist(let updates): batch += updates
            case .replace(let entries, let sequence, let epoch):
                flush()
                do { try store.replace(with: entries, sequence: sequence, epoch: epoch) } catch {
                    storageFailed(error)
                }
                logger.info(
                    "mirror replaced by a snapshot",
                    metadata: ["report.seq": "\(sequence)", "entries": "\(entries.count)"])
            case .send(let message):
                flush()
                sendToNode(message)
            case .warn(let text):
                logger.warning("\(text)")
            }
        }
        flush()
    }

    private func storageFailed(_ error: any Error) -> Never {
        logger.critical("storage failure: stopping", metadata: ["error": "\(error)"])
        exit(70)
    }

    private func flushOutbox() {
        guard connected else { return }
        for report in outbox.due(now: .now) { sendToNode(.submit(report)) }
    }

    /// Tells every node we are connected to what we applied (so a standby's liveness board is
    /// current the moment it takes over).
    private func sendStatus() {
        guard connected else { return }
        statusSentFor = mirror.applied
        let status = currentStatus()
        for link in links where selection.nodes[link.role]?.connected == true {
            send(.status(status), to: link)
        }
    }

    private func currentStatus() -> DaemonStatus {
        let wall = Self.wallClock()
        return DaemonStatus(
            applied: mirror.applied, epoch: mirror.picture.lastEpoch, viewHash: mirror.hash.hex,
            outboxBacklog: outbox.backlog, oldestQueuedMs: outbox.oldestAge(now: wall), pid: getpid(),
            sentAt: wall)
    }

    private func tick() {
        sendStatus()
        let now = ContinuousClock.now
        if !links.contains(where: { selection.isAlive($0.role, now: now) }), nodeUnreachableSince == nil {
            nodeUnreachableSince = Self.wallClock()
            logger.warning("no national node answers")
        }
    }

    func nowTimestamp() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Self.wallClock()).inAmsterdam
    }

    // MARK: Operator interface

    private func serveOperator() {
        // Reports handed over in one round are stored in one transaction (one fsync).
        var batch: [PreparedReport] = []
        // The accounts are read once per person and round: a tool handing over many reports
        // at once names the same person in each.
        var people: [PersonCredential: Result<Person, PeopleError>] = [:]
        for _ in 0..<256 {
            guard let message = try? operatorSocket.receive(dontWait: true, maxFrames: 3) else { break }
            guard message.frames.count >= 2 else { continue }
            let routing = message.frames[0]
            guard let parts = message.unpacked(routed: true, maxParts: 8), parts.count >= 2,
                parts[0] == protocolSignature
            else {
                reply(
                    routing,
                    error: Problem(.unsupportedProtocol, field: "message", "expected one packed KNP1 frame"))
                continue
            }
            let body = Array(parts[2...])
            switch OperatorCommand(rawValue: String(decoding: parts[1], as: UTF8.self)) {
            case .publish:
                if let prepared = prepare(routing, body, after: batch, people: &people) {
                    batch.append(prepared)
                }
            case .report:
                guard let text = body.first, let id = ReportID(String(decoding: text, as: UTF8.self)) else {
                    reply(routing, error: Problem(.invalidID, field: "report", "not a report id"))
                    continue
                }
                var state =
                    (try? store.state(of: id))?.json ?? ["id": .string(id.rawValue), "state": "unknown"]
                // The police sees its own labels on its own reports (they never leave this store).
                if organisation == .police, let labels = try? store.policeLabels(of: id), !labels.isEmpty,
                    var object = state.objectValue
                {
                    object["policeLabels"] = .array(labels.map { .string($0) })
                    state = .object(object)
                }
                reply(routing, OperatorReply.reportState, [JSONWriter.canonical(state)])
            case .status:
                reply(routing, OperatorReply.status, [JSONWriter.canonical(statusJSON())])
            case .picture:
                reply(routing, OperatorReply.picture, [JSONWriter.canonical(pictureJSON())])
            case nil:
                reply(routing, error: Problem(.unknownCommand, field: "command", "unknown command"))
            }
        }
        enqueue(batch)
    }

    /// A report checked, sealed and ready to be stored.
    private struct PreparedReport {
        let routing: [UInt8]
        let item: QueuedReport
        let document: [UInt8]
        let bodyHash: String
        let type: ReportType
        /// Police-internal labels, kept in our store with the report, never in it.
        let policeLabels: [PoliceLabel]
        /// Who published it (user name), for the log.
        let person: String
    }

    /// Checks and seals one PUBLISH; answers refusals itself and returns nil for them.
    private func prepare(
        _ routing: [UInt8], _ body: [[UInt8]], after batch: [PreparedReport],
        people known: inout [PersonCredential: Result<Person, PeopleError>]
    ) -> PreparedReport? {
        guard body.count == 2 else {
            reply(
                routing,
                error: Problem(.wrongFrameCount, field: "PUBLISH", "PUBLISH takes a document and options"))
            return nil
        }
        let publishOptions = try? JSONParser.parse(body[1])
        let again = publishOptions?["again"]?.boolValue ?? false
        let policeLabels: [PoliceLabel]
        do {
            policeLabels = try policeInternal.labels(
                (publishOptions?["policeLabels"]?.arrayValue ?? []).compactMap(\.stringValue),
                for: organisation)
        } catch {
            reply(routing, error: error)
            return nil
        }
        var document: ReportDocument
        do {
            document = try documentCodec.decode(try DocumentReader.read(body[0]))
        } catch {
            reply(routing, problems: error)
            return nil
        }
        guard
            let person = person(
                publishing: document.body.type, publishOptions?["person"], routing, known: &known)
        else {
            return nil
        }
        // The person who published is the author (and the one who acknowledges), whatever
        // the document said: the name in the signed envelope is one this daemon checked.
        document.author = Self.author(person, scripted: document.exercise ? document.author : nil)
        if case .ack(var acknowledgement) = document.body {
            acknowledgement.by = document.author ?? person.author
            document.body = .ack(acknowledgement)
        }
        let canonical = JSONWriter.canonical(documentCodec.encode(document))
        var withoutID = document
        withoutID.id = nil
        let bodyHash = Hex.encode(SHA256.hash(data: JSONWriter.canonical(documentCodec.encode(withoutID))))
        let wall = Self.wallClock()
        if let id = document.id {
            let known =
                (try? store.state(of: id))?.originSeq ?? batch.first { $0.item.id == id }?.item.originSeq
            if let known {
                // The same report handed over again (a retry): answer with what we know.
                waiting[id] = routing
                reply(routing, OperatorReply.queued, [Array(id.rawValue.utf8), Array(String(known).utf8)])
                return nil
            }
        }
        if !again {
            let window = options.duplicateWindow.components.seconds * 1000
            let previous =
                (try? store.recentReport(bodyHash: bodyHash, since: wall - window))
                ?? batch.first { $0.bodyHash == bodyHash }?.item.id
            if let previous {
                reply(
                    routing,
                    error: Problem(
                        .duplicateSubmission, field: "$",
                        "the same report was handed over less than \(options.duplicateWindow) ago as \(previous); send it again with --again if you mean to"
                    ),
                    detail: ["previous": .string(previous.rawValue)])
                return nil
            }
        }
        guard outbox.backlog + batch.count < outbox.limits.capacity else {
            reply(
                routing,
                error: Problem(
                    .outboxFull, field: "outbox",
                    "the outbox holds \(outbox.limits.capacity) unsent reports; the national node may be unreachable"
                ))
            return nil
        }
        let id = document.id ?? ReportID.random(using: &random)
        let item = QueuedReport(
            report: SealedReport.seal(
                document, id: id, origin: organisation, originSeq: outbox.nextOriginSeq + UInt64(batch.count),
                created: nowTimestamp(), signingKey: secrets.signing, codec: documentCodec, random: &random),
            queuedAt: wall)
        return PreparedReport(
            routing: routing, item: item, document: canonical, bodyHash: bodyHash, type: document.body.type,
            policeLabels: policeLabels, person: person.username)
    }

    /// The author a report gets: the person who published it. An exercise report keeps the
    /// role its script plays in front ("Operationeel Leider VR09 · Oefenscript (oefenscript)"),
    /// so the exercise's timeline reads like the day it plays, and still names who sent it.
    static func author(_ person: Person, scripted: String?) -> String {
        guard let scripted = scripted?.trimmingCharacters(in: .whitespaces), !scripted.isEmpty,
            scripted != person.author
        else { return person.author }
        let suffix = " · " + person.author
        return String(scripted.prefix(max(0, DocumentLimits.nameCharacters - suffix.count))) + suffix
    }

    /// The person behind a PUBLISH, if they are one of this organisation's people and their
    /// role allows `type`; otherwise answers the refusal (E800–E805) and returns nil.
    private func person(
        publishing type: ReportType, _ json: JSONValue?, _ routing: [UInt8],
        known: inout [PersonCredential: Result<Person, PeopleError>]
    ) -> Person? {
        guard let credential = PersonCredential(json: json) else {
            reply(
                routing,
                error: Problem(
                    .notSignedIn, field: "person",
                    "\(organisation)'s daemon accepts reports only from its own people: publish with --token-file or --user (see knooppunt users)"
                ))
            return nil
        }
        let outcome: Result<Person, PeopleError>
        do {
            outcome = try known[credential] ?? people.authenticate(credential, now: Self.wallClock())
            known[credential] = outcome
        } catch {
            reply(
                routing,
                error: Problem(
                    .storageFailure, field: "person", "cannot read the accounts of \(organisation)"))
            return nil
        }
        switch outcome {
        case .failure(let refusal):
            reply(routing, error: Problem(refusal.code, field: "person", refusal.message))
            return nil
        case .success(let person):
            if let refusal = RolePolicy.check(person.role, RolePolicy.action(publishing: type)) {
                reply(routing, error: Problem(refusal.code, field: "person", refusal.message))
                return nil
            }
            return person
        }
    }

    /// Stores a batch (one fsync), then queues it and answers "queued".
    private func enqueue(_ batch: [PreparedReport]) {
        guard !batch.isEmpty else { return }
        do {
            var labels: [ReportID: [PoliceLabel]] = [:]
            for prepared in batch where !prepared.policeLabels.isEmpty {
                labels[prepared.item.id] = prepared.policeLabels
            }
            try store.enqueue(batch.map { ($0.item, $0.document, $0.bodyHash) }, policeLabels: labels)
        } catch {
            for prepared in batch {
                reply(
                    prepared.routing,
                    error: Problem(.storageFailure, field: "outbox", "could not store the report: \(error)"))
            }
            return
        }
        for prepared in batch {
            let item = prepared.item
            precondition(outbox.enqueue(item), "capacity was checked when the report was prepared")
            if waiting.count >= options.maxWaitingPublishers { waiting.removeAll() }
            waiting[item.id] = prepared.routing
            reply(
                prepared.routing, OperatorReply.queued,
                [Array(item.id.rawValue.utf8), Array(String(item.originSeq).utf8)])
            logger.info(
                "report queued",
                metadata: [
                    "report.id": "\(item.id)", "origin.seq": "\(item.originSeq)",
                    "type": "\(prepared.type.rawValue)", "person": "\(prepared.person)",
                ])
        }
        flushOutbox()
    }

    private func notify(_ id: ReportID, _ frames: [[UInt8]]) {
        guard let routing = waiting.removeValue(forKey: id) else { return }
        _ = try? operatorSocket.sendPacked([protocolSignature] + frames, routing: routing, dontWait: true)
    }

    private func reply(_ routing: [UInt8], _ command: String, _ frames: [[UInt8]]) {
        _ = try? operatorSocket.sendPacked(
            [protocolSignature, Array(command.utf8)] + frames, routing: routing, dontWait: true)
    }

    private func reply(_ routing: [UInt8], error problem: Problem, detail: JSONValue = [:]) {
        reply(routing, problems: Problems(problem), detail: detail)
    }

    private func reply(_ routing: [UInt8], problems: Problems, detail: JSONValue = [:]) {
        var object = detail.objectValue ?? [:]
        object["problems"] = .array(
            problems.problems.map {
                [
                    "code": .integer(Int64($0.code.rawValue)), "name": .string($0.code.name),
                    "field": .string($0.field), "message": .string($0.message),
                ]
            })
        reply(
            routing, OperatorReply.error,
            [
                Array(String(problems.first.code.rawValue).utf8), Array(problems.first.message.utf8),
                JSONWriter.canonical(.object(object)),
            ])
    }

    func statusJSON() -> JSONValue {
        let wall = Self.wallClock()
        let counts = (try? store.outboxCounts()) ?? (0, 0)
        func describe(_ link: NodeLink) -> [String: JSONValue] {
            let state = selection.nodes[link.role]
            var object: [String: JSONValue] = [
                "role": .string(link.role.rawValue), "connected": .bool(state?.connected ?? false),
                "endpoint": .string(link.endpoint), "followed": .bool(link === target),
            ]
            if let beat = state?.beat {
                object["state"] = .string(beat.role.rawValue)
                object["epoch"] = .integer(Int64(beat.epoch))
                object["lastSequence"] = .integer(Int64(beat.lastSequence))
                object["degraded"] = .bool(beat.degraded)
            }
            if let heard = state?.lastHeard {
                let ago = ContinuousClock.now - heard
                object["lastHeardMsAgo"] = .integer(
                    ago.components.seconds * 1000 + ago.components.attoseconds / 1_000_000_000_000_000)
            }
            return object
        }
        var node: [String: JSONValue] = target.map(describe) ?? ["connected": false]
        node["nodes"] = .array(links.map { .object(describe($0)) })
        if let since = nodeUnreachableSince { node["unreachableSince"] = .integer(since) }
        return [
            "organisation": .string(organisation.rawValue), "pid": .integer(Int64(getpid())),
            "time": .integer(wall),
            "node": .object(node),
            "mirror": [
                "applied": .integer(Int64(mirror.applied)),
                "epoch": .integer(Int64(mirror.picture.lastEpoch)),
                "viewHash": .string(mirror.hash.hex), "entries": .integer(Int64(mirror.picture.count)),
            ],
            "outbox": [
                "queued": .integer(Int64(outbox.backlog)),
                "capacity": .integer(Int64(outbox.limits.capacity)),
                "oldestQueuedMs": .integer(outbox.oldestAge(now: wall)),
                "accepted": .integer(Int64(counts.0)),
                "rejected": .integer(Int64(counts.1)), "nextOriginSeq": .integer(Int64(outbox.nextOriginSeq)),
            ],
            "synchronous": .integer(Int64((try? store.synchronousLevel()) ?? -1)),
        ]
    }

    func pictureJSON() -> JSONValue {
        var entries: [JSONValue] = []
        for entry in mirror.picture.entries.values.sorted(by: { $0.sequence < $1.sequence }) {
            entries.append([
                "key": .string(entry.key), "sequence": .integer(Int64(entry.sequence)),
                "epoch": .integer(Int64(entry.epoch)),
                "committedAt": .integer(entry.committedAt), "report": entry.report.visibleJSON,
            ])
        }
        return [
            "organisation": .string(organisation.rawValue), "sequence": .integer(Int64(mirror.applied)),
            "viewHash": .string(mirror.hash.hex), "entries": .array(entries),
        ]
    }
}
