import Foundation
import KnooppuntCertificates
import KnooppuntConfig
import KnooppuntProtocol

/// The etcd members of a local quorum deployment (`knooppunt cluster`, chaos, the bench):
/// ``EtcdCluster/defaultMemberCount`` members with their data in `DIR/etcd`, on loopback
/// ports at a fixed distance from the network's base port. Fixed, because a member started
/// again on its data folder looks for its peers where its stored membership says they are.
/// The members speak TLS as in a deployment (a local CA and certificates in DIR/keys/etcd, made
/// on the first start), so the replicas' TLS path runs wherever the local network does.
public enum LocalEtcd {
    /// The members' first client port, this far above the network's base port (the nodes use
    /// +0…+23, the desk its own port): member N has client port +40+2(N-1) and peer port one above.
    public static let portOffset = 40
    /// The network's name in etcd's keys (`/knooppunt/NL/...`).
    public static let networkName = "NL"
    /// Every member's space quota (`--quota-backend-bytes`). The log is trimmed to the
    /// slowest replica's point (at most `LogTrim.Limits.retainedEntries`, 50,000 entries of
    /// about 2.5 KB behind the tip) and compacted every few seconds, so the database stays
    /// far below it (docs/BENCHMARKS.md: under 50 MB at full load); a database that does
    /// reach it refuses writes with an alarm and the node recovers (QuorumLogTests).
    public static let quotaBackendBytes = 512 * 1_048_576

    /// The folder of the members' data and logs.
    public static func folder(_ data: DataFolder) -> URL {
        data.root.appendingPathComponent("etcd", isDirectory: true)
    }

    /// Whether this data folder ever ran etcd members (their data folders exist).
    public static func exists(_ data: DataFolder) -> Bool {
        FileManager.default.fileExists(atPath: folder(data).appendingPathComponent("etcd1.etcd").path)
    }

    /// The members of the network in `data` whose base port is `basePort` (not started).
    public static func cluster(_ data: DataFolder, basePort: Int) throws -> EtcdCluster {
        let tls = try material(data)
        try DataFolder.makeOwnerOnly(folder(data))
        return try EtcdCluster(
            folder: folder(data), quotaBackendBytes: quotaBackendBytes, basePort: basePort + portOffset,
            tls: tls)
    }

    /// The members' TLS material, made where missing: for a new folder, or one whose members
    /// ran with TLS before. Members that first ran without it (an older folder) keep plain
    /// HTTP on loopback: their stored membership names http:// peers.
    public static func material(_ data: DataFolder) throws -> EtcdCluster.TLS? {
        let files = EtcdTLSFiles(data)
        guard files.exists || !exists(data) else { return nil }
        let names = (1...EtcdCluster.defaultMemberCount).map { "etcd\($0)" }
        return try EtcdCluster.TLS.prepared(
            in: files, members: names.map { ($0, ["127.0.0.1", "localhost"]) },
            clients: PairRole.allCases.map(\.rawValue), authorityName: "local \(networkName)")
    }

    /// The arguments that make `knooppunt node` one replica on these members (with TLS it finds
    /// its client certificate in the data folder, the default for https:// members).
    public static func nodeArguments(_ cluster: EtcdCluster) -> [String] {
        ["--etcd", cluster.clientURLs.joined(separator: ","), "--etcd-network", networkName]
    }
}

extension EtcdCluster {
    /// Starts again, without waiting, every member that has exited although nobody stopped
    /// it; returns their names (for the caller to report). A process manager's duty, here for
    /// `knooppunt cluster`, which has no other one for its members.
    public func restartExited() -> [String] {
        var restarted: [String] = []
        for index in members.indices {
            guard let process = process(index), !process.isRunning, !process.isPaused else { continue }
            guard (try? launch(index)) != nil else { continue }
            restarted.append("\(members[index].name) (exited with \(process.exitDescription))")
        }
        return restarted
    }

    /// Writes each member's process id to `NAME.pid` in the cluster's folder, for
    /// ``stopLeftovers()`` after the starting process itself was SIGKILLed.
    public func writePIDFiles() {
        for index in members.indices {
            guard let pid = process(index)?.pid else { continue }
            try? String(pid).write(to: pidFile(index), atomically: true, encoding: .utf8)
        }
    }

    /// Stops members an earlier run left running (their pid files name an etcd process still
    /// holding this folder's data): a new member on the same data folder and ports would
    /// otherwise fail. Returns what it stopped.
    @discardableResult
    public func stopLeftovers(grace: Duration = stopGrace) -> [String] {
        var stopped: [(String, pid_t)] = []
        for index in members.indices {
            guard let text = try? String(contentsOf: pidFile(index), encoding: .utf8),
                let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                let commandLine = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                commandLine.contains(members[index].dataFolder.path)
            else { continue }
            Foundation.kill(pid, SIGTERM)
            stopped.append((members[index].name, pid))
        }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, stopped.contains(where: { Foundation.kill($0.1, 0) == 0 }) {
            Thread.sleep(forTimeInterval: 0.1)
        }
        for (_, pid) in stopped where Foundation.kill(pid, 0) == 0 { Foundation.kill(pid, SIGKILL) }
        return stopped.map { "\($0.0) (pid \($0.1))" }
    }

    func pidFile(_ index: Int) -> URL { folder.appendingPathComponent("\(members[index].name).pid") }
}

extension EtcdCluster.TLS {
    /// The members' TLS material in `files`, made where missing (``EtcdTLSFiles/prepare``):
    /// the CA, each member's certificate valid for its names, each client's certificate; and
    /// the members' files as the cluster starts them.
    public static func prepared(
        in files: EtcdTLSFiles, members: [(name: String, names: [String])], clients: [String],
        authorityName: String
    ) throws -> EtcdCluster.TLS {
        try files.prepare(members: members, clients: clients, authorityName: authorityName)
        return EtcdCluster.TLS(
            authorityFile: files.authorityCertificate,
            members: members.map { (files.memberCertificate($0.name), files.memberKey($0.name)) })
    }
}
