import Foundation
import Histogram
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// Many parties on one node (docs/BENCHMARKS.md): N partner organisations added to the
/// network through the registry code, each with its own keys and view, follow a real node
/// from a few processes (``PartiesFollower``), optionally behind delaying links
/// (``DelayRelay``), while five regions publish at a steady rate. Measures publish→every-party
/// latency, per delivery, the node's CPU, memory and stream backlog.
public final class PartiesBenchmark {
    let configuration: PartiesConfiguration
    let folder: DataFolder
    let context = ZMQContext()
    /// The node and the parties' processes, each with its log in the run's folder.
    let processes: ProcessGroup
    var network: NetworkConfig!
    var publishers: [Publisher] = []
    /// The partners of the group some reports have a section for.
    var groupMembers: [OrganisationCode] = []
    let codec = DocumentCodec()
    var random = SystemRandomNumberGenerator()
    /// Publish stamp (ns, CLOCK_MONOTONIC) by report id, and the sequence its ACK named.
    var sentAt: [ReportID: UInt64] = [:]
    var sequenceOf: [ReportID: UInt64] = [:]
    var ackLatency = Histogram<UInt64>(
        highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    /// The node's figures sampled during the phase.
    var samples = NodeSamples()

    final class Publisher {
        let organisation: OrganisationCode
        let socket: ZMQSocket
        let secrets: OrganisationSecrets
        var originSeq: UInt64 = 0
        var inFlight = 0

        init(organisation: OrganisationCode, socket: ZMQSocket, secrets: OrganisationSecrets) {
            self.organisation = organisation
            self.socket = socket
            self.secrets = secrets
        }
    }

    /// Seconds a process of parties gets per party to connect and take its snapshot, beyond
    /// ``readyBase`` (CURVE handshakes on a busy machine).
    static let readySecondsPerParty = 0.2
    static let readyBase: Duration = .seconds(60)
    /// After the last report: how long the parties' processes get to receive it.
    static let drainBase: Duration = .seconds(60)
    /// How often the node's status and memory are sampled during the phase.
    static let sampleInterval: Duration = .seconds(1)

    /// Runs the node and the parties from `binary` (this executable by default).
    public init(
        configuration: PartiesConfiguration, folder: DataFolder,
        binary: URL = ChildProcess.currentExecutable()
    ) {
        self.configuration = configuration
        self.folder = folder
        processes = ProcessGroup(
            binary: binary, logFolder: folder.root,
            commonArguments: [
                "--dir", folder.root.path, "--log-level", "warning", "--parent-pid", String(getpid()),
            ])
    }

    public func run() throws -> JSONValue {
        defer { stop() }
        let loadBefore = Self.loadAverage()
        try prepare()
        try startNode()
        try connectPublishers()
        let groups = try startParties()
        try waitReady(groups)
        let phase = try publish()
        let results = try collect(groups)
        let loadAfter = Self.loadAverage()
        var result = try figures(phase: phase, results: results)
        result["configuration"] = configurationJSON(processes: groups.count)
        result["loadAverage"] = ["beforeRun": .string(loadBefore), "afterRun": .string(loadAfter)]
        return .object(result)
    }

    // MARK: Setup

    /// The network of the 28 plus N partners: keys generated per partner (a key file already
    /// in the folder is kept), described in network.json by kind and group.
    func prepare() throws {
        let port = LocalNetworkLayout.freeBasePort(standby: false, chp: false) ?? 0
        var network = try folder.prepareLocalNetwork(basePort: port, chp: false)
        for index in 0..<configuration.parties {
            let code = PartiesConfiguration.partyCode(index)
            let kind = PartiesConfiguration.partyKind(index)
            let url = folder.keyFile(code)
            let secrets: OrganisationSecrets
            if FileManager.default.fileExists(atPath: url.path) {
                secrets = try OrganisationSecrets.load(from: url)
            } else {
                secrets = try OrganisationSecrets.generate()
                try secrets.save(to: url)
            }
            let inGroup = kind.rawValue == "infrastructure"
            if inGroup { groupMembers.append(code) }
            let groups = inGroup ? [PartiesConfiguration.group] : []
            network.add(
                Organisation(code: code, name: "Benchmark partner \(index + 1)", kind: kind, groups: groups),
                keys: secrets.publicKeys)
        }
        try network.save(to: folder.networkFile)
        // This process writes documents naming partners: it reads them against this network.
        OrganisationRegistry.install(network.registry)
        self.network = network
    }

    func startNode() throws {
        try DataFolder.makeOwnerOnly(folder.nodeFolder)
        let log = folder.nodeFolder.appendingPathComponent("node.log")
        try? FileManager.default.removeItem(at: log)
        let member = LocalNetworkLayout.node(.primary)
        try processes.start(member.name, member.arguments, log: log)
        guard
            Readiness.wait(
                timeout: .seconds(60),
                { Readiness.answersStatus(folder.nodeControlEndpoint, timeout: .milliseconds(500)) })
        else { throw BenchError("the node did not start in time (log in \(log.path))") }
    }

    func connectPublishers() throws {
        for code in OrganisationCode.safetyRegions.prefix(PartiesConfiguration.publishers) {
            let secrets = try OrganisationSecrets.load(from: folder.keyFile(code))
            let socket = try ZMQSocket(context, .dealer, name: "bench.publisher.\(code)")
            try socket.set([
                .linger(.zero), .maxMessageSize(WireLimits.maxMessageBytes), .sendHighWaterMark(100_000),
                .receiveHighWaterMark(100_000), .curvePublicKey(secrets.curve.publicKey),
                .curveSecretKey(secrets.curve.secretKey), .curveServerKey(network.nodeCurvePublicKey),
            ])
            try socket.connect(network.nodeEndpoint)
            publishers.append(Publisher(organisation: code, socket: socket, secrets: secrets))
        }
        // Each region opens its incident; the ACKs also prove the connections are up.
        for publisher in publishers {
            try send(incidentDocument(publisher.organisation), id: .random(using: &random), from: publisher)
        }
        try awaitAcks(timeout: .seconds(60))
    }

    /// The parties in groups of at most ``PartiesFollower/maximumParties``, at least two
    /// processes (so a run always crosses processes), each started as `bench parties follow`.
    func startParties() throws -> [PartyProcess] {
        let count = configuration.parties
        let processCount = max(
            min(2, count), (count + PartiesFollower.maximumParties - 1) / PartiesFollower.maximumParties)
        var groups: [PartyProcess] = []
        var first = 0
        for number in 0..<processCount {
            let size = count / processCount + (number < count % processCount ? 1 : 0)
            let codes = (first..<(first + size)).map(PartiesConfiguration.partyCode)
            let group = PartyProcess(
                name: "parties-\(number + 1)", first: first, codes: codes,
                ready: folder.root.appendingPathComponent("parties-\(number + 1).ready"),
                output: folder.root.appendingPathComponent("parties-\(number + 1).json"))
            for url in [group.ready, group.output] { try? FileManager.default.removeItem(at: url) }
            var arguments = [
                "bench", "parties", "follow", "--codes", codes.map(\.rawValue).joined(separator: ","),
                "--first-index", String(first), "--ready", group.ready.path, "--output", group.output.path,
                "--deadline-seconds", String(Int(deadline.components.seconds)),
            ]
            if let delay = configuration.delay {
                arguments += ["--delay-ms", "\(delay.lowerBound)-\(delay.upperBound)"]
            }
            try processes.start(group.name, arguments)
            groups.append(group)
            first += size
        }
        return groups
    }

    struct PartyProcess {
        let name: String
        let first: Int
        let codes: [OrganisationCode]
        let ready: URL
        let output: URL
    }

    /// How long a party process may live: connecting, the phase, and the drain.
    var deadline: Duration {
        Self.readyBase + .seconds(Double(configuration.parties) * Self.readySecondsPerParty)
            + .seconds(configuration.seconds) + Self.drainBase
    }

    func waitReady(_ groups: [PartyProcess]) throws {
        let limit = Self.readyBase + .seconds(Double(configuration.parties) * Self.readySecondsPerParty)
        let ready = Readiness.wait(timeout: limit) {
            groups.allSatisfy { FileManager.default.fileExists(atPath: $0.ready.path) }
        }
        guard ready else {
            let late = groups.filter { !FileManager.default.fileExists(atPath: $0.ready.path) }.map(\.name)
            throw BenchError(
                "the parties of \(late.joined(separator: ", ")) were not all live within \(limit) (logs in \(folder.root.path))"
            )
        }
    }

    func stop() {
        for publisher in publishers { publisher.socket.close() }
        context.terminate()
        processes.stopAll(grace: .seconds(30))
    }

    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    func configurationJSON(processes: Int) -> JSONValue {
        [
            "parties": .integer(Int64(configuration.parties)), "processes": .integer(Int64(processes)),
            "ratePerSecond": .integer(Int64(configuration.rate)), "seconds": .number(configuration.seconds),
            "linkRoundTripMs": configuration.delay.map { .string("\($0.lowerBound)–\($0.upperBound)") }
                ?? .null,
            "publishers": .integer(Int64(PartiesConfiguration.publishers)),
            "groupEvery": .integer(Int64(PartiesConfiguration.groupEvery)),
            "group": .string(PartiesConfiguration.group), "groupMembers": .integer(Int64(groupMembers.count)),
            "kinds": .array(PartiesConfiguration.kinds.map { .string($0) }),
            "curve": true, "build": .string(NodeBenchmark.buildKind),
            "cores": .integer(Int64(ProcessInfo.processInfo.activeProcessorCount)),
            "clocks":
                "one machine: the publisher stamps CLOCK_MONOTONIC into the report's text and each party's process subtracts it from its own CLOCK_MONOTONIC at receipt (one clock for every process)",
        ]
    }
}
