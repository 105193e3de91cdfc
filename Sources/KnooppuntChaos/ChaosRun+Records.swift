import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON

extension ChaosRun {
    /// Reads the stores of a finished run (all processes stopped) into records for the checker.
    public static func readRecords(
        folder: DataFolder, acks: [AckRecord], queued: [String: [String]], organisations: [OrganisationCode]
    ) throws -> RunRecords {
        var logs: [(PairRole, [LogRecord])] = []
        var stores: [PairRole: NodeStore] = [:]
        for role in PairRole.allCases
        where FileManager.default.fileExists(atPath: folder.store(of: role).path) {
            let store = try NodeStore(path: folder.store(of: role).path)
            stores[role] = store
            let updates = try store.updates(in: 1...UInt64(Int64.max), limit: Int.max)
            logs.append(
                (
                    role,
                    updates.map {
                        LogRecord(
                            sequence: $0.sequence, epoch: $0.epoch, id: $0.report.id.rawValue,
                            origin: $0.report.origin.rawValue, originSeq: $0.report.envelope.originSeq)
                    }
                ))
        }
        guard let final = logs.max(by: { $0.1.count < $1.1.count }) else {
            throw ChaosError("no replica store found")
        }
        guard let etcdLog = readEtcdLogFile(folder) else {
            throw ChaosError(
                "no etcd log in \(etcdLogFile(folder).path): the run stopped before it read etcd")
        }
        let loaded = try stores[final.0]!.load(views: Picture.allViews)
        var mirrors: [MirrorRecord] = []
        for code in organisations {
            let store = try DaemonStore(path: folder.daemonStore(code).path)
            let view = View.organisation(code)
            let picture = try store.loadMirror(view: view)
            mirrors.append(
                MirrorRecord(
                    organisation: code.rawValue, applied: picture.lastSequence,
                    viewHash: picture.hash(for: view).hex,
                    expectedHash: loaded.picture.hash(for: view).hex,
                    history: try store.historyReportIDs().map { ($0.sequence, $0.id.rawValue) }))
        }
        var records = RunRecords(
            acks: acks, queued: queued, log: final.1, mirrors: mirrors,
            activations: activations(folder: folder))
        // Every other replica is compared with the final log.
        records.replicaLogs = logs.filter { $0.0 != final.0 }.map { ($0.0.rawValue, $0.1) }
        records.etcdLog = etcdLog
        records.auditChains = try stores.sorted { $0.key.rawValue < $1.key.rawValue }.map {
            AuditChainRecord(
                replica: $0.key.rawValue, records: try $0.value.auditRecords(from: 1, limit: Int.max))
        }
        return records
    }

    /// "this replica is active … node.epoch=N" lines from every replica's log.
    static func activations(folder: DataFolder) -> [(node: String, epoch: UInt64)] {
        var result: [(String, UInt64)] = []
        for role in PairRole.allCases {
            let candidates = [
                folder.root.appendingPathComponent("chaos-\(role.rawValue).log"),
                folder.folder(of: role).appendingPathComponent("node.log"),
            ]
            for url in candidates {
                guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
                for line in text.split(separator: "\n")
                where line.contains("this replica is active") {
                    guard let range = line.range(of: "node.epoch=") else { continue }
                    let digits = line[range.upperBound...].prefix { $0.isNumber }
                    if let epoch = UInt64(digits) { result.append((role.rawValue, epoch)) }
                }
            }
        }
        return result
    }

    /// The run's settings (seed, regions, partitions), written next to its records.
    static let settingsFile = "chaos-run.json"

    /// Checks a finished run folder again (its ACK file, queue file and stores).
    public static func recheck(folder: DataFolder) throws -> Verdict {
        let acks = try LoadGenerator.readAcks(folder.root.appendingPathComponent("chaos-acks.jsonl"))
        let queuedValue =
            (try? JSONParser.parse(
                [UInt8](Data(contentsOf: folder.root.appendingPathComponent("chaos-queued.json")))))
            ?? [:]
        var queued: [String: [String]] = [:]
        for (origin, ids) in queuedValue.objectValue ?? [:] {
            queued[origin] = ids.arrayValue?.compactMap(\.stringValue) ?? []
        }
        let organisations = queued.keys.compactMap(OrganisationCode.init).sorted()
        let records = try readRecords(
            folder: folder, acks: acks, queued: queued, organisations: organisations)
        return Checker.check(records)
    }

    /// The checker's own test on real stores: removes one acknowledged entry from every
    /// replica's log of a finished run (a copy) and expects FAIL.
    public static func selfTest(folder: DataFolder) throws -> (removed: String, verdict: Verdict) {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-chaos-selftest-\(UUID().uuidString.prefix(6))")
        try copyRegularFiles(from: folder.root, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let doctored = DataFolder(copy.path)
        let acks = try LoadGenerator.readAcks(copy.appendingPathComponent("chaos-acks.jsonl"))
        guard let victim = acks.dropFirst(acks.count / 2).first else {
            throw ChaosError("the run has no ACKs to remove")
        }
        for role in PairRole.allCases
        where FileManager.default.fileExists(atPath: doctored.store(of: role).path) {
            try NodeStore(path: doctored.store(of: role).path).deleteForTest(sequence: victim.sequence)
        }
        return ("\(victim.id) at seq \(victim.sequence)", try recheck(folder: doctored))
    }
}

/// Copies a run folder's regular files (stores, logs, keys), leaving sockets and locks behind.
func copyRegularFiles(from source: URL, to target: URL) throws {
    let manager = FileManager.default
    try manager.createDirectory(at: target, withIntermediateDirectories: true)
    guard
        let walker = manager.enumerator(
            at: source, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey])
    else {
        return
    }
    for case let url as URL in walker {
        let relative = String(url.path.dropFirst(source.path.count + 1))
        let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isDirectoryKey])
        let destination = target.appendingPathComponent(relative)
        if values.isDirectory == true {
            try manager.createDirectory(at: destination, withIntermediateDirectories: true)
        } else if values.isRegularFile == true, url.lastPathComponent != "lock" {
            try manager.copyItem(at: url, to: destination)
        }
    }
}
