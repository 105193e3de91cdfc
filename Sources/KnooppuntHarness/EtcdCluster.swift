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
    /// A member's ports on a host of its own (``init(folder:hosts:quotaBackendBytes:binary:tls:)``):
    /// etcd's registered client and peer ports, health on the next (loopback only).
    public static let hostClientPort = 2379
    public static let hostPeerPort = 2380
    public static let hostMetricsPort = 2381
    /// Where Debian installs the server.
    public static let debianBinary = "/usr/bin/etcd"

    public struct Member {
        public let name: String
        /// The address it listens on and is reached by (127.0.0.1, or a test host's own).
        public let host: String
        public let clientPort: Int
        public let peerPort: Int
        public let dataFolder: URL
        /// With TLS: the plain-HTTP port of `/health` and `/metrics` on loopback
        /// (`--listen-metrics-urls`), so readiness needs no client certificate.
        public let metricsPort: Int?
        var scheme: String { metricsPort == nil ? "http" : "https" }
        public var clientURL: String { "\(scheme)://\(host):\(clientPort)" }
        public var peerURL: String { "\(scheme)://\(host):\(peerPort)" }
    }

    /// The members' TLS material (PEM files): the CA every member trusts for clients and
    /// peers, and each member's certificate and key (server and peer use, valid for 127.0.0.1).
    /// With it the members require a client certificate the CA signed (`--client-cert-auth`)
    /// from the replicas and from each other (`--peer-client-cert-auth`).
    public struct TLS: Sendable {
        public var authorityFile: URL
        public var members: [(certificate: URL, key: URL)]
        public init(authorityFile: URL, members: [(certificate: URL, key: URL)]) {
            self.authorityFile = authorityFile
            self.members = members
        }
    }

    public let folder: URL
    public let binary: URL
    public let members: [Member]
    /// `--quota-backend-bytes` of every member; nil keeps etcd's default (2 GiB).
    public let quotaBackendBytes: Int?
    /// The members' TLS material; nil: plain HTTP on loopback.
    public let tls: TLS?
    let processes: ProcessGroup
    let token: String
    /// Wraps a member's command line to run elsewhere (inside a test host's network namespace).
    public var launcher:
        ((_ name: String, _ commandLine: [String]) -> (executable: URL, arguments: [String])?)?
    {
        get { processes.launcher }
        set { processes.launcher = newValue }
    }
    /// Asks member `index` whether it is healthy, where `GET /health` from here cannot reach it
    /// (a member inside a namespace); nil asks its loopback port.
    public var healthProbe: ((_ index: Int) -> Bool)?
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
    /// (a deployment restarted on its data folders needs the same ports every time; with TLS
    /// `3 * count`, the last `count` for health). Nothing runs until ``start()``.
    public init(
        folder: URL, count: Int = defaultMemberCount, quotaBackendBytes: Int? = nil, binary: URL? = nil,
        basePort: Int? = nil, tls: TLS? = nil
    )
        throws
    {
        precondition(count >= 1, "a cluster has at least one member")
        precondition(tls.map { $0.members.count == count } ?? true, "TLS material for every member")
        let portsPerMember = tls == nil ? 2 : 3
        guard let binary = binary ?? Self.installedBinary() else {
            throw HarnessError("etcd is not installed: run scripts/setup.sh (Debian's etcd-server)")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard let base = basePort ?? FreePorts.consecutive(portsPerMember * count) else {
            throw HarnessError("no \(portsPerMember * count) free consecutive ports on loopback for etcd")
        }
        self.folder = folder
        self.binary = binary
        self.quotaBackendBytes = quotaBackendBytes
        self.tls = tls
        self.members = (0..<count).map { index in
            Member(
                name: "etcd\(index + 1)", host: "127.0.0.1", clientPort: base + 2 * index,
                peerPort: base + 2 * index + 1,
                dataFolder: folder.appendingPathComponent("etcd\(index + 1).etcd"),
                metricsPort: tls == nil ? nil : base + 2 * count + index)
        }
        self.processes = ProcessGroup(binary: binary, logFolder: folder)
        self.token = "knooppunt-\(UUID().uuidString.prefix(8))"
    }

    /// One member on each of `hosts` (addresses of test hosts, e.g. network namespaces), each
    /// on the same fixed ports of its own host, with TLS; ``launcher`` runs each where its
    /// address is and ``healthProbe`` asks it there.
    public init(
        folder: URL, hosts: [String], quotaBackendBytes: Int? = nil, binary: URL? = nil, tls: TLS
    ) throws {
        precondition(!hosts.isEmpty && tls.members.count == hosts.count, "TLS material for every member")
        guard let binary = binary ?? Self.installedBinary() else {
            throw HarnessError("etcd is not installed: run scripts/setup.sh (Debian's etcd-server)")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.folder = folder
        self.binary = binary
        self.quotaBackendBytes = quotaBackendBytes
        self.tls = tls
        self.members = hosts.enumerated().map { index, host in
            Member(
                name: "etcd\(index + 1)", host: host, clientPort: Self.hostClientPort,
                peerPort: Self.hostPeerPort,
                dataFolder: folder.appendingPathComponent("etcd\(index + 1).etcd"),
                metricsPort: Self.hostMetricsPort)
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
        if let tls, let metricsPort = member.metricsPort {
            arguments += Self.tlsArguments(
                authority: tls.authorityFile.path, certificate: tls.members[index].certificate.path,
                key: tls.members[index].key.path)
            arguments += ["--listen-metrics-urls", "http://127.0.0.1:\(metricsPort)"]
        }
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

    /// etcd's TLS flags for a member: clients and peers both verified against the one CA, the
    /// member's one certificate serving both (deploy/systemd/knooppunt-etcd.service uses the
    /// same flags; EtcdUnitTests holds the two together).
    public static func tlsArguments(authority: String, certificate: String, key: String) -> [String] {
        [
            "--cert-file", certificate, "--key-file", key, "--trusted-ca-file", authority,
            "--client-cert-auth",
            "--peer-cert-file", certificate, "--peer-key-file", key, "--peer-trusted-ca-file", authority,
            "--peer-client-cert-auth",
        ]
    }

    /// `GET /health` of member `index` answers 200: it runs and knows a leader (on its
    /// plain-HTTP metrics port with TLS).
    public func isHealthy(_ index: Int) -> Bool {
        if let healthProbe { return healthProbe(index) }
        let member = members[index]
        return
            (try? HTTPStatus.get(
                host: "127.0.0.1", port: member.metricsPort ?? member.clientPort, path: "/health",
                timeout: .seconds(2))) == 200
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
