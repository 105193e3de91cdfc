import Foundation
import KnooppuntConfig
import KnooppuntDomain
import StrictJSON
import ZeroMQ

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
    private(set) var processes: [String: Process] = [:]

    init(name: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-\(name)-\(UUID().uuidString.prefix(8))")
        folder = DataFolder(root.path)
        basePort = try Ports.freeBase(count: 4)
        _ = try folder.prepareLocalNetwork(basePort: basePort, chp: false)
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
    }

    deinit { stopAll() }

    var logs: URL { root.appendingPathComponent("test-logs") }

    @discardableResult
    func start(_ name: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = Paths.binary
        process.arguments = arguments + ["--dir", root.path]
        let log = logs.appendingPathComponent("\(name).log")
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes[name] = process
        return process
    }

    /// Starts the node and the daemons and waits until every daemon has converged.
    func startNetwork(_ daemons: [OrganisationCode]) async throws {
        try start("node", ["node"])
        try await waitUntil("the node's control socket", timeout: 20) { (try? nodeStatus()) != nil }
        for code in daemons {
            let arguments: [String] =
                switch code.kind {
                case .nctv: ["nctv"]
                case .police: ["police"]
                default: ["region", code.rawValue]
                }
            try start(code.rawValue, arguments)
        }
        try await waitUntil("convergence of \(daemons.map(\.rawValue))", timeout: 60) {
            let status = try? nodeStatus()
            return daemons.allSatisfy { status?["parties"]?[$0.rawValue]?["converged"]?.boolValue == true }
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
    func stop(_ name: String) {
        guard let process = processes[name] else { return }
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = ContinuousClock.now + TimeScale.seconds(15)
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func stopAll() {
        for name in processes.keys where name != "node" { stop(name) }
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

    func nodeStatus() throws -> JSONValue { try Control.request(folder.nodeControlEndpoint, "STATUS") }

    func log(_ name: String) -> String {
        (try? String(contentsOf: logs.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
    }

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
        for _ in 0..<50 {
            let base = Int.random(in: 20_000..<60_000)
            if (base..<(base + count)).allSatisfy(isFree) { return base }
        }
        throw TestFailure("no free ports found")
    }

    static func free() throws -> Int { try freeBase(count: 1) }

    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
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

/// One request/reply on a local socket (the node's control socket).
enum Control {
    static func request(
        _ endpoint: String, _ command: String, timeout: Duration = .seconds(2)
    ) throws -> JSONValue {
        let context = ZMQContext()
        let socket = try ZMQSocket(context, .dealer, name: "test")
        defer {
            socket.close()
            context.terminate()
        }
        try socket.set([.linger(.zero), .maxMessageSize(64 << 20)])
        try socket.connect(endpoint)
        try socket.sendPacked([Array("KNP1".utf8), Array(command.utf8)])
        var poller = Poller()
        poller.add(.socket(socket))
        let ready = try poller.poll(timeout: timeout)
        guard ready[0].contains(.readable), let reply = try socket.receive(dontWait: true),
            let last = reply.unpacked(routed: false, maxParts: 16)?.last
        else { throw TestFailure("no answer on \(endpoint)") }
        return try JSONParser.parse(last)
    }
}
