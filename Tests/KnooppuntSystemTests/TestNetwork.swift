import Foundation
import KnooppuntChaos
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON

/// Deadlines in the real-process tests are generous and scale with one factor
/// (`KNOOPPUNT_TIME_SCALE`, default 1) for slow machines.
enum TimeScale {
    static let factor: Double = Double(ProcessInfo.processInfo.environment["KNOOPPUNT_TIME_SCALE"] ?? "") ?? 1

    static func seconds(_ value: Double) -> Duration { .milliseconds(Int64(value * factor * 1000)) }
}

/// The repository root and the built binary under test.
enum Paths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `KNOOPPUNT_BIN` (set by scripts/test.sh) or the debug build.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["KNOOPPUNT_BIN"] {
            return URL(fileURLWithPath: path)
        }
        return repository.appendingPathComponent(".build/debug/knooppunt")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or the (scaled) deadline passes.
func waitUntil(_ what: String, timeout seconds: Double, _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + TimeScale.seconds(seconds)
    while ContinuousClock.now < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.05)
    }
    throw TestFailure("timed out after \(seconds * TimeScale.factor) s waiting for \(what)")
}

/// A national network of real `knooppunt` processes in a temporary folder, on free ports.
final class TestNetwork {
    let folder: DataFolder
    let root: URL
    let basePort: Int
    let network: NetworkConfig
    /// The processes by name (the harness's), each with `NAME.log` in ``logs``.
    let processes: ProcessGroup
    var nodeArguments: [String] = []
    /// Separate hosts: each process named in `hosts` runs inside that lab host.
    let lab: NetworkLab?
    var hosts: [String: String] = [:]

    /// A network on this host; with `standby`, two replicas on etcd (start the backup with
    /// `startNode(.backup)`, every node with `nodeArguments` naming etcd); with `third` too,
    /// three (`startNode(.third)`).
    init(name: String, standby: Bool = false, third: Bool = false) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-\(name)-\(UUID().uuidString.prefix(8))")
        folder = DataFolder(root.path)
        basePort = try TestNetwork.freeBasePort()
        network = try folder.prepareLocalNetwork(
            basePort: basePort, chp: false, standby: standby, third: standby && third)
        lab = nil
        processes = ProcessGroup(
            binary: Paths.binary, logFolder: root.appendingPathComponent("test-logs"),
            commonArguments: ["--dir", root.path])
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
    }

    /// A network on separate hosts of `lab`: the node pair on the hosts "primary" and "backup"
    /// (their own addresses, fixed ports), the processes on the hosts `hosts` names.
    init(name: String, lab: NetworkLab, hosts: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-\(name)-\(UUID().uuidString.prefix(8))")
        folder = DataFolder(root.path)
        basePort = 7402
        func address(_ host: String) -> NodeAddress {
            let ip = lab.hosts[host]!.address
            return NodeAddress(
                endpoint: "tcp://\(ip):7402", bind: "tcp://\(ip):7402", pairEndpoint: "tcp://\(ip):7403",
                pairBind: "tcp://\(ip):7403")
        }
        // A lab with a host "third" runs three replicas on etcd.
        network = try folder.prepareNetwork(
            primary: address("primary"), backup: address("backup"),
            third: lab.hosts["third"] == nil ? nil : address("third"))
        self.lab = lab
        self.hosts = hosts
        processes = ProcessGroup(
            binary: Paths.binary, logFolder: root.appendingPathComponent("test-logs"),
            commonArguments: ["--dir", root.path])
        // `ip netns exec` replaces itself with the binary: the pid is the daemon's own.
        processes.launcher = { [weak self] name, commandLine in
            self?.hosts[name].map { lab.command(on: $0, commandLine) }
        }
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
    }

    deinit { stopAll() }

    var logs: URL { root.appendingPathComponent("test-logs") }

    /// Free ports for a node pair (primary base…base+3, backup base+10…base+13) and a third
    /// replica (base+20…base+23).
    static func freeBasePort() throws -> Int {
        guard let base = LocalNetworkLayout.freeBasePort(standby: true, chp: true, third: true) else {
            throw TestFailure("no free ports found")
        }
        return base
    }

    // MARK: Processes

    @discardableResult
    func start(
        _ name: String, _ arguments: [String], environment: [String: String] = [:]
    ) throws
        -> ChildProcess
    {
        if arguments.first == "screen" { try signInToScreen(arguments) }
        return try processes.start(name, arguments, environment: environment)
    }

    private var tokens: [OrganisationCode: String] = [:]

    /// The personal token of a test person of `organisation` (`tester-ops`, a desk officer:
    /// publishes, asks for and gives acknowledgements), made on first use: a daemon accepts
    /// reports only from its organisation's people. Call it once the daemon has started (it
    /// makes its first administrator only in an empty store).
    func token(_ organisation: OrganisationCode) throws -> String {
        if let token = tokens[organisation] { return token }
        let account = ProgramAccount(username: "tester-ops", name: "Test Officer", role: .deskOfficer)
        guard
            case .token(let token) = try account.credential(
                folder: folder.peopleFolder(organisation), organisation: organisation, actor: "system test",
                now: Int64(Date().timeIntervalSince1970 * 1000))
        else { throw TestFailure("no token for \(organisation)") }
        tokens[organisation] = token
        return token
    }

    /// ``token(_:)`` in an owner-only file, for `--token-file`.
    func tokenFile(_ organisation: OrganisationCode) throws -> String {
        let file = root.appendingPathComponent("tester-ops-\(organisation.rawValue).token")
        if !FileManager.default.fileExists(atPath: file.path) {
            try DataFolder.writeSecret(Data("\(try token(organisation))\n".utf8), to: file)
        }
        return file.path
    }

    /// A screen lets nobody in without an account (docs/PEOPLE.md): before one starts, a viewer
    /// of its organisation is made and their personal token handed to ``ScreenClient`` for the
    /// screen's port, as a person who may only look would read it.
    private func signInToScreen(_ arguments: [String]) throws {
        func value(_ option: String) -> String? {
            arguments.firstIndex(of: option).flatMap {
                arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil
            }
        }
        guard let organisation = value("--as"), let port = value("--port").flatMap(Int.init) else { return }
        let user = "tester-\(organisation.lowercased())"
        let tokenFile = root.appendingPathComponent("\(user).token").path
        if !FileManager.default.fileExists(atPath: tokenFile) {
            for command in [
                ["users", "add", user, "--as", organisation, "--role", "viewer", "--name", "System test"],
                ["users", "token", user, "--as", organisation, "--file", tokenFile],
            ] {
                let result = try runKnooppunt(command + ["--dir", root.path])
                guard result.status == 0 else { throw TestFailure("\(command[1]): \(result.err)") }
            }
        }
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        ScreenClient.tokens.withLock { $0[port] = token }
    }

    /// Starts a node: the primary (the only node of a network without replicas), the backup or
    /// the third replica.
    /// Starts a node and waits for its control socket, unless `waitReady` is false (a node told to
    /// crash after a few commits may be gone before the socket answers).
    func startNode(
        _ role: PairRole = .primary, environment: [String: String] = [:], waitReady: Bool = true
    ) throws {
        let name = role == .primary ? "node" : role.rawValue
        try start(name, LocalNetworkLayout.node(role).arguments + nodeArguments, environment: environment)
        guard waitReady else { return }
        try waitUntil("the \(role.rawValue) node's control socket", timeout: 20) {
            guard (try? nodeStatus(role)) == nil else { return true }
            // A node that could not start says why in its log: the failure shows it at once.
            if let process = processes[name], !process.isRunning {
                throw TestFailure(
                    "the \(role.rawValue) node exited (\(process.exitDescription)): \(log(name).suffix(1_500))"
                )
            }
            return false
        }
    }

    func startDaemon(_ code: OrganisationCode) throws {
        try start(code.rawValue, LocalNetworkLayout.daemonArguments(code))
    }

    /// Starts the node and the daemons and waits until every one has converged.
    func startAll(_ daemons: [OrganisationCode]) throws {
        try startNode()
        for code in daemons { try startDaemon(code) }
        try waitConverged(daemons)
    }

    func signal(_ name: String, _ number: Int32) { processes[name]?.signal(number) }

    /// SIGKILL and wait until the process is gone (and its lock released).
    func kill9(_ name: String) { processes[name]?.kill9() }

    /// SIGTERM and wait (SIGKILL after the scaled grace); returns how long it took.
    @discardableResult
    func stop(_ name: String) -> Duration { processes[name]?.stop(grace: TimeScale.seconds(15)) ?? .zero }

    /// Every daemon first, one after the other, then the node.
    func stopAll() {
        for name in processes.names where name != "node" { signal(name, SIGCONT) }
        signal("node", SIGCONT)
        for name in processes.names where name != "node" { stop(name) }
        stop("node")
    }

    func isRunning(_ name: String) -> Bool { processes.isRunning(name) }

    // MARK: Status

    func nodeStatus(_ role: PairRole) throws -> JSONValue {
        try ControlClient.request(folder.controlEndpoint(of: role), "STATUS")
    }

    /// The status of the active node (either of a pair).
    func nodeStatus() throws -> JSONValue {
        for role in network.nodes.map(\.role) {
            if let status = try? nodeStatus(role), NodeStatus(json: status)?.isActive == true {
                return status
            }
        }
        throw TestFailure("no active node")
    }

    func daemonStatus(_ code: OrganisationCode) throws -> JSONValue {
        try ControlClient.request(folder.operatorEndpoint(code), "STATUS")
    }

    /// Every listed daemon applied the node's last sequence and holds the node's hash for its view.
    func converged(_ daemons: [OrganisationCode]) throws -> Bool {
        NodeStatus(json: try nodeStatus())?.converged(daemons) == true
    }

    func waitConverged(_ daemons: [OrganisationCode], timeout: Double = 60) throws {
        do {
            try waitUntil(
                "convergence of \(daemons.map(\.rawValue).joined(separator: ","))", timeout: timeout
            ) {
                (try? converged(daemons)) ?? false
            }
        } catch {
            // What each party last told the node, so a failure says who is behind and why.
            let status = (try? nodeStatus()).flatMap { NodeStatus(json: $0) }
            let parties = daemons.map { code in
                let party = status?.party(code)
                return
                    "\(code): applied \(party?.applied.map(String.init) ?? "-"), lag \(party?.lag ?? -1), connected \(party?.connected ?? false), hash \(party?.viewHash ?? "-") vs node \(party?.nodeViewHash ?? "-")"
            }
            throw TestFailure(
                "\(error); node at \(status.map { String($0.lastSequence) } ?? "-"): \(parties.joined(separator: "; "))"
            )
        }
    }

    func log(_ name: String) -> String { processes.logText(name) }

    /// Removes the network's folder, unless `KNOOPPUNT_KEEP_TEST_FOLDERS=1` (to read the logs).
    func removeFolder() {
        guard ProcessInfo.processInfo.environment["KNOOPPUNT_KEEP_TEST_FOLDERS"] != "1" else {
            print("kept \(root.path)")
            return
        }
        try? FileManager.default.removeItem(at: root)
    }
}

/// One request/reply on a local socket (a daemon's operator socket or the node's control
/// socket), through the client every tool uses.
enum ControlClient {
    static func request(
        _ endpoint: String, _ command: String, _ frames: [[UInt8]] = [], timeout: Duration = .seconds(2)
    ) throws -> JSONValue {
        try LocalClient(endpoint: endpoint).requestJSON(command, frames, timeout: timeout)
    }
}
