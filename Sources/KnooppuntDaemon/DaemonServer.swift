import Crypto
import Foundation
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
    var outbox: Outbox
    var mirror: Mirror
    let uplink: ZMQSocket
    let uplinkMonitor: ZMQSocket
    let operatorSocket: ZMQSocket
    let secrets: OrganisationSecrets
    let documentCodec = DocumentCodec()
    let messageCodec = MessageCodec()
    var random = SystemRandomNumberGenerator()
    var connected = false
    var nodeLastHeard: ContinuousClock.Instant?
    var nodeLastHeartbeat: Heartbeat?
    var nodeUnreachableSince: Int64?
    /// Publishers waiting for the node's answer, by report id.
    var waiting: [ReportID: [UInt8]] = [:]
    var statusSentFor: SequenceNumber = .max
    unowned let loop: LoopContext

    var organisation: OrganisationCode { options.organisation }

    init(options: DaemonOptions, loop: LoopContext) throws {
        self.options = options
        self.logger = options.logger
        self.loop = loop
        let folder = options.folder.daemonFolder(options.organisation)
        try DataFolder.makeOwnerOnly(folder)
        secrets = try OrganisationSecrets.load(from: options.folder.keyFile(options.organisation))
        store = try DaemonStore(path: options.folder.daemonStore(options.organisation).path)
        let loaded = try store.loadOutbox()
        outbox = Outbox(limits: options.outbox, lastOriginSeq: loaded.lastOriginSeq, queued: loaded.queued)
        let view = View.organisation(options.organisation)
        mirror = Mirror(
            view: view, picture: try store.loadMirror(view: view),
            verifyingKeys: options.network.verifyingKeys,
            limits: options.mirror)

        uplink = try loop.socket(.dealer, name: "\(options.organisation).uplink")
        try uplink.set([
            .linger(.seconds(1)), .maxMessageSize(WireLimits.maxMessageBytes), .immediate(true),
            .receiveHighWaterMark(50_000), .sendHighWaterMark(10_000),
            .heartbeatInterval(.seconds(2)), .heartbeatTimeout(.seconds(6)),
            .reconnectInterval(.milliseconds(100)), .reconnectIntervalMax(.seconds(2)),
            .curvePublicKey(secrets.curve.publicKey), .curveSecretKey(secrets.curve.secretKey),
            .curveServerKey(options.network.nodeCurvePublicKey),
        ])
        uplinkMonitor = try uplink.monitor(context: loop.context)
        loop.adopt(uplinkMonitor)
        try uplink.connect(options.network.nodeEndpoint)

        operatorSocket = try loop.socket(.router, name: "\(options.organisation).operator")
        try operatorSocket.set([
            .linger(.zero), .routerMandatory(true),
            .maxMessageSize(Int64(DocumentLimits.documentBytes + 4096)),
        ])
        let endpoint = options.folder.operatorEndpoint(options.organisation)
        // A stale socket file from a killed daemon would make bind fail; the lock file says we own the folder.
        unlink(String(endpoint.dropFirst("ipc://".count)))
        try operatorSocket.bind(endpoint)

        loop.register(uplink) { [unowned self] _, _ in self.serveUplink() }
        loop.register(uplinkMonitor) { [unowned self] _, _ in self.serveMonitor() }
        loop.register(operatorSocket) { [unowned self] _, _ in self.serveOperator() }
        loop.every(options.statusInterval) { [unowned self] in self.tick() }
        loop.every(.milliseconds(100)) { [unowned self] in self.flushOutbox() }
        logger.info(
            "daemon started",
            metadata: [
                "org": "\(organisation)", "node.endpoint": "\(options.network.nodeEndpoint)",
                "mirror.applied": "\(mirror.applied)", "outbox.backlog": "\(outbox.backlog)",
            ])
    }

    static func wallClock() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: Node connection

    private func serveMonitor() {
        while let event = try? MonitorEvent.receive(from: uplinkMonitor) {
            switch event.kind {
            case .handshakeSucceeded:
                connected = true
                logger.info("connected to the national node", metadata: ["node.endpoint": "\(event.address)"])
                outbox.connectionReset()
                sendToNode(mirror.hello(role: options.role))
                flushOutbox()
            case .disconnected:
                if connected {
                    logger.warning("lost the national node", metadata: ["node.endpoint": "\(event.address)"])
                }
                connected = false
            case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
                logger.error(
                    "the national node refused our handshake: check this organisation's keys in network.json",
                    metadata: ["event": "\(event)"])
            default:
                break
            }
        }
    }

    private func sendToNode(_ message: ClientMessage) {
        do {
            _ = try uplink.sendPacked(MessageCodec.encode(message), dontWait: true)
        } catch {
            logger.warning("send to node failed", metadata: ["error": "\(error)"])
        }
    }

    private func serveUplink() {
        let now = ContinuousClock.now
        let wall = Self.wallClock()
        var answers: [OutboxEvent] = []
        var mirrorActions: [MirrorAction] = []
        for _ in 0..<4_096 {
            guard let message = try? uplink.receive(dontWait: true, maxFrames: 2) else { break }
            nodeLastHeard = now
            nodeUnreachableSince = nil
            let decoded: ServerMessage
            do {
                guard let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) else {
                    throw Problem(.wrongFrameCount, field: "message", "not one packed KNP/1 frame")
                }
                decoded = try messageCodec.decodeServer(parts)
            } catch {
                logger.warning("unreadable message from the node", metadata: ["error": "\(error)"])
                continue
            }
            switch decoded {
            case .ack(let ack):
                if let event = outbox.handle(ack, now: now) { answers.append(event) }
            case .error(let id, let code, let text, _):
                if let event = outbox.handle(error: code, reportID: id, message: text, now: now) {
                    answers.append(event)
                } else {
                    logger.notice(
                        "node answered with an error",
                        metadata: [
                            "error.code": "\(code.rawValue)", "report.id": "\(id?.rawValue ?? "-")",
                            "error": "\(text)",
                        ])
                }
            case .heartbeat(let beat):
                nodeLastHeartbeat = beat
                mirrorActions += mirror.receive(decoded, now: now)
            default:
                mirrorActions += mirror.receive(decoded, now: now)
            }
        }
        record(answers, at: wall)
        perform(mirrorActions)
        if mirror.applied != statusSentFor { sendStatus() }
        flushOutbox()
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
            }
        }
    }

    private func reseal(_ item: QueuedReport) {
        do {
            guard let bytes = try store.document(of: item.id) else { return }
            let document = try documentCodec.decode(try DocumentReader.parseJSON(bytes, field: "$"))
            let resealed = QueuedReport(
                report: SealedReport.seal(
                    document, id: item.id, origin: organisation, originSeq: outbox.nextOriginSeq,
                    created: nowTimestamp(),
                    signingKey: secrets.signing, codec: documentCodec, random: &random),
                queuedAt: item.queuedAt)
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

    private func sendStatus() {
        guard connected else { return }
        statusSentFor = mirror.applied
        sendToNode(.status(currentStatus()))
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
        if let heard = nodeLastHeard, now - heard > options.nodeSilence, nodeUnreachableSince == nil {
            nodeUnreachableSince = Self.wallClock()
            logger.warning("no heartbeat from the national node", metadata: ["silence": "\(now - heard)"])
        }
    }

    func nowTimestamp() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Self.wallClock()).inAmsterdam
    }

    // MARK: Operator interface

    private func serveOperator() {
        // Reports handed over in one round are stored in one transaction (one fsync).
        var batch: [PreparedReport] = []
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
                if let prepared = prepare(routing, body, after: batch) { batch.append(prepared) }
            case .report:
                guard let text = body.first, let id = ReportID(String(decoding: text, as: UTF8.self)) else {
                    reply(routing, error: Problem(.invalidID, field: "report", "not a report id"))
                    continue
                }
                let state = try? store.state(of: id)
                reply(
                    routing, OperatorReply.reportState,
                    [JSONWriter.canonical(state?.json ?? ["id": .string(id.rawValue), "state": "unknown"])])
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
    }

    /// Checks and seals one PUBLISH; answers refusals itself and returns nil for them.
    private func prepare(
        _ routing: [UInt8], _ body: [[UInt8]], after batch: [PreparedReport]
    ) -> PreparedReport? {
        guard body.count == 2 else {
            reply(
                routing,
                error: Problem(.wrongFrameCount, field: "PUBLISH", "PUBLISH takes a document and options"))
            return nil
        }
        let again = (try? JSONParser.parse(body[1]))?["again"]?.boolValue ?? false
        let document: ReportDocument
        do {
            document = try documentCodec.decode(try DocumentReader.read(body[0]))
        } catch {
            reply(routing, problems: error)
            return nil
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
            routing: routing, item: item, document: canonical, bodyHash: bodyHash, type: document.body.type)
    }

    /// Stores a batch (one fsync), then queues it and answers "queued".
    private func enqueue(_ batch: [PreparedReport]) {
        guard !batch.isEmpty else { return }
        do {
            try store.enqueue(batch.map { ($0.item, $0.document, $0.bodyHash) })
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
                    "type": "\(prepared.type.rawValue)",
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
        var node: [String: JSONValue] = [
            "connected": .bool(connected), "endpoint": .string(options.network.nodeEndpoint),
        ]
        if let beat = nodeLastHeartbeat {
            node["role"] = .string(beat.role.rawValue)
            node["epoch"] = .integer(Int64(beat.epoch))
            node["lastSequence"] = .integer(Int64(beat.lastSequence))
            node["degraded"] = .bool(beat.degraded)
        }
        if let heard = nodeLastHeard {
            let ago = ContinuousClock.now - heard
            node["lastHeardMsAgo"] = .integer(
                ago.components.seconds * 1000 + ago.components.attoseconds / 1_000_000_000_000_000)
        }
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
