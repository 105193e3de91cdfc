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
            "Run the whole national network locally: etcd, the node replicas, the regions, NCTV, the police and the desk.",
        discussion: """
            Starts every process of the network as a separate OS process with its own store under \
            --dir (keys for a local network are generated there when missing, never in git). By \
            default the national node runs as three replicas on three etcd members (data in \
            DIR/etcd, loopback only, client ports PORT+40, +42, +44): every acknowledgement is \
            committed by a majority of etcd's members, and when the active replica dies another \
            takes over. --single-node runs one node alone without etcd. etcd comes from Debian's etcd-server (scripts/setup.sh installs it). The \
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
              knooppunt cluster --single-node
            """)

    @OptionGroup var folder: FolderOption
    @Option(help: "Regions to start: all, or a comma-separated list such as VR09,VR13.") var regions: String =
        "all"
    @Option(
        help:
            "Base port: the primary listens on PORT+2 and PORT+3, the backup on PORT+12 and PORT+13, the third replica on PORT+22 and PORT+23, etcd on PORT+40…PORT+45 (CHP on PORT, PORT+1 and PORT+10, PORT+11 with --chp)."
    ) var port: Int = NetworkConfig.defaultBasePort
    @Flag(help: "Serve the read-only CHP picture endpoint (public view only) on PORT and PORT+1.") var chp =
        false
    @Flag(help: "Run one national node alone, without etcd (a laptop, the smallest tests).") var singleNode =
        false
    @Flag(help: "The same as --single-node (its earlier name).") var noStandby = false
    @Option(help: "Port of the national desk (on loopback).") var deskPort: Int = DeskOptions.defaultPort
    @Flag(help: "Do not start the national desk.") var noDesk = false
    @Option(help: "Seconds to wait for the network to be ready before naming what is missing.")
    var readyTimeout: Double = 60
    @Flag(
        help: "When ready, publish one example report, wait until it is accepted, stop everything and exit.")
    var smoke = false
    @Option(name: .long, help: "Log level of the processes.") var logLevel: String = "info"

    /// How the national node runs.
    enum Deployment: Equatable {
        /// Three replicas on three etcd members (the default).
        case quorum
        /// One node alone, without etcd.
        case single
    }

    var deployment: Deployment { singleNode || noStandby ? .single : .quorum }

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
        let etcd = deployment == .quorum ? try startEtcd() : nil
        defer { etcd.map(stopEtcd) }
        let network = try data.prepareLocalNetwork(
            basePort: port, chp: chp, standby: deployment == .quorum, third: deployment == .quorum)
        let supervisor = Supervisor(binary: ChildProcess.currentExecutable()) { line in
            print("[cluster] \(line)")
            flushStandardOutput()
        }
        let common = ["--dir", data.root.path, "--log-level", logLevel]
        let started = ContinuousClock.now

        progress(
            "starting \(network.nodes.count == 1 ? "the national node" : "\(network.nodes.count) national node replicas on etcd")…"
        )
        for (role, _) in network.nodes {
            let nodeFolder = data.folder(of: role)
            try DataFolder.makeOwnerOnly(nodeFolder)
            let node = LocalNetworkLayout.node(role)
            try supervisor.add(
                name: node.name,
                arguments: node.arguments + (etcd.map(LocalEtcd.nodeArguments) ?? []) + common,
                log: nodeFolder.appendingPathComponent("node.log"))
        }
        progress("starting \(daemons.count) daemons (\(regionCodes.count) safety regions, NCTV, the police)…")
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
            "Knooppunt national network in \(data.root.path): \(nodeDescription), \(regionCodes.count) safety regions, NCTV and the police\(noDesk ? "" : ", the national desk") (\(daemons.count + network.nodes.count + (noDesk ? 0 : 1) + (etcd?.members.count ?? 0)) processes)."
        )
        print("Waiting until every daemon is heard and every mirror holds the node's picture…")

        let ready = waitUntilReady(
            daemons, network: network, supervisor: supervisor, etcd: etcd, signals: signals)
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
        printTable(network: network, daemons: daemons, supervisor: supervisor, etcd: etcd)
        print("")
        print(
            String(
                format:
                    "Ready in %.1f s: all %d daemons heard; every mirror is at seq %lld with the node's hash for its view%@.",
                seconds, daemons.count, ready,
                (network.backup == nil ? "" : "; every replica holds every report")
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
            superviseEtcd(etcd)
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

    /// The active node's sequence once everyone has converged (and every replica holds the
    /// active's log), or nil on timeout (after naming what is missing) or on a stop signal.
    private func waitUntilReady(
        _ daemons: [OrganisationCode], network: NetworkConfig, supervisor: Supervisor, etcd: EtcdCluster?,
        signals: StopSignals
    ) -> Int64? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(readyTimeout * 1000))
        var lastStatus: NodeStatus?
        var progress = ReadyProgress()
        while ContinuousClock.now < deadline {
            if signals.signal != nil { return nil }
            supervisor.supervise()
            superviseEtcd(etcd)
            if let status = NodeStatus.active(folder.folder, network, timeout: .milliseconds(500)) {
                lastStatus = status
                let replicasReady =
                    network.backup == nil
                    || replicasCaughtUp(network, with: status)
                progress.report(status, daemons: daemons, print: self.progress)
                if status.converged(daemons) && replicasReady && deskReady() {
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
                "an active national node (logs in \(folder.folder.nodeFolder.path), node-backup\(etcd == nil ? "" : ", node-third; etcd's in \(LocalEtcd.folder(folder.folder).path)"))",
                at: 0)
        } else if let active = lastStatus, etcd != nil, !replicasCaughtUp(network, with: active) {
            missing.insert("every replica holding the active's log (logs in DIR/node*/node.log)", at: 0)
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
}
