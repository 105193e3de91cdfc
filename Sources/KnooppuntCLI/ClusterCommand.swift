import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore
import KnooppuntWeb
import Logging
import StrictJSON

struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract:
            "Run the whole national network locally: the node pair, the regions, NCTV, the police and the desk.",
        discussion: """
            Starts every process of the network as a separate OS process with its own store under \
            --dir (keys for a local network are generated there when missing, never in git). The \
            network is ready when the node has heard an authenticated status from every daemon and \
            every mirror is at the node's sequence with the node's hash for its view, and the \
            national desk (http://127.0.0.1:7480/ by default) holds the picture.

            Processes that die are restarted with backoff. Ctrl-C (or SIGTERM) stops them all. \
            Running it again resumes from the stores. Use `knooppunt publish`, `watch` and \
            `status` with the same --dir from another terminal.

            Examples:
              knooppunt cluster
              knooppunt cluster --dir /srv/knooppunt --regions VR09,VR13,VR17
              knooppunt cluster --desk-port 8080
            """)

    @OptionGroup var folder: FolderOption
    @Option(help: "Regions to start: all, or a comma-separated list such as VR09,VR13.") var regions: String =
        "all"
    @Option(
        help:
            "Base port: the primary listens on PORT+2 and PORT+3, the backup on PORT+12 and PORT+13 (CHP on PORT, PORT+1 and PORT+10, PORT+11 with --chp)."
    ) var port: Int = NetworkConfig.defaultBasePort
    @Flag(help: "Serve the read-only CHP picture endpoint (public view only) on PORT and PORT+1.") var chp =
        false
    @Flag(help: "Run one national node instead of the hot-standby pair.") var noStandby = false
    @Option(help: "Port of the national desk (on loopback).") var deskPort: Int = DeskOptions.defaultPort
    @Flag(help: "Do not start the national desk.") var noDesk = false
    @Option(help: "Seconds to wait for the network to be ready before naming what is missing.")
    var readyTimeout: Double = 60
    @Flag(
        help: "When ready, publish one example report, wait until it is accepted, stop everything and exit.")
    var smoke = false
    @Option(name: .long, help: "Log level of the processes.") var logLevel: String = "info"

    func selectedRegions() throws -> [OrganisationCode] {
        if regions == "all" { return OrganisationCode.safetyRegions }
        return try regions.split(separator: ",").map { part in
            guard let code = OrganisationCode(argument: String(part).trimmingCharacters(in: .whitespaces)),
                code.isSafetyRegion
            else {
                throw ValidationError("unknown safety region \(part) (VR01…VR25)")
            }
            return code
        }
    }

    func run() throws {
        let regionCodes = try selectedRegions()
        let data = folder.folder
        let signals = StopSignals()
        try DataFolder.makeOwnerOnly(data.root)
        let clusterLock: LockFile
        do {
            clusterLock = try LockFile(data.clusterLockFile)
        } catch {
            printError(
                "A cluster is already running from \(data.root.path)\(LockFile.holder(of: data.clusterLockFile).map { " (pid \($0))" } ?? ""). Stop it first, or use another --dir."
            )
            throw ExitCode.failure
        }
        defer { withExtendedLifetime(clusterLock) {} }
        let daemons = [OrganisationCode.nctv, .police] + regionCodes
        try stopLeftovers(daemons)
        let network = try data.prepareLocalNetwork(basePort: port, chp: chp, standby: !noStandby)
        let supervisor = Supervisor(binary: ChildProcess.currentExecutable()) { line in
            print("[cluster] \(line)")
            flushStandardOutput()
        }
        let common = ["--dir", data.root.path, "--log-level", logLevel]
        let started = ContinuousClock.now

        for (role, _) in network.nodes {
            let nodeFolder = data.folder(of: role)
            try DataFolder.makeOwnerOnly(nodeFolder)
            let node = LocalNetworkLayout.node(role)
            try supervisor.add(
                name: node.name, arguments: node.arguments + common,
                log: nodeFolder.appendingPathComponent("node.log"))
        }
        for code in daemons {
            try DataFolder.makeOwnerOnly(data.daemonFolder(code))
            let daemon = LocalNetworkLayout.daemon(code)
            try supervisor.add(
                name: daemon.name, arguments: daemon.arguments + common,
                log: data.daemonFolder(code).appendingPathComponent("daemon.log"))
        }
        // The alert service runs when the data folder has its hooks (knooppunt alerts --help).
        let alerting = data.root.appendingPathComponent("alerting.yaml")
        if FileManager.default.fileExists(atPath: alerting.path) {
            let alertsFolder = data.root.appendingPathComponent("alerts", isDirectory: true)
            try DataFolder.makeOwnerOnly(alertsFolder)
            try supervisor.add(
                name: "alerts", arguments: ["alerts"] + common,
                log: alertsFolder.appendingPathComponent("alerts.log"))
        }
        // The national desk: its own process and identity, so a desk crash never touches the node.
        var deskLogin: URL?
        if !noDesk {
            let deskFolder = URL(fileURLWithPath: DeskOptions.deskFolder(data), isDirectory: true)
            try DataFolder.makeOwnerOnly(deskFolder)
            deskLogin = try LocalDeskOfficer.ensure(folder: data, logger: Logger(label: "knooppunt.cluster"))
            try supervisor.add(
                name: "desk", arguments: ["desk", "--port", String(deskPort)] + common,
                log: deskFolder.appendingPathComponent("desk.log"))
        }
        print(
            "Knooppunt national network in \(data.root.path): \(network.backup == nil ? "the national node" : "the national node pair (primary and hot standby)"), \(regionCodes.count) safety regions, NCTV and the police\(noDesk ? "" : ", the national desk") (\(daemons.count + network.nodes.count + (noDesk ? 0 : 1)) processes)."
        )
        print("Waiting until every daemon is heard and every mirror holds the node's picture…")

        let ready = waitUntilReady(daemons, network: network, supervisor: supervisor, signals: signals)
        if signals.signal != nil {
            shutdown(supervisor)
            return
        }
        guard let ready else {
            shutdown(supervisor)
            throw ExitCode.failure
        }
        let seconds =
            Double((ContinuousClock.now - started).components.attoseconds / 1_000_000_000_000_000) / 1000
            + Double((ContinuousClock.now - started).components.seconds)
        printTable(network: network, daemons: daemons, supervisor: supervisor)
        print("")
        print(
            String(
                format:
                    "Ready in %.1f s: all %d daemons heard; every mirror is at seq %lld with the node's hash for its view%@.",
                seconds, daemons.count, ready,
                (network.backup == nil ? "" : "; the hot standby holds every report")
                    + (noDesk ? "" : "; the desk at http://127.0.0.1:\(deskPort)/ shows the picture")))
        try LocalDutyAccounts.ensure(folder: data, organisations: daemons)
        if smoke {
            let outcome = publishSmokeReport(data)
            shutdown(supervisor)
            guard outcome else { throw ExitCode.failure }
            return
        }
        print("")
        print(
            "Publish from another terminal:  knooppunt publish --dir \(folder.dir) --as VR09 --token-file \(short(LocalDutyAccounts.tokenFile(data, OrganisationCode("VR09")!).path)) docs/examples/incident.json"
        )
        print(
            "                                (each organisation's duty account \(LocalDutyAccounts.username) has its token in DIR/ORG/\(LocalDutyAccounts.username).token)"
        )
        if let deskLogin {
            print(
                "National desk in a browser:     http://127.0.0.1:\(deskPort)/  (log in as \(LocalDeskOfficer.username); password in \(short(deskLogin.path)))"
            )
        }
        print(
            "Accounts of each organisation:  knooppunt users list --dir \(folder.dir) --as VR09 (first administrator's password: DIR/ORG/first-admin-password)"
        )
        print("Watch the picture:              knooppunt watch --dir \(folder.dir)")
        print("Status of every process:       knooppunt status --dir \(folder.dir)")
        print("Ctrl-C stops the network.")
        flushStandardOutput()
        while signals.signal == nil {
            supervisor.supervise()
            Thread.sleep(forTimeInterval: 0.1)
        }
        shutdown(supervisor)
    }

    private func shutdown(_ supervisor: Supervisor) {
        print("[cluster] stopping every process…")
        let killed = supervisor.stopAll()
        if killed.isEmpty {
            print("[cluster] stopped cleanly.")
        } else {
            print(
                "[cluster] stopped; these did not stop within \(Supervisor.stopGrace) and were killed: \(killed.joined(separator: ", "))"
            )
        }
        flushStandardOutput()
    }

    /// Processes of an earlier run that still hold their folders (e.g. after `cluster` itself
    /// was SIGKILLed): they stop by themselves within a second; stop any that do not.
    private func stopLeftovers(_ daemons: [OrganisationCode]) throws {
        let data = folder.folder
        let folders =
            PairRole.allCases.map(data.folder(of:)) + daemons.map(data.daemonFolder)
            + [URL(fileURLWithPath: DeskOptions.deskFolder(data), isDirectory: true)]
        let deadline = ContinuousClock.now + .seconds(3)
        var holders: [(String, Int32)] = []
        repeat {
            holders = folders.compactMap { f in
                LockFile.holder(of: data.lockFile(in: f)).map { (f.lastPathComponent, $0) }
            }
            if holders.isEmpty { return }
            Thread.sleep(forTimeInterval: 0.1)
        } while ContinuousClock.now < deadline
        print(
            "[cluster] stopping processes left from an earlier run: \(holders.map { "\($0.0) (pid \($0.1))" }.joined(separator: ", "))"
        )
        for (_, pid) in holders { kill(pid, SIGTERM) }
        let killDeadline = ContinuousClock.now + Supervisor.stopGrace
        while ContinuousClock.now < killDeadline {
            if folders.allSatisfy({ LockFile.holder(of: data.lockFile(in: $0)) == nil }) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        for (_, pid) in holders { kill(pid, SIGKILL) }
        Thread.sleep(forTimeInterval: 0.5)
    }

    /// The active node's sequence once everyone has converged (and, with a pair, the standby
    /// has caught up), or nil on timeout (after naming what is missing) or on a stop signal.
    private func waitUntilReady(
        _ daemons: [OrganisationCode], network: NetworkConfig, supervisor: Supervisor, signals: StopSignals
    ) -> Int64? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(readyTimeout * 1000))
        var lastStatus: NodeStatus?
        while ContinuousClock.now < deadline {
            if signals.signal != nil { return nil }
            supervisor.supervise()
            if let status = NodeStatus.active(folder.folder, network, timeout: .milliseconds(500)) {
                lastStatus = status
                let standbyReady = network.backup == nil || status.peerInSync
                if status.converged(daemons) && standbyReady && deskReady() {
                    return Int64(status.lastSequence)
                }
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        var missing: [String] = []
        for code in daemons {
            let party = lastStatus?.party(code)
            if party?.converged == true { continue }
            let reason =
                !supervisor.isRunning(code.rawValue)
                ? "not running"
                : party?.heard != true ? "never heard by the node" : "not yet at the node's picture"
            missing.append(
                "\(code) (\(reason); log \(folder.folder.daemonFolder(code).appendingPathComponent("daemon.log").path))"
            )
        }
        if lastStatus == nil {
            missing.insert(
                "an active national node (logs in \(folder.folder.nodeFolder.path) and node-backup)", at: 0)
        } else if network.backup != nil, lastStatus?.peerInSync != true {
            missing.insert(
                "the hot standby catching up (log \(folder.folder.folder(of: .backup).path)/node.log)", at: 0)
        }
        if !deskReady() {
            missing.append(
                "the national desk (/readyz on port \(deskPort): \(supervisor.isRunning("desk") ? "not yet holding the picture" : "not running"); log \(DeskOptions.deskFolder(folder.folder))/desk.log)"
            )
        }
        printError(
            "The network was not ready within \(readyTimeout) s. Missing:\n  "
                + missing.joined(separator: "\n  "))
        return nil
    }

    /// The desk answers /readyz with 200 once it holds the node's picture (always true without it).
    private func deskReady() -> Bool {
        noDesk || Readiness.httpOK(port: deskPort, path: "/readyz", timeout: .milliseconds(500))
    }

    private func short(_ path: String) -> String {
        let root = folder.folder.root.path
        return path.hasPrefix(root) ? folder.dir + path.dropFirst(root.count) : path
    }

    private func printTable(network: NetworkConfig, daemons: [OrganisationCode], supervisor: Supervisor) {
        let data = folder.folder
        let statuses = NodeStatus.all(data, network)
        print("")
        print(pad("PROCESS", 34) + pad("PID", 8) + pad("ENDPOINT", 38) + "LOG")
        for (role, address) in network.nodes {
            let state = statuses.first { $0.role == role }?.status?.role ?? "?"
            print(
                pad("national node \(role.rawValue) (\(state))", 34)
                    + pad(String(supervisor.pid(of: role.rawValue) ?? 0), 8)
                    + pad(address.endpoint, 38)
                    + short(data.folder(of: role).appendingPathComponent("node.log").path))
            if let base = address.chpBasePort {
                print(
                    pad("  CHP public picture", 34) + pad("", 8)
                        + pad("tcp://\(network.chpHost):\(base)/+1", 38))
            }
        }
        let reference = ReferenceData.builtIn
        for code in daemons {
            let name = code.isSafetyRegion ? "\(code) \(reference.regions[code]?.name ?? "")" : code.rawValue
            print(
                pad(name, 34) + pad(String(supervisor.pid(of: code.rawValue) ?? 0), 8)
                    + pad(short(String(data.operatorEndpoint(code).dropFirst(6))), 38)
                    + short(data.daemonFolder(code).appendingPathComponent("daemon.log").path))
        }
        if !noDesk {
            let deskFolder = URL(fileURLWithPath: DeskOptions.deskFolder(data), isDirectory: true)
            print(
                pad("national desk", 34) + pad(String(supervisor.pid(of: "desk") ?? 0), 8)
                    + pad("http://127.0.0.1:\(deskPort)/", 38)
                    + short(deskFolder.appendingPathComponent("desk.log").path))
        }
    }

    /// --smoke: one incident from VR09 (or the first region), followed until accepted.
    private func publishSmokeReport(_ data: DataFolder) -> Bool {
        let region = (try? selectedRegions().first) ?? OrganisationCode("VR09")!
        let municipality = ReferenceData.builtIn.municipalities.values.filter { $0.region == region }.map(
            \.code
        ).min()!
        let now = Timestamp.now().inAmsterdam
        let document: JSONValue = [
            "type": "incident", "incident": .string("\(region)-SMOKE-\(now.millisecondsSinceEpoch)"),
            "title": "Rooktest van het netwerk", "kind": "other",
            "location": ["municipality": .string(municipality.rawValue)],
            "startedAt": .string(now.rfc3339Seconds),
            "lead": ["organisation": .string(region.rawValue), "function": "Operationeel leider"],
            "status": "open", "classification": "partners", "exercise": true,
        ]
        do {
            let token = try String(contentsOf: LocalDutyAccounts.tokenFile(data, region), encoding: .utf8)
            let options = PublishOptions(
                again: true, credential: .token(token.trimmingCharacters(in: .whitespacesAndNewlines)))
            let client = try OperatorClient(endpoint: data.operatorEndpoint(region))
            guard
                case .queued(let id, _) = try client.publish(JSONWriter.canonical(document), options: options)
            else {
                printError("smoke: \(region) did not queue the report")
                return false
            }
            print("smoke: \(id) queued at \(region)")
            guard case .accepted(id, _, let sequence, _) = try client.receive(timeout: .seconds(20)) else {
                printError("smoke: \(id) was not accepted within 20 s")
                return false
            }
            print("smoke: \(id) accepted seq \(sequence)")
            return true
        } catch {
            printError("smoke: \(error)")
            return false
        }
    }
}
