import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON

/// Deadlines in the real-process tests are generous and scale with one factor
/// (`KNOOPPUNT_TIME_SCALE`, default 1) for slow machines.
enum TimeScale {
    static let factor: Double = Double(ProcessInfo.processInfo.environment["KNOOPPUNT_TIME_SCALE"] ?? "") ?? 1

    static func seconds(_ value: Double) -> Duration { .milliseconds(Int64(value * factor * 1000)) }
}

/// The repository root, the binary under test and where screenshots go.
enum Paths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `KNOOPPUNT_BIN` (set by scripts/test.sh) or the debug build.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["KNOOPPUNT_BIN"] {
            return URL(fileURLWithPath: path)
        }
        return repository.appendingPathComponent(".build/debug/knooppunt")
    }

    /// `test-output/` in the repository (git-ignored): screenshots of the browser tests.
    static var output: URL {
        let url = repository.appendingPathComponent("test-output", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or the (scaled) deadline passes.
func waitUntil(_ what: String, timeout seconds: Double, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + TimeScale.seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("timed out after \(seconds * TimeScale.factor) s waiting for \(what)")
}

/// A national network of real `knooppunt` processes in a temporary folder, on free ports:
/// the node, some daemons, the desk and operator screens.
final class BrowserNetwork {
    let folder: DataFolder
    let root: URL
    let basePort: Int
    /// The processes by name (the harness's), each with `NAME.log` in ``logs``.
    let processes: ProcessGroup

    init(name: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-\(name)-\(UUID().uuidString.prefix(8))")
        folder = DataFolder(root.path)
        basePort = try Ports.freeBase(count: 4)
        _ = try folder.prepareLocalNetwork(basePort: basePort, chp: false)
        processes = ProcessGroup(
            binary: Paths.binary, logFolder: root.appendingPathComponent("test-logs"),
            commonArguments: ["--dir", root.path])
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
    }

    deinit { stopAll() }

    var logs: URL { root.appendingPathComponent("test-logs") }

    @discardableResult
    func start(_ name: String, _ arguments: [String]) throws -> ChildProcess {
        try processes.start(name, arguments)
    }

    /// Starts the node and the daemons and waits until every daemon has converged.
    func startNetwork(_ daemons: [OrganisationCode]) async throws {
        try start("node", ["node"])
        try await waitUntil("the node's control socket", timeout: 20) { (try? nodeStatus()) != nil }
        for code in daemons {
            try start(code.rawValue, LocalNetworkLayout.daemonArguments(code))
        }
        try await waitUntil("convergence of \(daemons.map(\.rawValue))", timeout: 60) {
            NodeStatus.ask(folder.nodeControlEndpoint, timeout: .seconds(2))?.converged(daemons) == true
        }
    }

    /// Starts the desk on `port` and waits until it holds the node's picture (`/readyz`).
    func startDesk(port: Int) async throws {
        try start("desk", ["desk", "--port", String(port)])
        try await waitUntil("the desk's /readyz", timeout: 30) {
            (try? await HTTP.get("http://127.0.0.1:\(port)/readyz"))?.status == 200
        }
    }

    /// SIGTERM and wait (SIGKILL after the scaled grace).
    func stop(_ name: String) { processes[name]?.stop(grace: TimeScale.seconds(15)) }

    /// The daemons, the desk and the screens one after the other, then the node.
    func stopAll() {
        for name in processes.names where name != "node" { stop(name) }
        stop("node")
    }

    /// Runs `knooppunt` to its end (e.g. `publish`); returns its exit code and output.
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Paths.binary
        process.arguments = arguments + ["--dir", root.path]
        // `publish` acts as a person of its organisation: the daemon takes reports only from
        // its people. A test that names nobody publishes as that organisation's test officer,
        // through the token file the environment names (as an operator's shell would).
        if arguments.first == "publish", !arguments.contains("--token-file"),
            let index = arguments.firstIndex(of: "--as"), arguments.indices.contains(index + 1),
            let organisation = OrganisationCode(arguments[index + 1])
        {
            var environment = ProcessInfo.processInfo.environment
            environment["KNOOPPUNT_TOKEN_FILE"] = try officerTokenFile(organisation)
            process.environment = environment
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private var officerTokens: [OrganisationCode: String] = [:]

    /// The token file of a desk officer `ops-<org>` of `organisation`, made on first use.
    func officerTokenFile(_ organisation: OrganisationCode) throws -> String {
        if let file = officerTokens[organisation] { return file }
        let user = "ops-\(organisation.rawValue.lowercased())"
        _ = try addPerson(user, name: "Test Officer \(organisation)", role: "desk-officer", of: organisation)
        let file = root.appendingPathComponent("\(user).token").path
        officerTokens[organisation] = file
        return file
    }

    /// Adds a person to `organisation` with `knooppunt users add` and returns their password
    /// and a personal API token (both read from the owner-only files the command writes).
    func addPerson(
        _ user: String, name: String, role: String, of organisation: OrganisationCode
    ) throws -> (password: String, token: String) {
        let passwordFile = root.appendingPathComponent("\(user).password").path
        let tokenFile = root.appendingPathComponent("\(user).token").path
        let added = try run([
            "users", "add", user, "--as", organisation.rawValue, "--role", role, "--name", name,
            "--password-file", passwordFile,
        ])
        guard added.status == 0 else { throw TestFailure("users add failed: \(added.output)") }
        let token = try run(["users", "token", user, "--as", organisation.rawValue, "--file", tokenFile])
        guard token.status == 0 else { throw TestFailure("users token failed: \(token.output)") }
        func read(_ path: String) throws -> String {
            try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (try read(passwordFile), try read(tokenFile))
    }

    /// `knooppunt publish --as ORG FILE` with `document` written to a file; fails unless accepted.
    @discardableResult
    func publish(_ document: JSONValue, as organisation: OrganisationCode) throws -> String {
        let file = root.appendingPathComponent("doc-\(UUID().uuidString.prefix(8)).json")
        try Data(JSONWriter.canonical(document)).write(to: file)
        let (status, output) = try run(["publish", "--as", organisation.rawValue, "--again", file.path])
        guard status == 0 else { throw TestFailure("publish failed (\(status)): \(output)") }
        return output
    }

    func nodeStatus() throws -> JSONValue {
        try NodeStatus.request(folder.nodeControlEndpoint, timeout: .seconds(2)).json
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

enum Ports {
    /// `count` consecutive free ports on 127.0.0.1; a random start avoids parallel runs.
    static func freeBase(count: Int) throws -> Int {
        guard let base = FreePorts.consecutive(count) else { throw TestFailure("no free ports found") }
        return base
    }

    static func free() throws -> Int { try freeBase(count: 1) }
}
