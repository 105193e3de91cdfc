import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON

/// The quorum deployment (three etcd members, three node replicas on them, the daemons) attacked
/// by seeded faults while it carries acknowledged load, then checked offline
/// (docs/ARCHITECTURE.md "Chaos").
public final class ChaosRun {
    /// A process of the run and the fault it is recovering from.
    final class Managed {
        let name: String
        let arguments: [String]
        /// An etcd member (started from etcd's binary, not knooppunt's).
        let isEtcd: Bool
        var child: ChildProcess?
        /// Its host is cut off the network.
        var cut = false
        /// When a downed or paused process comes back.
        var recoverAt: ContinuousClock.Instant?
        var recover: (() -> Void)?

        init(name: String, arguments: [String], isEtcd: Bool = false) {
            self.name = name
            self.arguments = arguments
            self.isEtcd = isEtcd
        }

        var isUp: Bool { (child?.isRunning ?? false) && child?.isPaused != true && !cut }
    }

    let options: ChaosOptions
    let say: (String) -> Void
    var processes: [String: Managed] = [:]
    var network: NetworkConfig!
    var organisations: [OrganisationCode] = []
    var faults: [String] = []
    var failovers: [Failover] = []
    var pendingFailover: PendingFailover?
    var lab: NetworkLab?
    /// The harness that starts and stops the processes (inside the lab's hosts with partitions).
    let group: ProcessGroup
    /// The etcd members' processes (etcd's binary; in the lab's hosts with partitions).
    var etcdGroup: ProcessGroup?
    /// The members' client URLs.
    var etcdEndpoints: [String] = []
    /// etcdctl's TLS flags when the members speak TLS (with partitions).
    var etcdctlTLS: [String] = []

    public init(options: ChaosOptions, say: @escaping (String) -> Void) {
        self.options = options
        self.say = say
        group = ProcessGroup(
            binary: options.binary, logFolder: options.folder.root,
            commonArguments: ["--parent-pid", String(getpid())])
    }

    var folder: DataFolder { options.folder }
    var ackFile: URL { folder.root.appendingPathComponent("chaos-acks.jsonl") }
    var queuedFile: URL { folder.root.appendingPathComponent("chaos-queued.json") }

    // MARK: Running

    public func run() throws -> ChaosReport {
        defer { lab?.cleanUp() }
        try setUp()
        defer { stopAll() }
        let load = try LoadGenerator(
            folder: folder, organisations: organisations, ackFile: ackFile, window: options.window)
        defer { load.close() }
        try load.openIncidents(timeout: .seconds(30))
        say("load running; faults start (seed \(options.seed))")
        var weights = FaultSchedule.Weights()
        if options.partitions { weights.partition = 3 }
        if let kinds = options.faultKinds { weights = weights.keeping(kinds) }
        var schedule = FaultSchedule(seed: options.seed, weights: weights)
        let end = ContinuousClock.now + options.duration
        var nextFault = ContinuousClock.now + .milliseconds(Int64(schedule.nextInterval() * 1000))
        while ContinuousClock.now < end {
            try load.feed()
            try load.pump(timeout: .milliseconds(20))
            noteFailover(load)
            recoverDue(load)
            if ContinuousClock.now >= nextFault {
                inject(&schedule, load: load)
                nextFault = ContinuousClock.now + .milliseconds(Int64(schedule.nextInterval() * 1000))
            }
        }
        say("healing: every process up, waiting for convergence")
        healAll(load)
        try waitConverged(load: load)
        try readEtcdLog()
        let queued = load.queued
        try Data(JSONWriter.canonical(.object(queued.mapValues { .array($0.map(JSONValue.string)) }))).write(
            to: queuedFile)
        // How the run was made, kept with its records so a failing folder can be run again.
        let settings: JSONValue = [
            "seed": .string(String(options.seed)), "regions": .integer(Int64(options.regions)),
            "partitions": .bool(options.partitions),
        ]
        try Data(JSONWriter.canonical(settings)).write(
            to: folder.root.appendingPathComponent(Self.settingsFile))
        stopAll()
        let records = try Self.readRecords(
            folder: folder, acks: load.acks, queued: queued, organisations: organisations)
        return ChaosReport(
            verdict: Checker.check(records), faults: faults, failovers: failovers, acks: load.acks.count,
            degradedAcks: load.acks.filter(\.degraded).count, seed: options.seed, duration: options.duration)
    }

    private func setUp() throws {
        let layout = LocalNetworkLayout(regions: options.regions, standby: true, third: true)
        organisations = layout.daemons
        if options.partitions {
            // A host per process, each with its own address; the nodes on fixed ports.
            let lab = try NetworkLab(
                hosts: layout.roles.map(\.rawValue) + ["watcher"] + organisations.map(\.rawValue)
                    + Self.etcdMemberNames)
            self.lab = lab
            func address(_ host: String) -> NodeAddress {
                let ip = lab.hosts[host]!.address
                return NodeAddress(
                    endpoint: "tcp://\(ip):7402", bind: "tcp://\(ip):7402", pairEndpoint: "tcp://\(ip):7403",
                    pairBind: "tcp://\(ip):7403")
            }
            network = try folder.prepareNetwork(
                primary: address("primary"), backup: address("backup"),
                third: address("third"))
            // `ip netns exec` execs the program: the process is the daemon itself.
            group.launcher = { name, commandLine in lab.command(on: name, commandLine) }
            say(
                "hosts in network namespaces: \(lab.hosts.values.map { "\($0.name) \($0.address)" }.sorted().joined(separator: ", "))"
            )
        } else {
            let base = LocalNetworkLayout.freeBasePort(standby: true, chp: false, third: true) ?? 0
            network = try folder.prepareLocalNetwork(basePort: base, chp: false, standby: true, third: true)
        }
        let common = ["--dir", folder.root.path, "--log-level", "info"]
        // The etcd members first, and every replica started with --etcd.
        let replicaArguments = try setUpEtcd()
        let roles = Set(layout.roles.map(\.rawValue))
        for member in layout.members {
            add(
                member.name, member.arguments + (roles.contains(member.name) ? replicaArguments : []) + common
            )
        }
        add("watcher", ["watch"] + common)
        for managed in processes.values.sorted(by: {
            ($0.isEtcd ? 0 : 1, $0.name) < ($1.isEtcd ? 0 : 1, $1.name)
        }) {
            try start(managed)
        }
        say("network of \(processes.count) processes started in \(folder.root.path)")
        try waitUntil(options.settleTimeout, "the network to be ready") { self.isConverged() }
    }

    func add(_ name: String, _ arguments: [String], isEtcd: Bool = false) {
        processes[name] = Managed(name: name, arguments: arguments, isEtcd: isEtcd)
    }

    private func logFile(_ name: String) -> URL { folder.root.appendingPathComponent("chaos-\(name).log") }

    func start(_ managed: Managed) throws {
        let starter = managed.isEtcd ? etcdGroup ?? group : group
        managed.child = try starter.start(managed.name, managed.arguments, log: logFile(managed.name))
    }

    /// Stops the network: the knooppunt processes first, then the etcd members they need.
    func stopAll() {
        ChildProcess.stop(processes.values.filter { !$0.isEtcd }.compactMap(\.child), grace: .seconds(15))
        ChildProcess.stop(processes.values.filter(\.isEtcd).compactMap(\.child), grace: .seconds(15))
    }
}
