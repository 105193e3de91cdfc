import Foundation
import KnooppuntConfig
import KnooppuntDomain
import StrictJSON
import Testing

/// Runs the binary and returns its exit status and output.
func runKnooppunt(
    _ arguments: [String], stdin: String? = nil, timeout: Double = 60
) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = Paths.binary
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    let deadline = ContinuousClock.now + TimeScale.seconds(timeout)
    while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
    if process.isRunning {
        process.terminate()
        throw TestFailure("knooppunt \(arguments.joined(separator: " ")) did not finish")
    }
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (process.terminationStatus, stdout, stderr)
}

extension SystemTests {
    @Test(
        "publish: accepted exits 0; a stopped daemon, a malformed file, an unknown region each get a clear message and their own exit code"
    )
    func publishOutcomes() throws {
        let net = try TestNetwork(name: "publish")
        defer { net.removeFolder() }
        let region = OrganisationCode("VR14")!
        try net.startAll([region])
        let dir = net.root.path
        let incident = try writeTemporary(Documents.incident(region, "VR14-CLI-1"))
        let person = ["--token-file", try net.tokenFile(region)]

        // Nobody named: the daemon takes reports only from its people (exit 6, nothing queued).
        let fresh = try net.daemonStatus(region)["outbox"]?["nextOriginSeq"]?.integerValue
        let anonymous = try runKnooppunt(["publish", "--dir", dir, "--as", "VR14", incident.path])
        #expect(anonymous.status == 6)
        #expect(anonymous.err.contains("E800"), "\(anonymous.err)")
        #expect(try net.daemonStatus(region)["outbox"]?["nextOriginSeq"]?.integerValue == fresh)

        let ok = try runKnooppunt(["publish", "--dir", dir, "--as", "VR14", incident.path] + person)
        #expect(ok.status == 0, "\(ok.err)")
        #expect(ok.out.contains("queued"))
        #expect(ok.out.contains("accepted seq 1"))

        // The same body again within the window: refused, nothing queued.
        let again = try runKnooppunt(["publish", "--dir", dir, "--as", "VR14", incident.path] + person)
        #expect(again.status == 4)
        #expect(again.err.contains("E504"))

        // A document with problems: every problem with its code and field; nothing reaches the outbox.
        let before = try net.daemonStatus(region)["outbox"]?["nextOriginSeq"]?.integerValue
        let malformed = try runKnooppunt(
            ["publish", "--dir", dir, "--as", "VR14", "-"] + person,
            stdin: #"{"type":"sitrep","incident":"VR14-CLI-1","beeld":{"XYZ":{}},"confidence":"certain"}"#)
        #expect(malformed.status == 1)
        #expect(malformed.err.contains("E204 unknownField at beeld.XYZ"))
        #expect(malformed.err.contains("E205 unknownValue at confidence"))
        #expect(malformed.err.contains("E203 missingField at verification"))
        #expect(try net.daemonStatus(region)["outbox"]?["nextOriginSeq"]?.integerValue == before)

        // Refused by the node (an incident it does not know): exit 4 with the code.
        let refused = try runKnooppunt(
            [
                "publish", "--dir", dir, "--as", "VR14", "--incident", "NOT-THERE", "--text", "x",
            ] + person)
        #expect(refused.status == 4)
        #expect(refused.out.contains("E402"))

        // An organisation whose daemon is not running: exit 5.
        let stopped = try runKnooppunt(
            [
                "publish", "--dir", dir, "--as", "VR15", "--incident", "VR14-CLI-1", "--text", "x",
            ] + person)
        #expect(stopped.status == 5)
        #expect(stopped.err.contains("E506"))

        // An unknown region: a usage error naming it.
        let unknown = try runKnooppunt(["publish", "--dir", dir, "--as", "VR99", incident.path])
        #expect(unknown.status == 64)
        #expect(unknown.err.contains("VR99"))

        // The node stopped: the report is queued, and publish says so with exit 3.
        net.signal("node", SIGSTOP)
        let queued = try runKnooppunt(
            [
                "publish", "--dir", dir, "--as", "VR14", "--wait", "1", "--incident", "VR14-CLI-1", "--text",
                "later",
            ] + person)
        #expect(queued.status == 3)
        #expect(queued.out.contains("still queued"))
        net.signal("node", SIGCONT)
        try net.waitConverged([region])
        #expect(try net.daemonStatus(region)["outbox"]?["queued"]?.integerValue == 0)

        // status --report says where it is.
        let report = try runKnooppunt(["status", "--dir", dir, "--json"])
        #expect(report.status == 0)
        // It names the build, as --version does.
        let version = try runKnooppunt(["--version"]).out
        let commit = try JSONParser.parse(Array(report.out.utf8))["version"]?["commit"]?.stringValue
        #expect(commit != nil && version.contains("(commit \(commit ?? "-"),"))
        net.stopAll()
    }

    @Test(
        "the retired pair: a network with replicas starts no node without etcd, and says how; the backup and the third need --etcd; `cluster --pair` is gone"
    )
    func noPairWithoutEtcd() throws {
        let net = try TestNetwork(name: "no-pair", standby: true)
        defer { net.removeFolder() }
        let primary = try runKnooppunt(["node", "--dir", net.root.path], timeout: 20)
        #expect(primary.status != 0)
        #expect(
            primary.err.contains("each runs on etcd, started with --etcd")
                && primary.err.contains("pair without etcd is retired"), "\(primary.err)")
        // Refused before anything was opened: no store was made.
        #expect(!FileManager.default.fileExists(atPath: net.folder.store(of: .primary).path))
        for role in ["backup", "third"] {
            let refused = try runKnooppunt(["node", "--dir", net.root.path, "--role", role], timeout: 20)
            #expect(
                refused.status != 0 && refused.err.contains("runs only as a replica on etcd"),
                "\(refused.err)")
        }
        let cluster = try runKnooppunt(["cluster", "--pair", "--dir", net.root.path], timeout: 20)
        #expect(cluster.status != 0 && cluster.err.contains("--pair"), "\(cluster.err)")
    }

    @Test(
        "the README's first command brings up all 25 regions, one report is accepted, and everything stops cleanly; every organisation has its first administrator and the desk a login, no password printed"
    )
    func readmeRunCommand() throws {
        // A temporary copy of the repository (tracked files only); the binary under test is
        // passed in, so the copy does not build again.
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-readme-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        let files = try shell("git", ["-C", Paths.repository.path, "ls-files"], in: Paths.repository).split(
            separator: "\n")
        for file in files {
            let source = Paths.repository.appendingPathComponent(String(file))
            let target = copy.appendingPathComponent(String(file))
            guard FileManager.default.fileExists(atPath: source.path) else { continue }
            try FileManager.default.createDirectory(
                at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: target)
        }
        let readme = try String(contentsOf: copy.appendingPathComponent("README.md"), encoding: .utf8)
        let runCommand = try #require(
            readme.split(separator: "\n").first { $0.hasPrefix("./scripts/run.sh") })
        #expect(runCommand.trimmingCharacters(in: .whitespaces) == "./scripts/run.sh")

        let port = try TestNetwork.freeBasePort()
        let process = Process()
        process.executableURL = copy.appendingPathComponent("scripts/run.sh")
        process.currentDirectoryURL = copy
        process.arguments = [
            "--smoke", "--port", String(port), "--desk-port", String(port + 20),
            "--ready-timeout", String(Int(120 * TimeScale.factor)),
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["KNOOPPUNT_BIN"] = Paths.binary.path
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("all 27 daemons heard"))
        #expect(text.contains("VR25 Flevoland"))
        // The desk is part of the main job, and the network was ready only once it held the picture.
        #expect(text.contains("national desk") && text.contains("http://127.0.0.1:\(port + 20)/"))
        #expect(text.contains("accepted seq"))
        #expect(text.contains("stopped cleanly"))
        // No process of that network is left behind.
        let folder = DataFolder(copy.appendingPathComponent("var").path)
        for code in OrganisationCode.all where code != .national {
            #expect(LockFile.holder(of: folder.lockFile(in: folder.daemonFolder(code))) == nil)
        }
        #expect(LockFile.holder(of: folder.lockFile(in: folder.nodeFolder)) == nil)
        #expect(LockFile.holder(of: folder.lockFile(in: folder.root.appendingPathComponent("desk"))) == nil)

        // Every organisation got its first administrator, the desk a local desk officer; the
        // passwords are in owner-only files only, never in what the network printed.
        var passwords: [String] = []
        for code in OrganisationCode.all {
            let file = folder.firstAdministratorFile(code).path
            #expect(fileMode(file) == 0o600, "\(code)")
            let content = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            passwords += content.split(separator: "\n").filter { $0.hasPrefix("password: ") }
                .map { String($0.dropFirst("password: ".count)) }
        }
        let officerFile = folder.root.appendingPathComponent("desk/officer.password").path
        #expect(fileMode(officerFile) == 0o600)
        passwords.append(
            ((try? String(contentsOfFile: officerFile, encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(passwords.count == OrganisationCode.all.count + 1)
        #expect(passwords.allSatisfy { $0.count == 20 && !text.contains($0) })
        let officers = try runKnooppunt(["users", "list", "--dir", folder.root.path, "--as", "NATIONAL"])
        #expect(officers.out.contains("officer") && officers.out.contains("desk-officer"))
        // Every store, and every duty account's token, is a file only its owner may read.
        for code in OrganisationCode.all {
            let people = folder.peopleFolder(code).appendingPathComponent("people.sqlite").path
            #expect(fileMode(people) == 0o600, "\(code) people.sqlite")
            guard code != .national else { continue }
            #expect(fileMode(folder.daemonStore(code).path) == 0o600, "\(code) store")
            let token = folder.peopleFolder(code).appendingPathComponent("dienstdoende.token").path
            #expect(fileMode(token) == 0o600, "\(code) token")
        }
    }
}

func writeTemporary(_ document: JSONValue) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "knooppunt-doc-\(UUID().uuidString.prefix(8)).json")
    try Data(JSONWriter.canonical(document)).write(to: url)
    return url
}

func shell(_ command: String, _ arguments: [String], in folder: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [command] + arguments
    process.currentDirectoryURL = folder
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
