import Foundation
import Histogram
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON
import ZeroMQ

/// Drives a real node process (or the pair) with KNP/1 clients, either directly or through real
/// region daemons and their outboxes, and measures it (docs/BENCHMARKS.md).
final class NodeBenchmark {
    let configuration: BenchConfiguration
    let folder: DataFolder
    let context = ZMQContext()
    var nodeProcess: Process?
    var otherProcesses: [Process] = []
    var network: NetworkConfig!
    var clients: [Client] = []
    var subscriber: ZMQSocket!
    let codec = DocumentCodec()
    var random = SystemRandomNumberGenerator()
    /// Send time (ns, monotonic) by report id; ACK and delivery latencies are measured from it.
    var sentAt: [ReportID: UInt64] = [:]
    /// Receive time at the subscriber (ns) by global sequence.
    var deliveredAt: [UInt64: UInt64] = [:]
    var sequenceOf: [ReportID: UInt64] = [:]

    final class Client {
        let organisation: OrganisationCode
        /// To the node (direct) or to the region daemon's operator socket.
        let socket: ZMQSocket
        let secrets: OrganisationSecrets
        /// Through a daemon: the PUBLISH options, as the organisation's
        /// ``ProgramAccount/benchmark`` account.
        var publishOptions: [UInt8] = []
        var originSeq: UInt64 = 0
        /// Reports to send: their id and the message that carries them (SUBMIT or PUBLISH).
        var queue: [(id: ReportID, message: [[UInt8]])] = []
        var next = 0
        var inFlight = 0

        init(organisation: OrganisationCode, socket: ZMQSocket, secrets: OrganisationSecrets) {
            self.organisation = organisation
            self.socket = socket
            self.secrets = secrets
        }
    }

    init(configuration: BenchConfiguration, folder: DataFolder) {
        self.configuration = configuration
        self.folder = folder
    }

    static func nanos() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    func run() throws -> JSONValue {
        defer { stopNode() }
        try startNodes()
        if configuration.throughDaemons { try startDaemons() }
        try connect()
        let phaseA = try fullLoad()
        let rssAfterLoad = nodeRSSMegabytes()
        let phaseB = try steady()
        let phaseC = try snapshot()
        let phaseD = try flood()
        let status = try LocalClient(endpoint: folder.nodeControlEndpoint).requestJSON("STATUS")
        let result: JSONValue = [
            "configuration": [
                "mode": .string(
                    configuration.throughDaemons
                        ? "through region daemons (operator socket → outbox, fsync → node)"
                        : "direct protocol clients (no daemons, no outboxes)"),
                "publishers": .integer(Int64(configuration.publishers)),
                "window": .integer(Int64(configuration.window)),
                "reportBytes": .integer(Int64(configuration.reportBytes)),
                "curve": true,
                "signatures": "Ed25519, signed by each publisher before the run, verified by the node",
                "replication": .string(
                    configuration.pair
                        ? "synchronous to the standby (both nodes fsync before the ACK)"
                        : "none (single node)"),
                "fsyncBeforeAck": true,
                "synchronous": status["synchronous"] ?? .null,
                "cores": .integer(Int64(ProcessInfo.processInfo.activeProcessorCount)),
                "build": .string(Self.buildKind),
            ],
            "fullLoad": phaseA, "steady": phaseB, "snapshot": phaseC, "flood": phaseD,
            "nodeRSSMegabytes": [
                "afterFullLoad": .number(rssAfterLoad), "atEnd": .number(nodeRSSMegabytes()),
            ],
            "nodeSequence": status["lastSequence"] ?? .null,
            "nodeCommits": status["commits"] ?? .null,
        ]
        return result
    }

    static var buildKind: String {
        #if DEBUG
            "debug"
        #else
            "release"
        #endif
    }

    // MARK: Setup

    private func startNodes() throws {
        var port = 0
        for _ in 0..<50 {
            let base = Int.random(in: 20_000..<60_000)
            let ports = [base + 2, base + 3, base + 12, base + 13]
            if ports.allSatisfy(Self.portFree) {
                port = base
                break
            }
        }
        network = try folder.prepareLocalNetwork(basePort: port, chp: false, standby: configuration.pair)
        nodeProcess = try launch(["node", "--role", "primary"], log: folder.nodeFolder, name: "node.log")
        try waitFor("the primary node", timeout: .seconds(30)) {
            (try? LocalClient(endpoint: folder.nodeControlEndpoint).requestJSON(
                "STATUS", timeout: .milliseconds(500))) != nil
        }
        guard configuration.pair else { return }
        otherProcesses.append(
            try launch(["node", "--role", "backup"], log: folder.folder(of: .backup), name: "node.log"))
        try waitFor("the standby in sync", timeout: .seconds(60)) {
            let status = try? LocalClient(endpoint: folder.nodeControlEndpoint).requestJSON(
                "STATUS", timeout: .milliseconds(500))
            return status?["pair"]?["peerInSync"]?.boolValue == true
        }
    }

    /// One region daemon per publisher, each its own process with its own store.
    private func startDaemons() throws {
        for code in OrganisationCode.safetyRegions.prefix(configuration.publishers) {
            otherProcesses.append(
                try launch(["region", code.rawValue], log: folder.daemonFolder(code), name: "daemon.log"))
        }
        for code in OrganisationCode.safetyRegions.prefix(configuration.publishers) {
            try waitFor("the daemon of \(code)", timeout: .seconds(60)) {
                (try? LocalClient(endpoint: folder.operatorEndpoint(code)).requestJSON(
                    "STATUS", timeout: .milliseconds(500))) != nil
            }
        }
    }

    private func launch(_ arguments: [String], log folder: URL, name: String) throws -> Process {
        try DataFolder.makeOwnerOnly(folder)
        let process = Process()
        process.executableURL = Supervisor.currentBinary()
        process.arguments =
            arguments + [
                "--dir", self.folder.root.path, "--log-level", "warning", "--parent-pid", String(getpid()),
            ]
        let log = folder.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    private func waitFor(_ what: String, timeout: Duration, _ ready: () -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while !ready() {
            guard ContinuousClock.now < deadline else {
                throw ValidationErrorText("\(what) did not start in time (logs in \(folder.root.path))")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    private func stopNode() {
        for client in clients { client.socket.close() }
        subscriber?.close()
        context.terminate()
        for process in otherProcesses + [nodeProcess].compactMap({ $0 }) where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        for process in otherProcesses + [nodeProcess].compactMap({ $0 }) { process.waitUntilExit() }
    }

    static func portFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    private func curveSocket(_ organisation: OrganisationCode) throws -> (ZMQSocket, OrganisationSecrets) {
        let secrets = try OrganisationSecrets.load(from: folder.keyFile(organisation))
        let socket = try ZMQSocket(context, .dealer, name: "bench.\(organisation)")
        try socket.set([
            .linger(.zero), .maxMessageSize(WireLimits.maxMessageBytes), .sendHighWaterMark(100_000),
            .receiveHighWaterMark(1_000_000), .curvePublicKey(secrets.curve.publicKey),
            .curveSecretKey(secrets.curve.secretKey), .curveServerKey(network.nodeCurvePublicKey),
        ])
        try socket.connect(network.nodeEndpoint)
        return (socket, secrets)
    }

    private func connect() throws {
        for code in OrganisationCode.safetyRegions.prefix(configuration.publishers) {
            if configuration.throughDaemons {
                // An operator's tool: the daemon stores, seals and sends; we only hand over.
                let socket = try ZMQSocket(context, .dealer, name: "bench.operator.\(code)")
                try socket.set([
                    .linger(.zero), .sendHighWaterMark(100_000), .receiveHighWaterMark(1_000_000),
                ])
                try socket.connect(folder.operatorEndpoint(code))
                let secrets = try OrganisationSecrets.load(from: folder.keyFile(code))
                let client = Client(organisation: code, socket: socket, secrets: secrets)
                let credential = try ProgramAccount.benchmark.credential(
                    folder: folder.peopleFolder(code), organisation: code, actor: "bench",
                    now: Int64(Date().timeIntervalSince1970 * 1000))
                client.publishOptions = JSONWriter.canonical(
                    PublishOptions(again: true, credential: credential).json)
                clients.append(client)
            } else {
                let (socket, secrets) = try curveSocket(code)
                clients.append(Client(organisation: code, socket: socket, secrets: secrets))
            }
        }
        let (socket, _) = try curveSocket(.national)
        subscriber = socket
        try subscriber.sendPacked(MessageCodec.encode(.hello(applied: 0, epoch: 1, role: .watch)))
        // Each publisher opens its incident; the first ACKs also prove the connections are up.
        for client in clients {
            let incident = IncidentID("\(client.organisation)-BENCH")!
            enqueue(client, incidentDocument(client.organisation, incident))
        }
        _ = try pump(
            until: { self.clients.allSatisfy { $0.next == $0.queue.count && $0.inFlight == 0 } }, window: 1,
            timeout: .seconds(60))
    }

    // MARK: Reports

    private func incidentDocument(_ region: OrganisationCode, _ id: IncidentID) -> ReportDocument {
        let municipality = ReferenceData.builtIn.municipalities.values.first { $0.region == region }!.code
        return ReportDocument(
            body: .incident(
                Incident(
                    id: id, title: "Benchmark incident \(id)", kind: .other,
                    location: IncidentLocation(municipality: municipality),
                    startedAt: Timestamp(millisecondsSinceEpoch: 1_764_490_000_000),
                    lead: LeadAuthority(organisation: region, function: "Operationeel leider"),
                    classification: .partners)))
    }

    private func sitrepDocument(_ region: OrganisationCode, _ number: Int) -> ReportDocument {
        // About reportBytes of text across two sections with different classifications.
        let filler = String(
            repeating: "Situatie onder controle; afzetting blijft staan. ",
            count: max(1, configuration.reportBytes / 50))
        let half = filler.count / 2
        return ReportDocument(
            body: .sitrep(
                Sitrep(
                    incident: IncidentID("\(region)-BENCH")!,
                    beeld: [
                        .multi: DisciplinePicture(
                            text: "\(number): " + String(filler.prefix(half)), classification: .partners),
                        .pol: DisciplinePicture(
                            text: String(filler.suffix(filler.count - half)), classification: .policeOnly),
                    ], confidence: .medium, verification: .unconfirmed)))
    }

    private func enqueue(_ client: Client, _ document: ReportDocument) {
        let id = ReportID.random(using: &random)
        if configuration.throughDaemons {
            // The document names its id, so answers and deliveries can be matched to it.
            var json = codec.encode(document).objectValue ?? [:]
            json["id"] = .string(id.rawValue)
            client.queue.append(
                (
                    id,
                    [
                        protocolSignature, Array("PUBLISH".utf8), JSONWriter.canonical(.object(json)),
                        client.publishOptions,
                    ]
                ))
            return
        }
        client.queue.append((id, submit(document, id: id, from: client)))
    }

    /// A SUBMIT of `document`, sealed by the client's organisation with its next origin sequence.
    private func submit(_ document: ReportDocument, id: ReportID, from client: Client) -> [[UInt8]] {
        client.originSeq += 1
        let report = SealedReport.seal(
            document, id: id, origin: client.organisation, originSeq: client.originSeq,
            created: Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)),
            signingKey: client.secrets.signing, codec: codec, random: &random)
        return MessageCodec.encode(.submit(report))
    }

    // MARK: Driving

    /// Sends within the window and reads answers until `done`; returns the elapsed seconds.
    private func pump(
        until done: () -> Bool, window: Int, pace: ((UInt64) -> Bool)? = nil, timeout: Duration,
        alongside: (() throws -> Void)? = nil
    ) throws -> Double {
        let messageCodec = MessageCodec()
        var poller = Poller()
        for client in clients { poller.add(.socket(client.socket)) }
        poller.add(.socket(subscriber))
        let start = Self.nanos()
        let deadline = ContinuousClock.now + timeout
        while !done() {
            guard ContinuousClock.now < deadline else {
                let inFlight = clients.map(\.inFlight).reduce(0, +)
                let unsent = clients.map { $0.queue.count - $0.next }.reduce(0, +)
                throw ValidationErrorText(
                    "benchmark phase timed out (\(inFlight) un-ACKed, \(unsent) unsent, \(deliveredAt.count) delivered)"
                        + stepDownNote())
            }
            for client in clients {
                while client.inFlight < window, client.next < client.queue.count, pace?(Self.nanos()) ?? true
                {
                    let report = client.queue[client.next]
                    sentAt[report.id] = Self.nanos()
                    try client.socket.sendPacked(report.message)
                    client.next += 1
                    client.inFlight += 1
                }
            }
            try alongside?()
            let ready = try poller.poll(timeout: .milliseconds(1))
            for (index, client) in clients.enumerated() where ready[index].contains(.readable) {
                while let message = try client.socket.receive(dontWait: true) {
                    let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) ?? []
                    if configuration.throughDaemons {
                        try answered(client, operatorReply: parts)
                        continue
                    }
                    guard case .ack(let ack)? = try? messageCodec.decodeServer(parts) else {
                        if case .error(_, let code, let text, _)? = try? messageCodec.decodeServer(parts) {
                            throw ValidationErrorText(
                                "the node refused a benchmark report: E\(code.rawValue) \(text)")
                        }
                        continue
                    }
                    let now = Self.nanos()
                    if let sent = sentAt[ack.reportID] {
                        ackLatency.record(max(1, (now - sent) / 1_000))
                    }
                    sequenceOf[ack.reportID] = ack.sequence
                    client.inFlight -= 1
                }
            }
            if ready[clients.count].contains(.readable) {
                while let message = try subscriber.receive(dontWait: true) {
                    // Only the sequence is read here: decoding every update would measure us, not the node.
                    let frames = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) ?? []
                    guard frames.count > 3, frames[1] == Array("UPDATE".utf8),
                        let sequence = UInt64(String(decoding: frames[2], as: UTF8.self))
                    else { continue }
                    deliveredAt[sequence] = Self.nanos()
                }
            }
        }
        return Double(Self.nanos() - start) / 1e9
    }

    /// With the pair, a primary that lost the active role (a machine too busy for the pair's
    /// timing) stops serving the benchmark's subscriber: say so instead of only timing out.
    private func stepDownNote() -> String {
        guard configuration.pair,
            let status = try? LocalClient(endpoint: folder.nodeControlEndpoint).requestJSON(
                "STATUS", timeout: .seconds(2)),
            let state = status["pair"]?["state"]?.stringValue, state != "active"
        else { return "" }
        let takeovers = status["pair"]?["takeovers"]?.arrayValue?.count ?? 0
        return
            "; the primary is \(state) after \(takeovers) takeover(s): the machine was too busy for the pair's timing (run on a quiet machine with a release build)"
    }

    /// A daemon's answer to a PUBLISH: QUEUED (stored), later ACCEPTED (the node's ACK).
    private func answered(_ client: Client, operatorReply parts: [[UInt8]]) throws {
        guard parts.count >= 3 else { return }
        let text = { (index: Int) in String(decoding: parts[index], as: UTF8.self) }
        switch text(1) {
        case OperatorReply.accepted:
            guard parts.count >= 5, let id = ReportID(text(2)), let sequence = UInt64(text(4)) else { return }
            if let sent = sentAt[id] { ackLatency.record(max(1, (Self.nanos() - sent) / 1_000)) }
            sequenceOf[id] = sequence
            client.inFlight -= 1
        case OperatorReply.rejected, OperatorReply.error:
            throw ValidationErrorText(
                "\(client.organisation)'s daemon refused a benchmark report: \(parts.dropFirst().map { String(decoding: $0, as: UTF8.self) })"
            )
        default:
            break
        }
    }

    var ackLatency = Histogram<UInt64>(
        highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)

    /// Publish→subscriber latencies (µs) of these report ids.
    private func deliveryLatency(_ ids: [ReportID]) -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(
            highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
        for id in ids {
            guard let sent = sentAt[id], let sequence = sequenceOf[id], let delivered = deliveredAt[sequence]
            else { continue }
            histogram.record(max(1, (delivered >= sent ? delivered - sent : 0) / 1_000))
        }
        return histogram
    }

    private func summary(_ histogram: Histogram<UInt64>) -> JSONValue {
        func ms(_ micros: UInt64) -> JSONValue { .number((Double(micros) / 1000 * 1000).rounded() / 1000) }
        return [
            "count": .integer(Int64(histogram.totalCount)), "p50Ms": ms(histogram.valueAtPercentile(50)),
            "p99Ms": ms(histogram.valueAtPercentile(99)), "maxMs": ms(histogram.max),
        ]
    }

    private func waitDelivered(_ ids: [ReportID]) throws {
        _ = try pump(
            until: {
                ids.allSatisfy { id in self.sequenceOf[id].map { self.deliveredAt[$0] != nil } ?? false }
            }, window: 0,
            timeout: .seconds(60))
    }

    // MARK: Phases

    private func fullLoad() throws -> JSONValue {
        let perClient = max(1, configuration.reports / clients.count)
        var ids: [ReportID] = []
        for client in clients {
            for number in 0..<perClient { enqueue(client, sitrepDocument(client.organisation, number)) }
            ids += client.queue[client.next...].map(\.id)
        }
        ackLatency.reset()
        let seconds = try pump(
            until: { self.clients.allSatisfy { $0.next == $0.queue.count && $0.inFlight == 0 } },
            window: configuration.window,
            timeout: .seconds(3_600))
        let acks = ackLatency
        try waitDelivered(ids)
        return [
            "reports": .integer(Int64(ids.count)), "seconds": .number((seconds * 1000).rounded() / 1000),
            "durableAcksPerSecond": .integer(Int64(Double(ids.count) / seconds)),
            "publishToAck": summary(acks), "publishToSubscriber": summary(deliveryLatency(ids)),
        ]
    }

    private func steady() throws -> JSONValue { try paced(from: clients, numbersFrom: 1_000_000) }

    /// `rate` reports per second for `steadySeconds`, one every 1/rate seconds from `senders`
    /// in turn (with `alongside` called on every turn of the loop); their latencies.
    private func paced(
        from senders: [Client], numbersFrom base: Int, alongside: (() throws -> Void)? = nil
    ) throws -> JSONValue {
        let total = Int(Double(configuration.rate) * configuration.steadySeconds)
        var ids: [ReportID] = []
        for index in 0..<total {
            let client = senders[index % senders.count]
            enqueue(client, sitrepDocument(client.organisation, base + index))
            ids.append(client.queue.last!.id)
        }
        ackLatency.reset()
        let interval = UInt64(1e9 / Double(configuration.rate))
        let start = Self.nanos()
        var released = 0
        let seconds = try pump(
            until: { self.clients.allSatisfy { $0.next == $0.queue.count && $0.inFlight == 0 } },
            window: configuration.window,
            pace: { now in
                guard now >= start + UInt64(released) * interval else { return false }
                released += 1
                return true
            }, timeout: .seconds(3_600), alongside: alongside)
        let acks = ackLatency
        try waitDelivered(ids)
        return [
            "ratePerSecond": .integer(Int64(configuration.rate)), "reports": .integer(Int64(total)),
            "seconds": .number((seconds * 1000).rounded() / 1000), "publishToAck": summary(acks),
            "publishToSubscriber": summary(deliveryLatency(ids)),
        ]
    }

    private func snapshot() throws -> JSONValue {
        for index in 0..<configuration.incidents {
            let client = clients[index % clients.count]
            enqueue(
                client,
                incidentDocument(client.organisation, IncidentID("\(client.organisation)-SNAP-\(index)")!))
        }
        _ = try pump(
            until: { self.clients.allSatisfy { $0.next == $0.queue.count && $0.inFlight == 0 } },
            window: configuration.window,
            timeout: .seconds(3_600))
        // Late joiners (NCTV, applied 0), one after the other: time from HELLO to the end of
        // each one's snapshot. Several, because one figure on a shared machine says little.
        var times: [Double] = []
        var entries = 0
        var mode = "snapshot"
        for _ in 0..<Self.snapshotJoiners {
            let joined = try joinLate()
            times.append(joined.milliseconds)
            entries = joined.entries
            if joined.mode != "snapshot" { mode = joined.mode }
        }
        let sorted = times.sorted()
        func rounded(_ value: Double) -> JSONValue { .number((value * 10).rounded() / 10) }
        return [
            "incidents": .integer(Int64(configuration.incidents)), "entries": .integer(Int64(entries)),
            "mode": .string(mode), "joiners": .integer(Int64(times.count)),
            "milliseconds": rounded(sorted[sorted.count / 2]), "min": rounded(sorted[0]),
            "max": rounded(sorted[sorted.count - 1]),
        ]
    }

    /// Late joiners in the snapshot phase; the phase reports their median.
    static let snapshotJoiners = 5

    /// One late joiner: HELLO with nothing applied, then read until SNAPEND.
    private func joinLate() throws -> (milliseconds: Double, entries: Int, mode: String) {
        let (joiner, _) = try curveSocket(.nctv)
        defer { joiner.close() }
        var poller = Poller()
        poller.add(.socket(joiner))
        // Let the CURVE handshake finish before the clock starts.
        Thread.sleep(forTimeInterval: 0.3)
        let start = Self.nanos()
        try joiner.sendPacked(MessageCodec.encode(.hello(applied: 0, epoch: 1, role: .watch)))
        var entries = 0
        var mode = "snapshot"
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            _ = try poller.poll(timeout: .milliseconds(100))
            var finished = false
            while let message = try joiner.receive(dontWait: true) {
                guard let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1),
                    parts.count > 1
                else { continue }
                switch String(decoding: parts[1], as: UTF8.self) {
                case "ENTRY": entries += 1
                case "UPDATE": mode = "catch-up"
                case "SNAPEND": finished = true
                default: break
                }
            }
            if finished { break }
        }
        return (Double(Self.nanos() - start) / 1e6, entries, mode)
    }

    /// Sealed reports the flooding region sends over and over; the node admits its rate's worth
    /// (verifying and deduplicating each) and refuses the rest with E500 rateLimited.
    static let floodPool = 2_000
    /// Most messages the flooding region sends per turn of the loop (it keeps to `floodRate`).
    static let floodBurst = 1_000

    /// The steady phase again while one region floods the node at `floodRate` messages per
    /// second: the other regions' latencies next to the steady phase's show what the flood
    /// costs them; the flooder's answers by kind show the limits at work. Direct mode only (a
    /// daemon's outbox never floods). The flooder runs on the same cores as the node here, so
    /// part of what it costs the others is CPU a remote flooder would not take.
    private func flood() throws -> JSONValue {
        guard !configuration.throughDaemons, clients.count > 1 else { return .null }
        let flooder = clients[0]
        let (socket, _) = try curveSocket(flooder.organisation)
        defer { socket.close() }
        let pool = (0..<Self.floodPool).map { number in
            submit(
                sitrepDocument(flooder.organisation, 2_000_000 + number), id: .random(using: &random),
                from: flooder)
        }
        let others = Array(clients.dropFirst())
        var sent = 0
        var answers: [String: Int] = [:]
        let messageCodec = MessageCodec()
        var floodStart: UInt64 = 0
        func floodTurn() throws {
            if floodStart == 0 { floodStart = Self.nanos() }
            let due = Int(Double(Self.nanos() - floodStart) / 1e9 * Double(configuration.floodRate))
            for _ in 0..<min(Self.floodBurst, max(0, due - sent)) {
                guard try socket.sendPacked(pool[sent % pool.count], dontWait: true) else { break }
                sent += 1
            }
            while let message = try socket.receive(dontWait: true) {
                let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) ?? []
                switch try? messageCodec.decodeServer(parts) {
                case .ack?: answers["ack", default: 0] += 1
                case .error(_, let code, _, _)?: answers["E\(code.rawValue) \(code)", default: 0] += 1
                default: answers["other", default: 0] += 1
                }
            }
        }
        // Let the flooder's CURVE handshake finish before the clock starts.
        Thread.sleep(forTimeInterval: 0.3)
        let phase = try paced(from: others, numbersFrom: 3_000_000, alongside: floodTurn)
        var othersResult = phase.objectValue ?? [:]
        othersResult["regions"] = .integer(Int64(others.count))
        return [
            "flooder": .string(flooder.organisation.rawValue),
            "floodRatePerSecond": .integer(Int64(configuration.floodRate)),
            "floodMessagesSent": .integer(Int64(sent)),
            "floodMessagesPerSecond": .integer(Int64(Double(sent) / (phase["seconds"]?.doubleValue ?? 1))),
            "floodAnswers": .object(answers.mapValues { .integer(Int64($0)) }),
            "others": .object(othersResult),
        ]
    }

    private func nodeRSSMegabytes() -> Double {
        guard let pid = nodeProcess?.processIdentifier,
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return -1 }
        return (kilobytes / 1024 * 10).rounded() / 10
    }
}

struct ValidationErrorText: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
