import Foundation
import KnooppuntCertificates
import KnooppuntConfig
import KnooppuntDomain
import StrictJSON
import Testing

/// `systemd-analyze` where the machine has it (Debian's systemd package).
private let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

extension SystemTests {
    @Test(
        "keys init on the example hosts file: three replicas' addresses, every organisation's keys and etcd's TLS material owner-only; keys export gives a host only its own secrets"
    )
    func keysInitAndExport() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("knooppunt-keys-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let deployment = root.appendingPathComponent("deployment").path
        let example = Paths.repository.appendingPathComponent("deploy/network.example.yaml").path
        let result = try runKnooppunt(["keys", "init", "--hosts", example, "--dir", deployment])
        #expect(result.status == 0, "\(result.err)")

        let folder = DataFolder(deployment)
        let network = try NetworkConfig.load(from: folder.networkFile)
        #expect(network.primary.endpoint == "tcp://knooppunt-a.lcms.example:7402")
        #expect(network.primary.bind == "tcp://*:7402")
        #expect(network.primary.pairEndpoint == "tcp://knooppunt-a.lcms.example:7403")
        #expect(network.backup?.endpoint == "tcp://knooppunt-b.lcms.example:7402")
        #expect(network.third?.endpoint == "tcp://knooppunt-c.lcms.example:7402")
        #expect(
            result.out.contains("etcd TLS:") && result.out.contains("https://knooppunt-c.lcms.example:2379"))
        let etcd = folder.keysFolder.appendingPathComponent("etcd")
        let etcdFiles = try FileManager.default.contentsOfDirectory(atPath: etcd.path)
        #expect(etcdFiles.count == 2 + 3 * 2 + 3 * 2 + 3, "\(etcdFiles.sorted())")
        for file in etcdFiles {
            #expect(try mode(of: etcd.appendingPathComponent(file)) == 0o600, "\(file)")
        }
        #expect(network.primary.chpBasePort == nil, "CHP is off unless configured")
        #expect(Set(network.organisations.keys) == Set(OrganisationCode.all))
        for code in OrganisationCode.all {
            #expect(try mode(of: folder.keyFile(code)) == 0o600, "\(code)")
        }
        #expect(try mode(of: folder.nodeServerKeyFile) == 0o600)
        #expect(try mode(of: folder.keysFolder) == 0o700)
        #expect(!(try String(contentsOf: folder.networkFile, encoding: .utf8)).contains("Secret"))

        // Again: the same keys and certificates, never overwritten.
        let before = try Data(contentsOf: folder.keyFile(.nctv))
        let certificate = try Data(contentsOf: etcd.appendingPathComponent("member-backup.pem"))
        #expect(try runKnooppunt(["keys", "init", "--hosts", example, "--dir", deployment]).status == 0)
        #expect(try Data(contentsOf: folder.keyFile(.nctv)) == before)
        #expect(try Data(contentsOf: etcd.appendingPathComponent("member-backup.pem")) == certificate)

        let host = root.appendingPathComponent("vr09")
        let export = try runKnooppunt(["keys", "export", "VR09", "--dir", deployment, "--to", host.path])
        #expect(export.status == 0, "\(export.err)")
        let files = try FileManager.default.subpathsOfDirectory(atPath: host.path).sorted()
        #expect(files == ["keys", "keys/VR09.json", "network.json"])
        #expect(try mode(of: host.appendingPathComponent("keys/VR09.json")) == 0o600)
        #expect(try mode(of: host) == 0o700)
        let again = try runKnooppunt(["keys", "export", "VR09", "--dir", deployment, "--to", host.path])
        #expect(again.status != 0 && again.err.contains("exists already"))
        let unknown = try runKnooppunt([
            "keys", "export", "VR26", "--dir", deployment, "--to", host.path + "x",
        ])
        #expect(unknown.status != 0 && unknown.err.contains("VR01…VR25"))
        // A replica's host: the node key, the CA certificate, its own member's and replica's files.
        let unnamed = try runKnooppunt(
            ["keys", "export", "node", "--dir", deployment, "--to", root.appendingPathComponent("node").path])
        #expect(unnamed.status != 0 && unnamed.err.contains("--replica"))
        let node = try runKnooppunt([
            "keys", "export", "node", "--replica", "backup", "--dir", deployment, "--to",
            root.appendingPathComponent("node").path,
        ])
        #expect(node.status == 0, "\(node.err)")
        #expect(
            try FileManager.default.subpathsOfDirectory(atPath: root.appendingPathComponent("node").path)
                .sorted()
                == [
                    "keys", "keys/etcd", "keys/etcd/ca.pem", "keys/etcd/client-backup-key.pem",
                    "keys/etcd/client-backup.pem", "keys/etcd/member-backup-key.pem",
                    "keys/etcd/member-backup.pem",
                    "keys/etcd/member-backup.env", "keys/node-server.json", "network.json",
                ].sorted())
        let environment = try String(
            contentsOf: root.appendingPathComponent("node/keys/etcd/member-backup.env"), encoding: .utf8)
        #expect(environment.contains("KNOOPPUNT_ETCD_NAME=backup\n"))
        #expect(
            environment.contains(
                "KNOOPPUNT_ETCD_INITIAL_CLUSTER=primary=https://knooppunt-a.lcms.example:2380,backup=https://knooppunt-b.lcms.example:2380,third=https://knooppunt-c.lcms.example:2380\n"
            ))

        // Renewing etcd's certificates: new ones from the same CA, the old ones set aside and
        // never exported, the steps printed.
        let noHosts = try runKnooppunt(["keys", "rotate", "--etcd", "--dir", deployment])
        #expect(noHosts.status != 0 && noHosts.err.contains("--etcd needs --hosts"), "\(noHosts.err)")
        let authority = try Data(contentsOf: etcd.appendingPathComponent("ca.pem"))
        let rotate = try runKnooppunt(["keys", "rotate", "--etcd", "--hosts", example, "--dir", deployment])
        #expect(rotate.status == 0, "\(rotate.err)")
        #expect(rotate.out.contains("valid until") && rotate.out.contains("the CA stays"), "\(rotate.out)")
        #expect(rotate.out.contains("keys/etcd/retired-") && rotate.out.contains("knooppunt-etcd@ROLE"))
        #expect(try Data(contentsOf: etcd.appendingPathComponent("member-backup.pem")) != certificate)
        #expect(try Data(contentsOf: etcd.appendingPathComponent("ca.pem")) == authority)
        let renewed = root.appendingPathComponent("node-renewed")
        let exported = try runKnooppunt([
            "keys", "export", "node", "--replica", "backup", "--dir", deployment, "--to", renewed.path,
        ])
        #expect(exported.status == 0, "\(exported.err)")
        #expect(
            !(try FileManager.default.subpathsOfDirectory(atPath: renewed.path)).contains {
                $0.contains("retired")
            })
        #expect(
            try Data(contentsOf: renewed.appendingPathComponent("keys/etcd/member-backup.pem"))
                == Data(contentsOf: etcd.appendingPathComponent("member-backup.pem")))

        // A replica whose client certificate has ended refuses to start, saying what to do,
        // before it tries etcd at all.
        let ended = EtcdTLSFiles(folder: renewed.appendingPathComponent("keys/etcd"))
        try FileManager.default.removeItem(at: ended.clientCertificate("backup"))
        try FileManager.default.removeItem(at: ended.clientKey("backup"))
        try EtcdTLSFiles(folder: etcd).rotate(
            members: [], clients: ["backup"], now: Date() - EtcdAuthority.certificateValidity - 86_400)
        for file in ["client-backup.pem", "client-backup-key.pem"] {
            try FileManager.default.copyItem(
                at: etcd.appendingPathComponent(file), to: ended.folder.appendingPathComponent(file))
        }
        let refusedStart = try runKnooppunt(
            ["node", "--dir", renewed.path, "--role", "backup", "--etcd", "https://127.0.0.1:9"], timeout: 20)
        #expect(refusedStart.status != 0)
        #expect(
            refusedStart.err.contains("client-backup.pem ended on")
                && refusedStart.err.contains("keys rotate --etcd"), "\(refusedStart.err)")
    }

    @Test(
        "one node alone: no etcd material; keys export node gives it the server key; the retired pair's hosts file is refused with its code"
    )
    func keysForOneNode() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-one-node-keys-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let hosts = root.appendingPathComponent("pair.yaml")
        try "primary:\n  host: a.example\nbackup:\n  host: b.example\n".write(
            to: hosts, atomically: true, encoding: .utf8)
        let deployment = root.appendingPathComponent("deployment").path
        let pair = try runKnooppunt(["keys", "init", "--hosts", hosts.path, "--dir", deployment])
        #expect(pair.status != 0 && pair.err.contains("[hosts.backupWithoutThird]"), "\(pair.err)")
        try "primary:\n  host: a.example\n".write(to: hosts, atomically: true, encoding: .utf8)
        let result = try runKnooppunt(["keys", "init", "--hosts", hosts.path, "--dir", deployment])
        #expect(result.status == 0, "\(result.err)")
        #expect(!result.out.contains("etcd TLS"))
        #expect(!FileManager.default.fileExists(atPath: "\(deployment)/keys/etcd"))
        let refused = try runKnooppunt([
            "keys", "export", "node", "--replica", "primary", "--dir", deployment, "--to",
            root.appendingPathComponent("x").path,
        ])
        #expect(refused.status != 0 && refused.err.contains("no etcd material"))
        let noEtcd = try runKnooppunt([
            "keys", "rotate", "--etcd", "--hosts", hosts.path, "--dir", deployment,
        ])
        #expect(noEtcd.status != 0 && noEtcd.err.contains("names no third replica"), "\(noEtcd.err)")
        let node = try runKnooppunt(
            ["keys", "export", "node", "--dir", deployment, "--to", root.appendingPathComponent("node").path])
        #expect(node.status == 0, "\(node.err)")
        #expect(
            try FileManager.default.subpathsOfDirectory(atPath: root.appendingPathComponent("node").path)
                .sorted()
                == ["keys", "keys/node-server.json", "network.json"])

        // A bad etcd section names its code.
        try "primary:\n  host: a\n  etcd:\n    client_port: 0\nbackup:\n  host: b\nthird:\n  host: c\n".write(
            to: hosts, atomically: true, encoding: .utf8)
        let bad = try runKnooppunt([
            "keys", "init", "--hosts", hosts.path, "--dir", root.appendingPathComponent("bad").path,
        ])
        #expect(bad.status != 0 && bad.err.contains("[hosts.badPort]"), "\(bad.err)")
    }

    @Test("no secret key is tracked by git")
    func noSecretsInGit() throws {
        let tracked = try shell("/usr/bin/git", ["ls-files", "-z"], in: Paths.repository)
            .split(separator: "\0").map(String.init)
        #expect(!tracked.isEmpty)
        // A key file anywhere, or a key value in any tracked file.
        #expect(
            tracked.filter { $0.contains("/keys/") || $0.hasPrefix("keys/") || $0.hasPrefix("var/") }.isEmpty)
        let secret = try Regex(#""(curveSecretKey|signingSecretKey)"\s*:\s*"[^"]{20,}""#)
        for path in tracked {
            let url = Paths.repository.appendingPathComponent(path)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            #expect(text.firstMatch(of: secret) == nil, "\(path) holds a secret key")
        }
    }

    @Test(
        "the systemd units pass systemd-analyze verify (rendered with the built binary and a test user); a broken unit does not",
        .enabled(
            if: systemdAnalyze != nil && getuid() == 0, "needs systemd-analyze and root (to create a user)")
    )
    func systemdUnits() throws {
        let user = "kptest\(Int.random(in: 1000..<10000))"
        _ = try shell(
            "/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
            in: Paths.repository)
        defer { _ = try? shell("/usr/sbin/userdel", [user], in: Paths.repository) }
        let rendered = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-units-\(UUID())")
        defer { try? FileManager.default.removeItem(at: rendered) }
        try FileManager.default.createDirectory(at: rendered, withIntermediateDirectories: true)
        let units = Paths.repository.appendingPathComponent("deploy/systemd")
        var names: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: units.path).sorted() {
            let text = try String(contentsOf: units.appendingPathComponent(file), encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/knooppunt", with: Paths.binary.path)
                .replacingOccurrences(of: "User=knooppunt", with: "User=\(user)")
                .replacingOccurrences(of: "Group=knooppunt", with: "Group=\(user)")
            // A template is checked as an instance of it.
            let name = file.replacingOccurrences(of: "node@.", with: "node@primary.")
                .replacingOccurrences(of: "region@.", with: "region@VR09.")
                .replacingOccurrences(of: "etcd@.", with: "etcd@primary.")
                .replacingOccurrences(of: "replica@.", with: "replica@primary.")
            try text.write(to: rendered.appendingPathComponent(name), atomically: true, encoding: .utf8)
            names.append(name)
        }
        #expect(
            Set(names)
                == [
                    "knooppunt-node@primary.service", "knooppunt-region@VR09.service",
                    "knooppunt-etcd@primary.service", "knooppunt-replica@primary.service",
                    "knooppunt-nctv.service",
                    "knooppunt-police.service", "knooppunt-desk.service",
                ])
        let verdict = try verify(names, in: rendered)
        #expect(verdict.status == 0 && verdict.output.isEmpty, "\(verdict.output)")

        // The check can fail: a misspelt restart policy is reported.
        let broken = rendered.appendingPathComponent("knooppunt-nctv.service")
        try (try String(contentsOf: broken, encoding: .utf8))
            .replacingOccurrences(of: "Restart=always", with: "Restart=sometimes")
            .write(to: broken, atomically: true, encoding: .utf8)
        #expect(!(try verify(["knooppunt-nctv.service"], in: rendered)).output.isEmpty)
    }
}

private func mode(of url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.posixPermissions] as? Int ?? 0) & 0o777
}

/// `systemd-analyze verify` on unit files in `folder`: its exit status and everything it printed.
private func verify(_ names: [String], in folder: URL) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: systemdAnalyze!)
    process.arguments = ["verify"] + names
    process.currentDirectoryURL = folder
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
