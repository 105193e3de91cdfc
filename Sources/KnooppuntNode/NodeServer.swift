import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import Logging
import StrictJSON
import ZeroMQ

/// The national node: accepts reports, makes them durable, acknowledges them and streams
/// the picture to every party in its own view (docs/PROTOCOL.md §5).
///
/// All sockets and the store belong to one poll-loop thread. A batch of submits is decided,
/// committed with one fsync, and only then acknowledged and published.
public final class NodeServer: Sendable {
    let options: NodeOptions
    let context: ZMQContext
    let loop: PollLoop
    let zap: ZAPHandler
    private let state = LoopBound<NodeLoop>()

    public init(options: NodeOptions) throws {
        self.options = options
        context = ZMQContext()
        let logger = options.logger
        // Every organisation in the network config is admitted on the node endpoint with its
        // code as identity; nobody else gets in.
        var allowlist: [String: ZAPEntry] = [:]
        for (code, keys) in options.network.organisations {
            allowlist[keys.curvePublicKey] = ZAPEntry(identity: code.rawValue, domains: ["node"])
        }
        zap = try ZAPHandler(context: context, logger: logger, allowlist: allowlist) { refusal in
            logger.warning(
                "refused connection",
                metadata: [
                    "peer.address": "\(refusal.peerAddress)", "reason": "\(refusal.reason)",
                    "key": "\(refusal.publicKey ?? "-")",
                ])
        }
        loop = PollLoop(name: "node", context: context, logger: logger)
    }

    /// Opens the store, binds the sockets and starts serving. Returns once it serves.
    public func start() throws {
        let options = self.options
        let state = self.state
        try loop.start { loop in
            let node = try NodeLoop(options: options, loop: loop)
            state.set(node)
        }
    }

    /// Stops serving: sockets close (with their linger), the context terminates.
    public func stop() {
        loop.shutdown()
        zap.stop()
        context.terminate()
    }
}

/// The node's state on its loop thread.
final class NodeLoop {
    let options: NodeOptions
    let logger: Logger
    let store: NodeStore
    var coordinator: Coordinator
    var picture: Picture
    let router: ZMQSocket
    let control: ZMQSocket
    let chpPublisher: ZMQSocket?
    let chpSnapshot: ZMQSocket?
    var sessions: [[UInt8]: Session] = [:]
    var board: [OrganisationCode: BoardEntry] = [:]
    var refusals: [ErrorCode: Int] = [:]
    var jobsTimerArmed = false
    var committedBatches = 0
    var committedReports = 0
    /// Time spent in commits (the fsync included), for the status and the benchmark.
    var commitTime: Duration = .zero
    let crashPoint = CrashPoint.fromEnvironment()
    unowned let loop: LoopContext
    let role: NodeRole = .standalone

    init(options: NodeOptions, loop: LoopContext) throws {
        self.options = options
        self.logger = options.logger
        self.loop = loop
        try DataFolder.makeOwnerOnly(options.folder.nodeFolder)
        store = try NodeStore(path: options.folder.nodeStore.path)
        let loaded = try store.load(views: Picture.allViews)
        picture = loaded.picture
        coordinator = Coordinator(
            epoch: loaded.epoch, lastSequence: loaded.picture.lastSequence,
            lastOriginSeq: loaded.lastOriginSeq,
            incidents: loaded.incidents, verifyingKeys: options.network.verifyingKeys, codec: DocumentCodec())

        let serverKey = try options.folder.loadNodeServerKey()
        router = try loop.socket(.router, name: "node.router")
        try router.set([
            .linger(options.linger), .routerMandatory(true), .maxMessageSize(WireLimits.maxMessageBytes),
            .sendHighWaterMark(options.sendHighWaterMark),
            .receiveHighWaterMark(options.receiveHighWaterMark),
            .heartbeatInterval(.seconds(2)), .heartbeatTimeout(.seconds(6)), .curveServer(true),
            .curveSecretKey(serverKey.secretKey), .zapDomain("node"),
        ])
        try router.bind(options.network.nodeBind)

        control = try loop.socket(.router, name: "node.control")
        try control.set([.linger(.zero), .routerMandatory(true), .maxMessageSize(64 * 1024)])
        try control.bind(options.folder.nodeControlEndpoint)

        if let base = options.network.chpBasePort {
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
        loop.register(control) { [unowned self] _, _ in self.serveControl() }
        if let chpSnapshot { loop.register(chpSnapshot) { [unowned self] _, _ in self.serveCHPSnapshot() } }
        loop.every(options.heartbeatInterval) { [unowned self] in self.heartbeat() }
        logger.info(
            "national node serving",
            metadata: [
                "node.endpoint": "\(options.network.nodeBind)", "report.seq": "\(picture.lastSequence)",
                "node.epoch": "\(coordinator.epoch)", "picture.entries": "\(picture.count)",
                "chp":
                    "\(options.network.chpBasePort.map { "tcp://\(options.network.chpHost):\($0)" } ?? "off")",
            ])
    }

    var epoch: Epoch { coordinator.epoch }
    var lastSequence: SequenceNumber { coordinator.lastSequence }
    static func wallClock() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: The node endpoint

    private struct Pending {
        var accepted: [(routing: [UInt8], update: Update, document: ReportDocument)] = []
        var rejected: [(routing: [UInt8], rejection: Rejection)] = []
        var outcomes: [ReportID: PastOutcome] = [:]
        /// Answers that must wait for the commit (duplicates of reports in this batch).
        var repeats: [(routing: [UInt8], outcome: PastOutcome)] = []
        var hellos: [(Session, SequenceNumber, Epoch)] = []
        var fetches: [(Session, SequenceNumber, SequenceNumber)] = []
    }

    func serveRouter() {
        var messages: [Message] = []
        while messages.count < options.batchLimit {
            do {
                // A KNP message is one packed frame after the routing id; anything longer is refused.
                guard let message = try router.receive(dontWait: true, maxFrames: 3) else { break }
                messages.append(message)
            } catch {
                logger.error("receive failed", metadata: ["error": "\(error)"])
                break
            }
        }
        guard !messages.isEmpty else { return }
        let now = ContinuousClock.now
        let wall = Self.wallClock()
        var pending = Pending()
        let codec = MessageCodec()
        for message in messages {
            guard message.frames.count >= 2 else { continue }
            let routing = message.frames[0]
            // ZAP gives every admitted connection its organisation as User-Id.
            guard let userID = message.userId, let organisation = OrganisationCode(userID) else {
                refuse(
                    routing, nil, Problem(.originMismatch, field: "User-Id", "connection has no organisation")
                )
                continue
            }
            let session =
                sessions[routing] ?? Session(routingID: routing, organisation: organisation, now: now)
            sessions[routing] = session
            session.lastHeard = now
            guard let parts = message.unpacked(routed: true, maxParts: WireLimits.maxFrames + 1) else {
                refuse(
                    routing, nil,
                    Problem(
                        .wrongFrameCount, field: "message",
                        "a KNP/1 message is one frame packing at most \(WireLimits.maxFrames) parts"))
                continue
            }
            let decoded: ClientMessage
            do {
                decoded = try codec.decodeClient(parts)
            } catch {
                logger.notice(
                    "refused message",
                    metadata: [
                        "org": "\(organisation)", "error.code": "\(error.code.rawValue)", "error": "\(error)",
                    ])
                refuse(routing, nil, error)
                continue
            }
            switch decoded {
            case .submit(let report):
                decide(report, from: session, now: wall, pending: &pending)
            case .hello(let applied, let helloEpoch, let role):
                session.role = role
                pending.hellos.append((session, applied, helloEpoch))
            case .fetch(let from, let to):
                pending.fetches.append((session, from, to))
            case .status(let status):
                board[organisation] = BoardEntry(
                    lastHeard: now, lastHeardWall: wall, status: status, role: session.role)
            }
        }
        commit(&pending, at: wall)
        for (session, applied, helloEpoch) in pending.hellos {
            hello(session, applied: applied, epoch: helloEpoch)
        }
        for (session, from, to) in pending.fetches { fetch(session, from: from, to: to) }
        pumpJobs()
    }

    private func decide(_ report: SealedReport, from session: Session, now: Int64, pending: inout Pending) {
        let decision = coordinator.decide(report, sender: session.organisation, now: now) { id in
            if let outcome = pending.outcomes[id] { return outcome }
            do {
                return try store.outcome(of: id)
            } catch {
                storageFailed(error)
            }
        }
        switch decision {
        case .accept(let update, let document):
            pending.accepted.append((session.routingID, update, document))
            pending.outcomes[report.id] = .accepted(
                Ack(
                    reportID: report.id, epoch: update.epoch, sequence: update.sequence,
                    originSeq: report.envelope.originSeq, duplicate: true),
                origin: session.organisation)
        case .rejectAndConsume(let rejection):
            pending.rejected.append((session.routingID, rejection))
            pending.outcomes[report.id] = .rejected(rejection)
            count(rejection.problem.code)
            logger.notice(
                "report refused",
                metadata: [
                    "org": "\(session.organisation)", "report.id": "\(report.id)",
                    "error.code": "\(rejection.problem.code.rawValue)",
                    "error": "\(rejection.problem)",
                ])
        case .refuse(let id, let problem, let detail):
            refuse(session.routingID, id, problem, detail: detail)
        case .repeatOutcome(let outcome):
            pending.repeats.append((session.routingID, outcome))
        }
    }

    /// Commits the batch (one transaction, one fsync), then acknowledges and publishes.
    private func commit(_ pending: inout Pending, at now: Int64) {
        if !pending.accepted.isEmpty || !pending.rejected.isEmpty {
            let commitStart = ContinuousClock.now
            do {
                try store.commit(
                    accepted: pending.accepted.map { ($0.update, $0.document) },
                    rejected: pending.rejected.map(\.rejection),
                    at: now)
            } catch {
                storageFailed(error)
            }
            committedBatches += 1
            committedReports += pending.accepted.count + pending.rejected.count
            commitTime += ContinuousClock.now - commitStart
            crashPoint?.check(.afterCommit, batch: committedBatches)
        }
        // Durable: now answer, then publish.
        for item in pending.accepted {
            let report = item.update.report
            send(
                item.routing,
                .ack(
                    Ack(
                        reportID: report.id, epoch: item.update.epoch, sequence: item.update.sequence,
                        originSeq: report.envelope.originSeq)))
        }
        for item in pending.rejected { send(item.routing, rejectionMessage(item.rejection)) }
        for item in pending.repeats {
            switch item.outcome {
            case .accepted(let ack, _): send(item.routing, .ack(ack))
            case .rejected(let rejection): send(item.routing, rejectionMessage(rejection))
            }
        }
        if !pending.accepted.isEmpty { crashPoint?.check(.afterAck, batch: committedBatches) }
        for item in pending.accepted {
            picture.apply(item.update)
            publish(item.update)
        }
    }

    private func rejectionMessage(_ rejection: Rejection) -> ServerMessage {
        .error(
            reportID: rejection.reportID, code: rejection.problem.code, message: rejection.problem.message,
            detail: ["field": .string(rejection.problem.field)])
    }

    private func refuse(_ routing: [UInt8], _ id: ReportID?, _ problem: Problem, detail: JSONValue = [:]) {
        count(problem.code)
        var detail = detail
        if case .object(var object) = detail {
            object["field"] = .string(problem.field)
            detail = .object(object)
        }
        send(routing, .error(reportID: id, code: problem.code, message: problem.message, detail: detail))
    }

    private func count(_ code: ErrorCode) { refusals[code, default: 0] += 1 }

    /// Without durable storage the node must not acknowledge anything: stop, and let the
    /// supervisor restart us from what is on disk.
    private func storageFailed(_ error: any Error) -> Never {
        logger.critical(
            "storage failure: stopping so nothing unconfirmed is acknowledged",
            metadata: ["error": "\(error)"])
        exit(70)
    }

    /// Sends to one party; false when its queue is full or it is gone.
    @discardableResult
    private func send(_ routing: [UInt8], _ message: ServerMessage) -> Bool {
        send(routing, frames: MessageCodec.encode(message))
    }

    private func send(_ routing: [UInt8], frames: [[UInt8]]) -> Bool {
        do {
            return try router.sendPacked(frames, routing: routing, dontWait: true)
        } catch let error as ZMQError where error.isHostUnreachable {
            sessions.removeValue(forKey: routing)
            return false
        } catch {
            logger.warning("send failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    // MARK: The picture stream

    /// Sends a committed update to every party that is live, in its own view.
    private func publish(_ update: Update) {
        var framesByVisibility: [[Bool]: [[UInt8]]] = [:]
        for session in sessions.values where session.subscribed && session.job == nil {
            guard session.sentUpTo == update.sequence - 1 else {
                session.job = .catchUp(next: session.sentUpTo + 1)
                continue
            }
            let visibility = update.report.visibility(for: session.view)
            let frames =
                framesByVisibility[visibility]
                ?? {
                    let projected = Update(
                        sequence: update.sequence, epoch: update.epoch, committedAt: update.committedAt,
                        report: update.report.projected(for: session.view))
                    let encoded = MessageCodec.encode(.update(projected))
                    framesByVisibility[visibility] = encoded
                    return encoded
                }()
            if send(session.routingID, frames: frames) {
                session.sentUpTo = update.sequence
            } else {
                // Its queue is full: it catches up from the log when it has room again.
                session.job = .catchUp(next: update.sequence)
            }
        }
        if let chpPublisher {
            _ = try? chpPublisher.send(CHP.entry(update, withUUID: true), dontWait: true)
        }
    }

    private func hello(_ session: Session, applied: SequenceNumber, epoch helloEpoch: Epoch) {
        session.subscribed = true
        send(
            session.routingID,
            .welcome(
                epoch: epoch, lastSequence: lastSequence,
                nextOriginSeq: coordinator.nextOriginSeq(for: session.organisation)))
        let knownEpoch: Epoch? = applied == 0 ? helloEpoch : (try? store.epoch(of: applied)) ?? nil
        // Replay the log when that is the shorter way (and within the limit); otherwise a
        // snapshot of the latest entry per key.
        let replayLimit = min(options.catchUpLimit, UInt64(max(picture.count, 1)))
        if applied <= lastSequence, knownEpoch == helloEpoch, lastSequence - applied <= replayLimit {
            session.sentUpTo = applied
            session.job = applied == lastSequence ? nil : .catchUp(next: applied + 1)
        } else {
            startSnapshot(session)
        }
        logger.info(
            "party subscribed",
            metadata: [
                "org": "\(session.organisation)", "role": "\(session.role?.rawValue ?? "-")",
                "applied": "\(applied)",
                "node.seq": "\(lastSequence)",
                "mode":
                    "\(session.job.map { if case .snapshot = $0 { "snapshot" } else { "catch-up" } } ?? "live")",
            ])
    }

    private func fetch(_ session: Session, from: SequenceNumber, to: SequenceNumber) {
        guard session.subscribed else { return }
        if to - from > options.catchUpLimit {
            startSnapshot(session)
        } else if case .snapshot? = session.job {
            return
        } else if case .catchUp(let next)? = session.job, next <= from {
            return
        } else {
            session.job = .catchUp(next: from)
        }
    }

    private func startSnapshot(_ session: Session) {
        let entries = picture.entries.values.sorted { $0.sequence < $1.sequence }.map { entry in
            let projected = Update(
                sequence: entry.sequence, epoch: entry.epoch, committedAt: entry.committedAt,
                report: entry.report.projected(for: session.view))
            return PictureEntry(projected)
        }
        session.job = .snapshot(
            .init(
                sequence: lastSequence, epoch: epoch, entries: entries, hash: picture.hash(for: session.view))
        )
    }

    /// Advances every streaming job by a bounded burst; re-arms itself while work remains.
    private func pumpJobs() {
        var remaining = false
        for session in sessions.values where session.job != nil {
            pump(session)
            if session.job != nil { remaining = true }
        }
        if remaining && !jobsTimerArmed {
            jobsTimerArmed = true
            loop.after(.milliseconds(5)) { [unowned self] in
                jobsTimerArmed = false
                pumpJobs()
            }
        }
    }

    private func pump(_ session: Session) {
        var budget = options.catchUpBurst
        while budget > 0, let job = session.job {
            switch job {
            case .catchUp(let next):
                guard next <= lastSequence else {
                    session.job = nil
                    return
                }
                let updates: [Update]
                do {
                    updates = try store.updates(in: next...lastSequence, limit: min(budget, 256))
                } catch {
                    storageFailed(error)
                }
                var position = next
                for update in updates {
                    let projected = Update(
                        sequence: update.sequence, epoch: update.epoch, committedAt: update.committedAt,
                        report: update.report.projected(for: session.view))
                    guard send(session.routingID, .update(projected)) else {
                        session.job = .catchUp(next: position)
                        return
                    }
                    session.sentUpTo = update.sequence
                    position = update.sequence + 1
                    budget -= 1
                }
                session.job = position > lastSequence ? nil : .catchUp(next: position)
                if updates.isEmpty { session.job = nil }
            case .snapshot(var snapshot):
                if !snapshot.headerSent {
                    guard
                        send(
                            session.routingID,
                            .snapshot(
                                sequence: snapshot.sequence, epoch: snapshot.epoch,
                                count: snapshot.entries.count))
                    else { return }
                    snapshot.headerSent = true
                }
                while snapshot.next < snapshot.entries.count, budget > 0 {
                    guard send(session.routingID, .entry(snapshot.entries[snapshot.next].update)) else {
                        session.job = .snapshot(snapshot)
                        return
                    }
                    snapshot.next += 1
                    budget -= 1
                }
                guard snapshot.next == snapshot.entries.count else {
                    session.job = .snapshot(snapshot)
                    return
                }
                guard
                    send(
                        session.routingID,
                        .snapEnd(
                            sequence: snapshot.sequence, epoch: snapshot.epoch, viewHash: snapshot.hash.hex))
                else {
                    session.job = .snapshot(snapshot)
                    return
                }
                session.sentUpTo = snapshot.sequence
                session.job = snapshot.sequence < lastSequence ? .catchUp(next: snapshot.sequence + 1) : nil
            }
        }
    }

    private func heartbeat() {
        let beat = MessageCodec.encode(
            .heartbeat(
                Heartbeat(role: role, epoch: epoch, lastSequence: lastSequence, nodeTime: Self.wallClock())))
        // A party whose connection is gone is removed when a send to it fails (ROUTER_MANDATORY
        // reports EHOSTUNREACH); ZMTP heartbeats close dead TCP connections within seconds.
        for session in sessions.values where session.subscribed {
            _ = send(session.routingID, frames: beat)
        }
        if let chpPublisher { _ = try? chpPublisher.send(CHP.hugz(), dontWait: true) }
        pumpJobs()
    }

    // MARK: CHP snapshot (public view)

    private func serveCHPSnapshot() {
        guard let chpSnapshot else { return }
        for _ in 0..<64 {
            guard let message = try? chpSnapshot.receive(dontWait: true, maxFrames: 4) else { return }
            guard message.frames.count >= 2, let subtree = CHP.icanhaz(Array(message.frames.dropFirst()))
            else { continue }
            let routing = message.frames[0]
            let prefix = String(decoding: subtree, as: UTF8.self)
            for entry in picture.entries.values.sorted(by: { $0.sequence < $1.sequence })
            where ("/" + entry.key).hasPrefix(prefix) {
                var frames = CHP.entry(entry.update, withUUID: false)
                frames[2] = []
                guard (try? chpSnapshot.send([routing] + frames, dontWait: true)) == true else { break }
            }
            _ = try? chpSnapshot.send(
                [routing] + CHP.kthxbai(sequence: lastSequence, subtree: subtree), dontWait: true)
        }
    }

    // MARK: Local control (status)

    private func serveControl() {
        for _ in 0..<16 {
            guard let message = try? control.receive(dontWait: true, maxFrames: 3) else { return }
            guard let parts = message.unpacked(routed: true, maxParts: 4), parts.count >= 2,
                parts[0] == protocolSignature
            else { continue }
            let routing = message.frames[0]
            let reply: JSONValue
            switch String(decoding: parts[1], as: UTF8.self) {
            case "STATUS": reply = statusJSON()
            default: reply = ["error": "unknown command"]
            }
            _ = try? control.sendPacked(
                [protocolSignature, Array("STATUS".utf8), JSONWriter.canonical(reply)], routing: routing,
                dontWait: true)
        }
    }

    func statusJSON() -> JSONValue {
        let now = ContinuousClock.now
        var parties: [String: JSONValue] = [:]
        let connected = Set(sessions.values.filter(\.subscribed).map(\.organisation))
        for code in options.network.organisations.keys.sorted() {
            var entry: [String: JSONValue] = [
                "connected": .bool(connected.contains(code)),
                "nodeViewHash": .string(picture.hash(for: .organisation(code)).hex),
            ]
            if let known = board[code] {
                let ago = now - known.lastHeard
                entry["lastHeardMsAgo"] = .integer(
                    ago.components.seconds * 1000 + ago.components.attoseconds / 1_000_000_000_000_000)
                entry["lastHeardAt"] = .integer(known.lastHeardWall)
                if let status = known.status {
                    entry["applied"] = .integer(Int64(status.applied))
                    entry["viewHash"] = .string(status.viewHash)
                    entry["outboxBacklog"] = .integer(Int64(status.outboxBacklog))
                    entry["oldestQueuedMs"] = .integer(status.oldestQueuedMs)
                    entry["pid"] = .integer(Int64(status.pid))
                    entry["clockSkewMs"] = .integer(status.sentAt - known.lastHeardWall)
                    entry["lag"] = .integer(Int64(lastSequence) - Int64(status.applied))
                    entry["converged"] = .bool(
                        status.applied == lastSequence
                            && status.viewHash == picture.hash(for: .organisation(code)).hex)
                }
                if let role = known.role { entry["role"] = .string(role.rawValue) }
            }
            parties[code.rawValue] = .object(entry)
        }
        var refusalCounts: [String: JSONValue] = [:]
        for (code, count) in refusals { refusalCounts[String(code.rawValue)] = .integer(Int64(count)) }
        return [
            "role": .string(role.rawValue), "epoch": .integer(Int64(epoch)),
            "lastSequence": .integer(Int64(lastSequence)),
            "pid": .integer(Int64(getpid())), "entries": .integer(Int64(picture.count)),
            "publicViewHash": .string(picture.hash(for: .publicView).hex), "parties": .object(parties),
            "refusals": .object(refusalCounts), "time": .integer(Self.wallClock()),
            "synchronous": .integer(Int64((try? store.synchronousLevel()) ?? -1)),
            "commits": [
                "batches": .integer(Int64(committedBatches)), "reports": .integer(Int64(committedReports)),
                "milliseconds": .integer(
                    commitTime.components.seconds * 1000 + commitTime.components.attoseconds
                        / 1_000_000_000_000_000),
            ],
        ]
    }
}
