import Foundation
import KnooppuntCertificates
import KnooppuntConfig
import KnooppuntCore
import KnooppuntHarness
import KnooppuntProtocol

// The quorum deployment under chaos: three etcd members (on hosts of their own with
// partitions) and three node replicas on them; which of them may be attacked now; reading
// etcd's committed log for the checker.
extension ChaosRun {
    static let etcdMemberNames = (1...EtcdCluster.defaultMemberCount).map { "etcd\($0)" }
    /// The node replicas' process names.
    static let replicaNames = PairRole.allCases.map(\.rawValue)
    /// Log entries read from etcd per request: an entry is one commit's batch, up to 1 MiB.
    static let etcdPageSize = 32

    /// Adds the etcd members as processes of the run and returns the arguments that make a
    /// node one replica on them. The members' command lines are ``EtcdCluster``'s. They speak
    /// TLS as in a deployment: the run's CA and certificates go to DIR/keys/etcd, where each
    /// replica finds its own. With partitions each member runs on its lab host, on the host's
    /// own address; without, all three on loopback.
    func setUpEtcd() throws -> [String] {
        guard let binary = EtcdCluster.installedBinary() else {
            throw ChaosError("chaos needs etcd: run scripts/setup.sh (it installs Debian's etcd-server)")
        }
        let etcdFolder = folder.root.appendingPathComponent("etcd", isDirectory: true)
        let files = EtcdTLSFiles(folder)
        let addresses = Self.etcdMemberNames.map { lab?.hosts[$0]!.address ?? "127.0.0.1" }
        let tls = try EtcdCluster.TLS.prepared(
            in: files, members: zip(Self.etcdMemberNames, addresses).map { ($0, [$1]) },
            clients: Self.replicaNames, authorityName: "knooppunt-chaos")
        let cluster: EtcdCluster
        let group = ProcessGroup(binary: binary, logFolder: folder.root)
        if let lab {
            cluster = try EtcdCluster(folder: etcdFolder, hosts: addresses, binary: binary, tls: tls)
            group.launcher = { name, commandLine in lab.command(on: name, commandLine) }
        } else {
            cluster = try EtcdCluster(folder: etcdFolder, binary: binary, tls: tls)
        }
        // The checker reads etcd's log with etcdctl as one replica would.
        etcdctlTLS = [
            "--cacert", files.authorityCertificate.path,
            "--cert", files.clientCertificate(Self.replicaNames[0]).path,
            "--key", files.clientKey(Self.replicaNames[0]).path,
        ]
        for (index, member) in cluster.members.enumerated() {
            add(member.name, cluster.arguments(index), isEtcd: true)
        }
        etcdGroup = group
        etcdEndpoints = cluster.members.map(\.clientURL)
        say("etcd: \(cluster.members.count) members at \(etcdEndpoints.joined(separator: " "))")
        return ["--etcd", etcdEndpoints.joined(separator: ","), "--etcd-network", LocalEtcd.networkName]
    }

    /// Which processes may be attacked now: at most one replica and at most one member down,
    /// paused or cut at a time (a majority of each stays: the stated bound); any daemon or the
    /// watcher.
    func targets() -> [(name: String, weight: Int)] {
        func ready(_ names: [String]) -> Bool {
            names.allSatisfy { processes[$0].map { $0.isUp && $0.recoverAt == nil } ?? false }
        }
        let replicasReady = ready(Self.replicaNames)
        let membersReady = ready(Self.etcdMemberNames)
        var result: [(String, Int)] = []
        for managed in processes.values.sorted(by: { $0.name < $1.name })
        where managed.isUp && managed.recoverAt == nil {
            if Self.replicaNames.contains(managed.name) {
                if replicasReady { result.append((managed.name, 3)) }
            } else if managed.isEtcd {
                if membersReady { result.append((managed.name, 2)) }
            } else {
                result.append((managed.name, 1))
            }
        }
        return result
    }

    /// Every replica answers and holds the active's last sequence.
    func replicasCaughtUp(with active: NodeStatus) -> Bool {
        NodeStatus.all(folder, network, timeout: .milliseconds(500)).allSatisfy {
            $0.status?.lastSequence == active.lastSequence
        }
    }

    /// The committed log in etcd, read page by page with etcdctl (on a member's host with
    /// partitions), kept in DIR/chaos-etcd-log.tsv for the checker and `--check`.
    ///
    /// Every page is read at the revision of the first: the replicas keep trimming the log
    /// while it is read, and pages read at their own revisions would miss the entries trimmed
    /// between them (a gap that is not in etcd's log). If etcd compacted that revision away
    /// before the last page, the whole log is read again.
    func readEtcdLog() throws {
        var records: [LogRecord] = []
        for attempt in 1...Self.etcdLogReadAttempts {
            do {
                records = try readEtcdLogAtOneRevision()
                break
            } catch  where attempt < Self.etcdLogReadAttempts {
                say("etcd's log: read again (\(error))")
            }
        }
        let text = records.map { "\($0.sequence)\t\($0.epoch)\t\($0.id)\t\($0.origin)\t\($0.originSeq)" }
        try Data((text.joined(separator: "\n") + "\n").utf8).write(to: etcdLogFile(folder))
        say("etcd's log: \(records.count) reports read")
    }

    /// Times the log is read before a compaction between its pages fails the run.
    static let etcdLogReadAttempts = 3

    private func readEtcdLogAtOneRevision() throws -> [LogRecord] {
        let layout = Fence.Layout(network: LocalEtcd.networkName)
        let end = String(layout.logPrefix.dropLast()) + "0"  // the key after every "…/log/…"
        var from = layout.logPrefix
        var revision: Int?
        var records: [LogRecord] = []
        while true {
            let page = try etcdctl(
                ["get", from, end, "--limit", String(Self.etcdPageSize), "--write-out", "json"]
                    + (revision.map { ["--rev", String($0)] } ?? []))
            guard let object = try JSONSerialization.jsonObject(with: page) as? [String: Any],
                let header = object["header"] as? [String: Any], let pageRevision = header["revision"] as? Int
            else {
                throw ChaosError("etcdctl answered no JSON object with a revision")
            }
            revision = revision ?? pageRevision
            let kvs = object["kvs"] as? [[String: Any]] ?? []
            var lastSequence: UInt64?
            for kv in kvs {
                guard let keyText = kv["key"] as? String, let key = Data(base64Encoded: keyText),
                    let valueText = kv["value"] as? String, let value = Data(base64Encoded: valueText),
                    let sequence = layout.sequence(ofEntryKey: String(decoding: key, as: UTF8.self))
                else { throw ChaosError("etcd's log holds an entry that is not one") }
                lastSequence = sequence
                records += try Self.decodeEntry([UInt8](value))
            }
            guard kvs.count == Self.etcdPageSize, let lastSequence else { return records }
            from = layout.entryKey(lastSequence + 1)
        }
    }

    /// The reports of one log entry, in order: one commit's batch (refusals hold none).
    static func decodeEntry(_ value: [UInt8]) throws -> [LogRecord] {
        let message: LogMessage
        do {
            message = try LogEntryBytes.message(value)
        } catch {
            throw ChaosError("etcd's log holds a value that is not a log entry: \(error)")
        }
        return message.updates.map {
            LogRecord(
                sequence: $0.sequence, epoch: $0.epoch, id: $0.report.id.rawValue,
                origin: $0.report.origin.rawValue, originSeq: $0.report.envelope.originSeq)
        }
    }

    /// Runs etcdctl against the members (inside a member's host with partitions) and returns
    /// its standard output.
    func etcdctl(_ arguments: [String]) throws -> Data {
        guard let binary = Self.etcdctlBinary() else {
            throw ChaosError(
                "chaos needs etcdctl: run scripts/setup.sh (it installs Debian's etcd-client)")
        }
        let commandLine =
            [binary, "--endpoints", etcdEndpoints.joined(separator: ","), "--command-timeout", "20s"]
            + etcdctlTLS + arguments
        let process = Process()
        if let lab {
            let wrapped = lab.command(on: Self.etcdMemberNames[0], commandLine)
            process.executableURL = wrapped.executable
            process.arguments = wrapped.arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = Array(commandLine.dropFirst())
        }
        var environment = ProcessInfo.processInfo.environment
        environment["ETCDCTL_API"] = "3"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ChaosError(
                "etcdctl \(arguments.first ?? "") failed with status \(process.terminationStatus)")
        }
        return data
    }

    static func etcdctlBinary() -> String? {
        (["/usr/bin/etcdctl"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map {
                "\($0)/etcdctl"
            }).first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Where a run keeps etcd's log (sequence, epoch, id, origin, origin sequence per line).
func etcdLogFile(_ folder: DataFolder) -> URL {
    folder.root.appendingPathComponent("chaos-etcd-log.tsv")
}

/// Reads the file ``ChaosRun/readEtcdLog()`` wrote; nil when there is none (the run stopped
/// before it read etcd).
func readEtcdLogFile(_ folder: DataFolder) -> [LogRecord]? {
    guard let text = try? String(contentsOf: etcdLogFile(folder), encoding: .utf8) else { return nil }
    return text.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: "\t").map(String.init)
        guard fields.count == 5, let sequence = UInt64(fields[0]), let epoch = UInt64(fields[1]),
            let originSeq = UInt64(fields[4])
        else { return nil }
        return LogRecord(
            sequence: sequence, epoch: epoch, id: fields[2], origin: fields[3], originSeq: originSeq)
    }
}
