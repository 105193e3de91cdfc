import Foundation
import KnooppuntCertificates
import KnooppuntConfig
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON

/// `knooppunt bench --quorum`: in one run on one machine, one node alone and then the national
/// node as three replicas on three etcd members, each driven the same way (durable ACKs/s at
/// full load, publish→ACK at a steady rate); then the failover time of the replicas (SIGKILL
/// of the active until another ACKs, several times) and the size of etcd's database after the
/// load (docs/BENCHMARKS.md, issue 15's targets).
public final class QuorumBenchmark {
    /// Issue 15's targets, printed next to the figures.
    public static let targetThroughputShare = 0.5
    public static let targetSteadyP99Milliseconds = 25.0
    public static let targetFailoverMedianSeconds = 1.5
    public static let targetFailoverMaxSeconds = 3.0
    /// The longest a failover may take before the run gives up on it.
    public static let failoverTimeout: Duration = .seconds(30)

    let configuration: BenchConfiguration
    let folder: DataFolder
    let kills: Int
    let binary: URL
    let say: (String) -> Void

    public init(
        configuration: BenchConfiguration, folder: DataFolder, kills: Int,
        binary: URL = ChildProcess.currentExecutable(), say: @escaping (String) -> Void
    ) {
        self.configuration = configuration
        self.folder = folder
        self.kills = kills
        self.binary = binary
        self.say = say
    }

    public func run() throws -> JSONValue {
        say("one node alone: full load, then a steady rate")
        var single = configuration
        single.etcdEndpoints = nil
        let alone = try loadAndSteady(single, in: "single")

        say("three etcd members with TLS, as deployed")
        let replicaFolder = DataFolder(folder.root.appendingPathComponent("quorum").path)
        // The members speak TLS to the replicas and to each other, with a CA made for the run
        // in the replicas' DIR/keys/etcd, where each replica finds its own certificate.
        let tls = try EtcdCluster.TLS.prepared(
            in: EtcdTLSFiles(replicaFolder),
            members: (1...EtcdCluster.defaultMemberCount).map { ("etcd\($0)", ["127.0.0.1", "localhost"]) },
            clients: PairRole.allCases.map(\.rawValue), authorityName: "knooppunt-bench")
        let etcd = try EtcdCluster(
            folder: folder.root.appendingPathComponent("quorum-etcd", isDirectory: true),
            quotaBackendBytes: LocalEtcd.quotaBackendBytes, tls: tls)
        defer { etcd.stopAll() }
        try etcd.start()
        var replicated = configuration
        replicated.etcdEndpoints = etcd.clientURLs
        say("three replicas on etcd: full load, then a steady rate, then \(kills) kills of the active")
        let bench = NodeBenchmark(configuration: replicated, folder: replicaFolder, binary: binary)
        defer { bench.stopNode() }
        try bench.startNodes()
        try bench.connect()
        // Each member's database file through the load, as the space quota sees it.
        let sampler = DatabaseSampler(etcd.members.map(\.dataFolder))
        sampler.start()
        let atStart = bench.activeQuorumStatus()
        let fullLoad = try bench.fullLoad()
        let afterFull = bench.activeQuorumStatus()
        let steadyRate = try bench.steady()
        let afterSteady = bench.activeQuorumStatus()
        // Where an ACK waited in each phase: etcd's round trips and the batches' wait.
        let full = Self.adding(
            "etcdCommits", Self.commitFigures(from: atStart, to: afterFull), to: fullLoad)
        let steady = Self.adding(
            "etcdCommits", Self.commitFigures(from: afterFull, to: afterSteady), to: steadyRate)
        let databaseBytes = etcd.members.map { Self.databaseBytes($0.dataFolder) }
        let largestBytes = sampler.stop()
        var failovers: [Double] = []
        var catchUps: [Double] = []
        for kill in 1...max(1, kills) {
            let (seconds, catchUp) = try bench.killActiveAndTimeFailover(timeout: Self.failoverTimeout)
            say(
                String(
                    format: "kill %d: another replica ACKed after %.3f s; the killed one caught up in %.1f s",
                    kill, seconds, catchUp))
            failovers.append(seconds)
            catchUps.append(catchUp)
        }
        return result(
            alone: alone, full: full, steady: steady, failovers: failovers, catchUps: catchUps,
            databaseBytes: databaseBytes, largestBytes: largestBytes)
    }

    /// The full-load and steady phases of one deployment, in a folder of its own.
    func loadAndSteady(_ configuration: BenchConfiguration, in name: String) throws -> (JSONValue, JSONValue)
    {
        let bench = NodeBenchmark(
            configuration: configuration, folder: DataFolder(folder.root.appendingPathComponent(name).path),
            binary: binary)
        defer { bench.stopNode() }
        try bench.startNodes()
        try bench.connect()
        return (try bench.fullLoad(), try bench.steady())
    }

    /// The size of a member's database file (bbolt's `member/snap/db`): what the space quota counts.
    static func databaseBytes(_ dataFolder: URL) -> Int64 {
        let path = dataFolder.appendingPathComponent("member/snap/db").path
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        return size ?? -1
    }

    func result(
        alone: (JSONValue, JSONValue), full: JSONValue, steady: JSONValue, failovers: [Double],
        catchUps: [Double], databaseBytes: [Int64], largestBytes: [Int64]
    ) -> JSONValue {
        func megabytes(_ sizes: [Int64]) -> JSONValue {
            .array(sizes.map { .number((Double($0) / 1_048_576 * 10).rounded() / 10) })
        }
        func rate(_ phase: JSONValue) -> Int64 { phase["durableAcksPerSecond"]?.integerValue ?? 0 }
        func p99(_ phase: JSONValue) -> Double { phase["publishToAck"]?["p99Ms"]?.doubleValue ?? .infinity }
        let sorted = failovers.sorted()
        let median = sorted[sorted.count / 2]
        let share = Double(rate(full)) / Double(max(1, rate(alone.0)))
        func round(_ value: Double) -> JSONValue { .number((value * 1000).rounded() / 1000) }
        return [
            "configuration": [
                "publishers": .integer(Int64(configuration.publishers)),
                "window": .integer(Int64(configuration.window)),
                "reports": .integer(Int64(configuration.reports)),
                "rate": .integer(Int64(configuration.rate)),
                "etcdMembers": .integer(Int64(EtcdCluster.defaultMemberCount)), "replicas": 3,
                "build": .string(NodeBenchmark.buildKind),
                "cores": .integer(Int64(ProcessInfo.processInfo.activeProcessorCount)),
                "loadAverage": .string(Self.loadAverage()),
            ],
            "singleNode": ["fullLoad": alone.0, "steady": alone.1],
            "quorum": [
                "fullLoad": full, "steady": steady,
                "etcdDatabaseMegabytesAfterLoad": megabytes(databaseBytes),
                "etcdDatabaseMegabytesLargestDuringLoad": megabytes(largestBytes),
                "etcdQuotaMegabytes": .integer(Int64(LocalEtcd.quotaBackendBytes / 1_048_576)),
                "failoverSeconds": [
                    "kills": .integer(Int64(sorted.count)), "median": round(median),
                    "max": round(sorted.last!),
                    "all": .array(failovers.map(round)),
                ],
                "restartedReplicaCatchUpSeconds": .array(catchUps.map(round)),
            ],
            "targets": [
                "quorumThroughputShareOfSingleNode": round(share),
                "throughputAtLeastHalf": .bool(share >= Self.targetThroughputShare),
                "steadyP99Below25ms": .bool(p99(steady) < Self.targetSteadyP99Milliseconds),
                "failoverMedianBelow1.5s": .bool(median < Self.targetFailoverMedianSeconds),
                "failoverMaxBelow3s": .bool(sorted.last! < Self.targetFailoverMaxSeconds),
            ],
        ]
    }

    /// The machine's load average (1, 5, 15 minutes), to stand next to the figures.
    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(
            3
        )
        .joined(separator: " ")
    }
}
