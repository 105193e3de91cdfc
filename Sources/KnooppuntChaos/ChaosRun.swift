import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON
import ZeroMQ

public struct ChaosOptions: Sendable {
    public var binary: URL
    public var folder: DataFolder
    public var duration: Duration
    public var seed: UInt64
    public var regions: Int = 5
    /// Unanswered reports each organisation keeps in flight.
    public var window: Int = 20
    /// Longest wait for the network to be ready, and to converge after healing.
    public var settleTimeout: Duration = .seconds(90)
    /// Run every process on a host of its own (network namespaces) and cut and heal links.
    public var partitions = false

    public init(binary: URL, folder: DataFolder, duration: Duration, seed: UInt64) {
        self.binary = binary
        self.folder = folder
        self.duration = duration
        self.seed = seed
    }
}

/// What a chaos run found.
public struct ChaosReport: Sendable {
    public var verdict: Verdict
    public var faults: [String]
    public var failovers: [Duration]
    public var acks: Int
    public var degradedAcks: Int
    public var seed: UInt64
    public var duration: Duration

    public func json(rerun: String) -> JSONValue {
        func ms(_ d: Duration) -> JSONValue {
            .integer(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
        }
        let sorted = failovers.sorted()
        var object = verdict.json.objectValue ?? [:]
        object["seed"] = .integer(Int64(bitPattern: seed))
        object["acks"] = .integer(Int64(acks))
        object["degradedAcks"] = .integer(Int64(degradedAcks))
        object["faults"] = .integer(Int64(faults.count))
        object["faultLog"] = .array(faults.map(JSONValue.string))
        object["failoverMilliseconds"] =
            sorted.isEmpty
            ? .null
            : [
                "count": .integer(Int64(sorted.count)), "min": ms(sorted[0]),
                "median": ms(sorted[sorted.count / 2]), "max": ms(sorted[sorted.count - 1]),
            ]
        object["rerun"] = .string(rerun)
        return .object(object)
    }
}

/// A real network attacked by seeded faults while it carries acknowledged load, then checked
/// offline (docs/ARCHITECTURE.md "Chaos").
public final class ChaosRun {
    final class Managed {
        let name: String
        let arguments: [String]
        var process: Process?
        var paused = false
        /// Its host is cut off the network.
        var cut = false
        /// When a downed or paused process comes back.
        var recoverAt: ContinuousClock.Instant?
        var recover: (() -> Void)?

        init(name: String, arguments: [String]) {
            self.name = name
            self.arguments = arguments
        }

        var isUp: Bool { (process?.isRunning ?? false) && !paused && !cut }
    }

    let options: ChaosOptions
    let say: (String) -> Void
    var processes: [String: Managed] = [:]
    var network: NetworkConfig!
    var organisations: [OrganisationCode] = []
    var faults: [String] = []
    var failovers: [Duration] = []
    var pendingFailover: (start: ContinuousClock.Instant, epoch: UInt64)?
    var lab: NetworkLab?

    public init(options: ChaosOptions, say: @escaping (String) -> Void) {
        self.options = options
        self.say = say
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
        let regions = Array(OrganisationCode.safetyRegions.prefix(options.regions))
        organisations = regions + [.nctv, .police]
        if options.partitions {
            // A host per process, each with its own address; the nodes on fixed ports.
            let lab = try NetworkLab(hosts: ["primary", "backup", "watcher"] + organisations.map(\.rawValue))
            self.lab = lab
            func address(_ host: String) -> NodeAddress {
                let ip = lab.hosts[host]!.address
                return NodeAddress(
                    endpoint: "tcp://\(ip):7402", bind: "tcp://\(ip):7402", pairEndpoint: "tcp://\(ip):7403",
                    pairBind: "tcp://\(ip):7403")
            }
            network = try folder.prepareNetwork(primary: address("primary"), backup: address("backup"))
            say(
                "hosts in network namespaces: \(lab.hosts.values.map { "\($0.name) \($0.address)" }.sorted().joined(separator: ", "))"
            )
        } else {
            var base = 0
            for _ in 0..<50 {
                let candidate = Int.random(in: 20_000..<60_000)
                if PortProbe.free([candidate + 2, candidate + 3, candidate + 12, candidate + 13]) {
                    base = candidate
                    break
                }
            }
            network = try folder.prepareLocalNetwork(basePort: base, chp: false, standby: true)
        }
        let common = ["--dir", folder.root.path, "--log-level", "info"]
        add("primary", ["node", "--role", "primary"] + common)
        add("backup", ["node", "--role", "backup"] + common)
        for code in organisations {
            let command: [String] =
                switch code.kind {
                case .nctv: ["nctv"]
                case .police: ["police"]
                default: ["region", code.rawValue]
                }
            add(code.rawValue, command + common)
        }
        add("watcher", ["watch"] + common)
        for managed in processes.values.sorted(by: { $0.name < $1.name }) { try start(managed) }
        say("network of \(processes.count) processes started in \(folder.root.path)")
        try waitUntil(options.settleTimeout, "the network to be ready") { self.isConverged() }
    }

    private func add(_ name: String, _ arguments: [String]) {
        processes[name] = Managed(name: name, arguments: arguments)
    }

    private func logFile(_ name: String) -> URL { folder.root.appendingPathComponent("chaos-\(name).log") }

    private func start(_ managed: Managed) throws {
        let process = Process()
        let arguments = managed.arguments + ["--parent-pid", String(getpid())]
        if let lab {
            // `ip netns exec` execs the program: the process is the daemon itself.
            let command = lab.command(on: managed.name, [options.binary.path] + arguments)
            process.executableURL = command.executable
            process.arguments = command.arguments
        } else {
            process.executableURL = options.binary
            process.arguments = arguments
        }
        let log = logFile(managed.name)
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        managed.process = process
        managed.paused = false
    }

    func stopAll() {
        for managed in processes.values {
            if let process = managed.process, process.isRunning {
                if managed.paused { kill(process.processIdentifier, SIGCONT) }
                kill(process.processIdentifier, SIGTERM)
            }
        }
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline,
            processes.values.contains(where: { $0.process?.isRunning == true })
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
        for managed in processes.values {
            if let process = managed.process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
            managed.process?.waitUntilExit()
        }
    }

    // MARK: Faults

    /// Which processes may be attacked now. A node only while the pair is in sync and the
    /// other node is up: the schedule never takes both nodes down (the stated bound), and never
    /// the active while its standby could not take over.
    private func targets() -> [(name: String, weight: Int)] {
        let active = activeStatus()
        let pairReady = active?["pair"]?["peerInSync"]?.boolValue == true
        var result: [(String, Int)] = []
        for managed in processes.values.sorted(by: { $0.name < $1.name })
        where managed.isUp && managed.recoverAt == nil {
            if managed.name == "primary" || managed.name == "backup" {
                let other = processes[managed.name == "primary" ? "backup" : "primary"]!
                if pairReady && other.isUp && other.recoverAt == nil { result.append((managed.name, 3)) }
            } else {
                result.append((managed.name, 1))
            }
        }
        return result
    }

    private func inject(_ schedule: inout FaultSchedule, load: LoadGenerator) {
        guard let fault = schedule.next(targets: targets()), let managed = processes[fault.target],
            let process = managed.process
        else { return }
        let isNode = fault.target == "primary" || fault.target == "backup"
        if isNode, let status = activeStatus(), status["pair"]?["configuredRole"]?.stringValue == fault.target
        {
            pendingFailover = (.now, UInt64(status["epoch"]?.integerValue ?? 0))
        }
        faults.append("\(Self.clock()) \(fault)")
        say("fault: \(fault)")
        switch fault.kind {
        case .kill:
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            scheduleRestart(managed, after: fault.duration, load: load)
        case .restart:
            kill(process.processIdentifier, SIGTERM)
            scheduleRestart(managed, after: .milliseconds(200), load: load)
        case .pause:
            kill(process.processIdentifier, SIGSTOP)
            managed.paused = true
            managed.recoverAt = .now + fault.duration
            managed.recover = { [weak managed] in
                guard let managed, let process = managed.process else { return }
                kill(process.processIdentifier, SIGCONT)
                managed.paused = false
            }
        case .partition:
            guard let lab else { return }
            try? lab.cut(managed.name)
            managed.cut = true
            managed.recoverAt = .now + fault.duration
            managed.recover = { [weak managed] in
                guard let managed else { return }
                try? lab.heal(managed.name)
                managed.cut = false
            }
        }
    }

    private func scheduleRestart(_ managed: Managed, after delay: Duration, load: LoadGenerator) {
        managed.recoverAt = .now + delay
        managed.recover = { [weak self, weak managed] in
            guard let self, let managed else { return }
            managed.process?.waitUntilExit()
            try? self.start(managed)
            if let code = OrganisationCode(managed.name) { load.forgetWaiting(for: code) }
        }
    }

    private func recoverDue(_ load: LoadGenerator) {
        let now = ContinuousClock.now
        for managed in processes.values {
            guard let at = managed.recoverAt, at <= now else { continue }
            managed.recoverAt = nil
            managed.recover?()
            managed.recover = nil
        }
    }

    private func healAll(_ load: LoadGenerator) {
        for managed in processes.values where managed.recoverAt != nil {
            managed.recoverAt = nil
            managed.recover?()
            managed.recover = nil
        }
        for managed in processes.values where managed.process?.isRunning != true {
            try? start(managed)
            if let code = OrganisationCode(managed.name) { load.forgetWaiting(for: code) }
        }
    }

    /// The first ACK in a later epoch after the active was attacked ends a failover.
    private func noteFailover(_ load: LoadGenerator) {
        guard let pending = pendingFailover, let last = load.acks.last else { return }
        if last.epoch > pending.epoch {
            failovers.append(ContinuousClock.now - pending.start)
            say("failover: ACKs in epoch \(last.epoch) after \(ContinuousClock.now - pending.start)")
            pendingFailover = nil
        } else if ContinuousClock.now - pending.start > .seconds(30) {
            pendingFailover = nil
        }
    }

    // MARK: Convergence

    func activeStatus() -> JSONValue? {
        var best: JSONValue?
        for role in PairRole.allCases {
            guard let status = try? ControlProbe.request(folder.controlEndpoint(of: role)),
                ["active", "standalone"].contains(status["role"]?.stringValue ?? "")
            else { continue }
            if best == nil || (status["epoch"]?.integerValue ?? 0) > (best?["epoch"]?.integerValue ?? 0) {
                best = status
            }
        }
        return best
    }

    private func isConverged() -> Bool {
        guard let status = activeStatus(), status["pair"]?["peerInSync"]?.boolValue == true else {
            return false
        }
        return organisations.allSatisfy { status["parties"]?[$0.rawValue]?["converged"]?.boolValue == true }
    }

    private func waitConverged(load: LoadGenerator) throws {
        try waitUntil(options.settleTimeout, "convergence after healing") {
            try? load.pump(timeout: .milliseconds(20))
            guard self.isConverged() else { return false }
            // Every outbox empty: nothing queued is still on its way.
            return self.organisations.allSatisfy { code in
                (try? ControlProbe.request(self.folder.operatorEndpoint(code)))?["outbox"]?["queued"]?
                    .integerValue == 0
            }
        }
    }

    private func waitUntil(_ timeout: Duration, _ what: String, _ condition: () -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw ChaosError("timed out waiting for \(what) (logs: \(folder.root.path)/chaos-*.log)")
    }

    static func clock() -> String {
        Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)).inAmsterdam.rfc3339
    }

    // MARK: Reading the run back

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
            throw ChaosError("no node store found")
        }
        let standby = logs.first { $0.0 != final.0 }?.1
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
        return RunRecords(
            acks: acks, queued: queued, log: final.1, standbyLog: standby, mirrors: mirrors,
            activations: activations(folder: folder))
    }

    /// "this node is active … node.epoch=N" lines from both nodes' logs.
    static func activations(folder: DataFolder) -> [(node: String, epoch: UInt64)] {
        var result: [(String, UInt64)] = []
        for role in PairRole.allCases {
            let candidates = [
                folder.root.appendingPathComponent("chaos-\(role.rawValue).log"),
                folder.folder(of: role).appendingPathComponent("node.log"),
            ]
            for url in candidates {
                guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
                for line in text.split(separator: "\n") where line.contains("this node is active") {
                    guard let range = line.range(of: "node.epoch=") else { continue }
                    let digits = line[range.upperBound...].prefix { $0.isNumber }
                    if let epoch = UInt64(digits) { result.append((role.rawValue, epoch)) }
                }
            }
        }
        return result
    }
}

/// One status request on a local socket.
enum ControlProbe {
    static func request(_ endpoint: String, timeout: Duration = .milliseconds(500)) throws -> JSONValue {
        let context = ZMQContext()
        let socket = try ZMQSocket(context, .dealer, name: "probe")
        defer {
            socket.close()
            context.terminate()
        }
        try socket.set([.linger(.zero), .maxMessageSize(64 << 20)])
        try socket.connect(endpoint)
        try socket.sendPacked([Array("KNP1".utf8), Array("STATUS".utf8)])
        var poller = Poller()
        poller.add(.socket(socket))
        let ready = try poller.poll(timeout: timeout)
        guard ready[0].contains(.readable), let reply = try socket.receive(dontWait: true),
            let last = reply.unpacked(routed: false, maxParts: 16)?.last
        else { throw ChaosError("no answer on \(endpoint)") }
        return try JSONParser.parse(last)
    }
}

enum PortProbe {
    static func free(_ ports: [Int]) -> Bool {
        ports.allSatisfy { port in
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
    }
}

extension ChaosRun {
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

    /// The checker's own test on real stores: removes one acknowledged entry from both nodes'
    /// logs of a finished run (a copy) and expects FAIL.
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
