import Foundation

/// A local etcd cluster of real `etcd` processes (Debian's `etcd-server`): N members on
/// loopback ports nobody holds, each with its data folder under one folder, started together
/// with `--initial-cluster`. Tests, chaos and the local deployment kill, pause, resume and
/// restart members through it. Not thread-safe, like ``ProcessGroup``: one caller drives it at
/// a time, though it may hand it to another thread (`@unchecked Sendable` for that alone).
/// Blocking: call from a thread of its own, never on a poll loop or the concurrency pool.
public final class EtcdCluster: @unchecked Sendable {
    /// Three members: the smallest cluster that survives the loss of one.
    public static let defaultMemberCount = 3
    /// etcd's heartbeat and election timeout on loopback. The election timeout sets etcd's
    /// smallest lease TTL, ceil(1.5 x election timeout) in whole seconds: 500 ms gives 1 s, the
    /// active replica's lease (`Leadership.defaultLeaseTTL`), whose expiry is the floor of a
    /// failover; at etcd's default of 1,000 ms every lease would be raised to 2 s. The heartbeat
    /// stays a tenth of the timeout (etcd's own ratio), so a member misses ten heartbeats on a
    /// busy machine before it starts an election.
    public static let heartbeatInterval: Duration = .milliseconds(50)
    /// Every member's `--max-txn-ops`: the node's commits write up to
    /// `Fence.maximumEntriesPerCommit` entries in one transaction (etcd's default is 128).
    public static let maximumTxnOperations = 512
    public static let electionTimeout: Duration = .milliseconds(500)
    /// How often a member tells a quiet watch how far it is: the watch's sign of life, so a
    /// client notices a hung member within its idle timeout (etcd's default is 10 minutes).
    public static let watchProgressInterval: Duration = .seconds(1)
    /// How long a start may take until every member is healthy (a cold start on a busy machine
    /// took about 4 s here).
    public static let startTimeout: Duration = .seconds(60)
    /// How long a member may take to stop on SIGTERM before SIGKILL.
    public static let stopGrace: Duration = .seconds(5)
    /// Where Debian installs the server.
    public static let debianBinary = "/usr/bin/etcd"

    public struct Member {
        public let name: String
        public let clientPort: Int
        public let peerPort: Int
        public let dataFolder: URL
        public var clientURL: String { "http://127.0.0.1:\(clientPort)" }
        public var peerURL: String { "http://127.0.0.1:\(peerPort)" }
    }

    public let folder: URL
    public let binary: URL
    public let members: [Member]
    /// `--quota-backend-bytes` of every member; nil keeps etcd's default (2 GiB).
    public let quotaBackendBytes: Int?
    let processes: ProcessGroup
    let token: String
    /// Members ended on purpose (``kill(_:)``, ``stopAll(grace:)``): their absence is no failure.
    private var killed: Set<Int> = []

    /// The etcd binary: `KNOOPPUNT_ETCD_BIN`, else Debian's, else the first `etcd` on `PATH`;
    /// nil when none is installed (`scripts/setup.sh` installs it).
    public static func installedBinary() -> URL? {
        let environment = ProcessInfo.processInfo.environment
        var candidates = [environment["KNOOPPUNT_ETCD_BIN"], debianBinary].compactMap { $0 }
        candidates += (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/etcd" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }.map {
            URL(fileURLWithPath: $0)
        }
    }

    /// Lays out `count` members under `folder` (data in `folder/NAME.etcd`, logs in
    /// `folder/NAME.log`) on free loopback ports, or on the `2 * count` ports from `basePort`
    /// (a deployment restarted on its data folders needs the same ports every time). Nothing
    /// runs until ``start()``.
    public init(
        folder: URL, count: Int = defaultMemberCount, quotaBackendBytes: Int? = nil, binary: URL? = nil,
        basePort: Int? = nil
    )
        throws
    {
        precondition(count >= 1, "a cluster has at least one member")
        guard let binary = binary ?? Self.installedBinary() else {
            throw HarnessError("etcd is not installed: run scripts/setup.sh (Debian's etcd-server)")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard let base = basePort ?? FreePorts.consecutive(2 * count) else {
            throw HarnessError("no \(2 * count) free consecutive ports on loopback for etcd")
        }
        self.folder = folder
        self.binary = binary
        self.quotaBackendBytes = quotaBackendBytes
        self.members = (0..<count).map { index in
            Member(
                name: "etcd\(index + 1)", clientPort: base + 2 * index, peerPort: base + 2 * index + 1,
                dataFolder: folder.appendingPathComponent("etcd\(index + 1).etcd"))
        }
        self.processes = ProcessGroup(binary: binary, logFolder: folder)
        self.token = "knooppunt-\(UUID().uuidString.prefix(8))"
    }

    deinit { processes.stopAll(grace: .seconds(1)) }

    /// Every member's client URL, in member order.
    public var clientURLs: [String] { members.map(\.clientURL) }

    /// Starts every member and waits until each one says it is healthy (has a leader).
    public func start(timeout: Duration = startTimeout) throws {
        for index in members.indices { try launch(index) }
        try waitUntilHealthy(timeout: timeout)
    }

    /// The command line of one member. A member started again on its data folder rejoins
    /// with what it has; `--initial-cluster` only matters for a new folder.
    public func arguments(_ index: Int) -> [String] {
        let member = members[index]
        let cluster = members.map { "\($0.name)=\($0.peerURL)" }.joined(separator: ",")
        var arguments = [
            "--name", member.name, "--data-dir", member.dataFolder.path,
            "--listen-client-urls", member.clientURL, "--advertise-client-urls", member.clientURL,
            "--listen-peer-urls", member.peerURL, "--initial-advertise-peer-urls", member.peerURL,
            "--initial-cluster", cluster, "--initial-cluster-token", token,
            "--initial-cluster-state", "new",
            "--heartbeat-interval", String(Self.milliseconds(Self.heartbeatInterval)),
            "--election-timeout", String(Self.milliseconds(Self.electionTimeout)),
            "--experimental-watch-progress-notify-interval",
            "\(Self.milliseconds(Self.watchProgressInterval))ms",
            "--logger", "zap", "--log-outputs", "stderr",
            "--max-txn-ops", String(Self.maximumTxnOperations),
        ]
        if let quotaBackendBytes { arguments += ["--quota-backend-bytes", String(quotaBackendBytes)] }
        return arguments
    }

    func launch(_ index: Int) throws {
        try processes.start(members[index].name, arguments(index))
        killed.remove(index)
    }

    /// The running process of member `index`.
    public func process(_ index: Int) -> ChildProcess? { processes[members[index].name] }

    public func isRunning(_ index: Int) -> Bool { processes.isRunning(members[index].name) }

    /// SIGKILL: the member is gone at once, as in a crash; its data folder stays.
    public func kill(_ index: Int) {
        killed.insert(index)
        process(index)?.kill9()
    }

    /// SIGSTOP: the member keeps its sockets but answers nothing (a hung machine).
    public func pause(_ index: Int) { process(index)?.pause() }

    /// SIGCONT after ``pause(_:)``.
    public func resume(_ index: Int) { process(index)?.resume() }

    /// Starts a killed or stopped member again on its data folder and waits until it is healthy.
    public func restart(_ index: Int, timeout: Duration = startTimeout) throws {
        if isRunning(index) { process(index)?.stop(grace: Self.stopGrace) }
        try launch(index)
        try waitUntilHealthy(timeout: timeout)
    }

    /// Stops every member (SIGTERM, SIGKILL after the grace); data folders stay.
    @discardableResult
    public func stopAll(grace: Duration = stopGrace) -> [String] {
        killed.formUnion(members.indices)
        return processes.stopAll(grace: grace)
    }

    /// `GET /health` of member `index` answers 200: it runs and knows a leader.
    public func isHealthy(_ index: Int) -> Bool {
        (try? HTTPStatus.get(
            host: "127.0.0.1", port: members[index].clientPort, path: "/health", timeout: .seconds(2))) == 200
    }

    /// Waits until every running, not paused member is healthy. A member that was started
    /// and has exited (a port taken meanwhile, a bad flag) fails the wait at once with the end
    /// of its log, instead of after the whole timeout.
    public func waitUntilHealthy(timeout: Duration = startTimeout) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let index = members.indices.first(where: {
                process($0) != nil && !isRunning($0) && !killed.contains($0)
            }) {
                let exit = process(index)?.exitDescription ?? "gone"
                throw HarnessError("\(members[index].name) exited (\(exit)): \(logText(index).suffix(1_500))")
            }
            let healthy = members.indices.allSatisfy { index in
                guard isRunning(index), process(index)?.isPaused != true else { return true }
                return isHealthy(index)
            }
            if healthy { return }
            guard ContinuousClock.now < deadline else {
                throw HarnessError("timed out waiting for etcd members healthy")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// The text of member `index`'s log (for a failing test's message).
    public func logText(_ index: Int) -> String { processes.logText(members[index].name) }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
