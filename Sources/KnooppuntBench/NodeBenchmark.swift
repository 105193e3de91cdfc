import Foundation
import Histogram
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON
import ZeroMQ

/// Drives a real node process (or the replicas on etcd) with KNP/1 clients, either directly or through real
/// region daemons and their outboxes, and measures it (docs/BENCHMARKS.md).
public final class NodeBenchmark {
    let configuration: BenchConfiguration
    let folder: DataFolder
    let context = ZMQContext()
    /// The node (or the replicas) and the daemons, each with its log in its own folder.
    let processes: ProcessGroup
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
        var publishOptions = PublishOptions()
        var originSeq: UInt64 = 0
        /// Reports to send: their id and the message that carries them (SUBMIT or PUBLISH).
        var queue: [(id: ReportID, message: [[UInt8]])] = []
        /// Direct reports queued but not yet signed: their place in `queue` (sealQueued).
        var unsealed: [(index: Int, report: SealedReport)] = []
        var next = 0
        var inFlight = 0

        init(organisation: OrganisationCode, socket: ZMQSocket, secrets: OrganisationSecrets) {
            self.organisation = organisation
            self.socket = socket
            self.secrets = secrets
        }
    }

    /// Runs the processes from `binary` (this executable by default: exactly this version).
    public init(
        configuration: BenchConfiguration, folder: DataFolder, binary: URL = ChildProcess.currentExecutable()
    ) {
        self.configuration = configuration
        self.folder = folder
        processes = ProcessGroup(
            binary: binary, logFolder: folder.root,
            commonArguments: [
                "--dir", folder.root.path, "--log-level", "warning", "--parent-pid", String(getpid()),
            ])
    }

    var ackLatency = Histogram<UInt64>(
        highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)

    static func nanos() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    public func run() throws -> JSONValue {
        defer { stopNode() }
        try startNodes()
        if configuration.throughDaemons { try startDaemons() }
        try connect()
        let phaseA = try fullLoad()
        let rssAfterLoad = nodeRSSMegabytes()
        let phaseB = try steady()
        let phaseC = try snapshot()
        let phaseD = try flood()
        let status = try NodeStatus.request(folder.nodeControlEndpoint)
        // After the phases, so that the node's figures are not measured beside it.
        let limits = try MachineLimits.measure(in: folder.nodeFolder)
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
                "signatures":
                    "Ed25519, signed by each publisher before the run (one signature per window of reports at full load and for the snapshot, one per report at the steady rate), verified by the node",
                "replication": "none (single node)",
                "fsyncBeforeAck": true,
                "synchronous": .integer(status.synchronous),
                "cores": .integer(Int64(ProcessInfo.processInfo.activeProcessorCount)),
                "build": .string(Self.buildKind),
            ],
            "fullLoad": phaseA, "steady": phaseB, "snapshot": phaseC, "flood": phaseD,
            "nodeRSSMegabytes": [
                "afterFullLoad": .number(rssAfterLoad), "atEnd": .number(nodeRSSMegabytes()),
            ],
            "nodeSequence": .integer(Int64(status.lastSequence)),
            "nodeCommits": status.json["commits"] ?? .null,
            "machineLimits": limits,
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

    func startNodes() throws {
        if configuration.etcdEndpoints != nil { return try startReplicas() }
        let port = LocalNetworkLayout.freeBasePort(standby: false, chp: false) ?? 0
        network = try folder.prepareLocalNetwork(basePort: port, chp: false)
        try launch(LocalNetworkLayout.node(.primary), log: folder.nodeFolder, name: "node.log")
        try waitFor("the primary node", timeout: .seconds(30)) {
            Readiness.answersStatus(folder.nodeControlEndpoint, timeout: .milliseconds(500))
        }
    }

    /// One region daemon per publisher, each its own process with its own store.
    private func startDaemons() throws {
        for code in OrganisationCode.safetyRegions.prefix(configuration.publishers) {
            try launch(LocalNetworkLayout.daemon(code), log: folder.daemonFolder(code), name: "daemon.log")
        }
        for code in OrganisationCode.safetyRegions.prefix(configuration.publishers) {
            try waitFor("the daemon of \(code)", timeout: .seconds(60)) {
                Readiness.answersStatus(folder.operatorEndpoint(code), timeout: .milliseconds(500))
            }
        }
    }

    /// Starts a process with a fresh log (a run's logs are its own, even in a reused folder).
    func launch(
        _ member: LocalNetworkLayout.Member, extra: [String] = [], log folder: URL, name: String
    ) throws {
        try DataFolder.makeOwnerOnly(folder)
        let log = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: log)
        try processes.start(member.name, member.arguments + extra, log: log)
    }

    func waitFor(_ what: String, timeout: Duration, _ ready: () -> Bool) throws {
        guard Readiness.wait(timeout: timeout, ready) else {
            throw BenchError("\(what) did not start in time (logs in \(folder.root.path))")
        }
    }

    /// Closes the benchmark's sockets, then stops every process (SIGKILL after a bound).
    func stopNode() {
        for client in clients { client.socket.close() }
        subscriber?.close()
        context.terminate()
        processes.stopAll(grace: .seconds(30))
    }

    func curveSocket(_ organisation: OrganisationCode) throws -> (ZMQSocket, OrganisationSecrets) {
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

    func connect() throws {
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
                    now: Timestamp.nowMilliseconds())
                client.publishOptions = PublishOptions(again: true, credential: credential)
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
        sealQueued(batch: 1)
        _ = try pump(
            until: { self.clients.allSatisfy { $0.next == $0.queue.count && $0.inFlight == 0 } }, window: 1,
            timeout: .seconds(60))
    }
}
