import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON
import Testing

extension SystemTests {
    /// A network with DJI and a municipality as partners, every daemon running, and a signal
    /// from DJI to the municipality: the ground the signal tests below stand on.
    struct SignalGround {
        let net: TestNetwork
        let signalID: String
        let assessment: String
        let everyone: [OrganisationCode]
        /// The etcd members of a quorum ground (the two nodes are its replicas); nil for a pair.
        var cluster: EtcdCluster? = nil
        static let dji = OrganisationCode("DJI")!
        static let gemeente = OrganisationCode("GEM-UTRECHT")!
        /// A quorum ground's network name in etcd: its log is under `/knooppunt/<name>/log/`.
        static let etcdNetwork = "S"

        func knooppunt(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try runKnooppunt(arguments + ["--dir", net.root.path])
        }

        /// The node's audit rows of `kind`, from `knooppunt audit export` (one `{"row": …}` a line).
        func auditRows(_ kind: String) throws -> [JSONValue] {
            let export = try knooppunt(["audit", "export"])
            return export.out.split(separator: "\n").compactMap { line in
                guard let row = (try? JSONParser.parse(Array(line.utf8)))?["row"],
                    row["kind"]?.stringValue == kind
                else { return nil }
                return row
            }
        }

        static func start(
            _ name: String, nodeArguments: [String] = [], quorum: Bool = false
        ) throws -> SignalGround {
            let net = try TestNetwork(name: name, standby: quorum)
            net.nodeArguments = nodeArguments
            var cluster: EtcdCluster?
            if quorum {
                let members = try EtcdCluster(folder: net.root.appendingPathComponent("etcd"), count: 3)
                try members.start(timeout: TimeScale.seconds(60))
                net.nodeArguments += [
                    "--etcd", members.clientURLs.joined(separator: ","), "--etcd-network", Self.etcdNetwork,
                ]
                cluster = members
            }
            for (code, kind, title) in [
                ("DJI", "justice", "DJI Meldpunt Radicalisering"),
                ("GEM-UTRECHT", "municipality", "Gemeente Utrecht"),
            ] {
                let added = try runKnooppunt([
                    "org", "add", code, "--kind", kind, "--name", title, "--dir", net.root.path,
                ])
                #expect(added.status == 0, "\(added.err)")
            }
            let everyone = [dji, gemeente, OrganisationCode("VR09")!]
            try net.startNode(.primary)
            if quorum { try net.startNode(.backup) }
            for code in everyone { try net.startDaemon(code) }
            try net.waitConverged(everyone)
            let assessment = "OPEN-BEOORDELING-\(UUID().uuidString.prefix(8))"
            let sent = try runKnooppunt(
                [
                    "signal", "send", "--as", "DJI", "--to", "GEM-UTRECHT", "--kind", "radicalisation",
                    "--basis",
                    "WJSG-39F", "--person", "DJI-2026-0099", "--assessment", assessment, "--asked",
                    "discussMAR",
                    "--retention-days", "30", "--json", "--token-file", try net.tokenFile(dji), "--dir",
                    net.root.path,
                ])
            #expect(sent.status == 0, "\(sent.err)")
            let line = String(sent.out.split(separator: "\n").first ?? "")
            let id = try #require(try JSONParser.parse(Array(line.utf8))["report"]?.stringValue)
            try net.waitConverged(everyone)
            return SignalGround(
                net: net, signalID: id, assessment: assessment, everyone: everyone, cluster: cluster)
        }
    }

    @Test(
        "opening a signal is logged: only a person of the sender or a recipient with a reading role sees the content; the read reaches the node's audit log and the sender, also when the node was down at the time"
    )
    func openingASignalIsLogged() throws {
        let ground = try SignalGround.start("signal-read")
        let net = ground.net
        defer { net.removeFolder() }
        let id = ground.signalID

        // Listing no longer shows the content: only opening it does.
        let listed = try ground.knooppunt(["signal", "list", "--as", "GEM-UTRECHT", "--json"])
        #expect(listed.status == 0, "\(listed.err)")
        #expect(listed.out.contains(id) && !listed.out.contains(ground.assessment), "\(listed.out)")

        // A viewer may not read signals (E805, exit 6); a non-recipient holds only the envelope
        // (E314); an unknown id is E404.
        let viewerToken = net.root.appendingPathComponent("viewer-gem.token").path
        for command in [
            ["users", "add", "kijker", "--as", "GEM-UTRECHT", "--role", "viewer", "--name", "Kijker"],
            ["users", "token", "kijker", "--as", "GEM-UTRECHT", "--file", viewerToken],
        ] {
            let result = try ground.knooppunt(command)
            #expect(result.status == 0, "\(result.err)")
        }
        let byViewer = try ground.knooppunt([
            "signal", "show", id, "--as", "GEM-UTRECHT", "--token-file", viewerToken,
        ])
        #expect(byViewer.status == 6 && byViewer.err.contains("E805"), "\(byViewer.status) \(byViewer.err)")
        #expect(!byViewer.out.contains(ground.assessment))
        let byRegion = try ground.knooppunt([
            "signal", "show", id, "--as", "VR09", "--token-file",
            try net.tokenFile(OrganisationCode("VR09")!),
        ])
        #expect(byRegion.status == 1 && byRegion.err.contains("E314"), "\(byRegion.status) \(byRegion.err)")
        let unknown = try ground.knooppunt([
            "signal", "show", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "--as", "GEM-UTRECHT", "--token-file",
            try net.tokenFile(SignalGround.gemeente),
        ])
        #expect(unknown.status == 1 && unknown.err.contains("E404"), "\(unknown.status) \(unknown.err)")

        // The recipient's desk officer opens it: the content, and the read record kept first.
        let opened = try ground.knooppunt([
            "signal", "show", id, "--as", "GEM-UTRECHT", "--json", "--token-file",
            try net.tokenFile(SignalGround.gemeente),
        ])
        #expect(opened.status == 0, "\(opened.err)")
        let answer = try JSONParser.parse(Array(opened.out.utf8))
        #expect(answer["content"]?["assessment"]?.stringValue == ground.assessment)
        #expect(answer["read"]?["state"] == "queued")
        #expect(answer["read"]?["role"] == "desk-officer")
        let readID = try #require(answer["read"]?["id"]?.stringValue)
        // A read record cannot be published by hand: it could name anyone.
        let forged = net.root.appendingPathComponent("forged-read.json")
        try Data(
            """
            {"type": "signalRead", "subject": "\(id)", "by": "Iemand Anders (ianders)", "role": "operator",
             "at": 1764950100000, "classification": {"parties": ["DJI", "GEM-UTRECHT"]}}
            """.utf8
        ).write(to: forged)
        let published = try ground.knooppunt([
            "publish", forged.path, "--as", "GEM-UTRECHT", "--token-file",
            try net.tokenFile(SignalGround.gemeente),
        ])
        #expect(
            published.status != 0 && published.err.contains("E301"), "\(published.status) \(published.err)")
        // The answer has exactly the fields docs/PROTOCOL.md §11 shows.
        let documented = try Self.documentedSignalOpenAnswer()
        #expect(answer.objectValue.map { Set($0.keys) } == documented.objectValue.map { Set($0.keys) })
        #expect(
            answer["read"]?.objectValue.map { Set($0.keys) }
                == documented["read"]?.objectValue.map { Set($0.keys) })

        // The node's audit log names the person, the role and the signal; never the content.
        try waitUntil("the read in the audit log", timeout: 30) {
            try ground.auditRows("signalRead").contains { $0["detail"]?["read"]?.stringValue == readID }
        }
        let row = try #require(
            try ground.auditRows("signalRead").first { $0["detail"]?["read"]?.stringValue == readID })
        #expect(row["subject"]?.stringValue == id)
        #expect(row["actor"] == "GEM-UTRECHT")
        #expect(row["person"]?.stringValue?.contains("tester-ops") == true)
        #expect(row["detail"]?["role"] == "desk-officer")
        let export = try ground.knooppunt(["audit", "export"])
        #expect(!export.out.contains(ground.assessment), "content in the audit log")

        // The sender sees who read it; VR09 (no reader) does not receive the read record.
        try waitUntil("DJI sees the read", timeout: 30) {
            let list = try ground.knooppunt(["signal", "list", "--as", "DJI", "--json"])
            let signal = try JSONParser.parse(Array(list.out.utf8))["signals"]?.arrayValue?.first {
                $0["id"]?.stringValue == id
            }
            return signal?["reads"]?.arrayValue?.contains { $0["organisation"] == "GEM-UTRECHT" } == true
        }
        try net.waitConverged(ground.everyone)
        let regionPicture = try ground.knooppunt(["signal", "list", "--as", "VR09", "--json"])
        #expect(!regionPicture.out.contains("tester-ops"), "the read record's content reached VR09")

        // The node is down: the content is still shown, the record waits in the outbox and
        // reaches the audit log when the node is back.
        net.stop("node")
        let offline = try ground.knooppunt([
            "signal", "show", id, "--as", "DJI", "--json", "--token-file",
            try net.tokenFile(SignalGround.dji),
        ])
        #expect(offline.status == 0, "\(offline.err)")
        let offlineAnswer = try JSONParser.parse(Array(offline.out.utf8))
        #expect(offlineAnswer["content"]?["assessment"]?.stringValue == ground.assessment)
        let offlineRead = try #require(offlineAnswer["read"]?["id"]?.stringValue)
        try net.startNode()
        try waitUntil("the offline read in the audit log", timeout: 60) {
            try ground.auditRows("signalRead").contains { $0["detail"]?["read"]?.stringValue == offlineRead }
        }
        let verified = try ground.knooppunt(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.out) \(verified.err)")
        net.stopAll()
    }

    /// The SIGNAL answer shown in docs/PROTOCOL.md (the block after `<!-- check: signal-open -->`).
    static func documentedSignalOpenAnswer() throws -> JSONValue {
        let file = Paths.repository.appendingPathComponent("docs/PROTOCOL.md")
        let lines = try String(contentsOf: file, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        let marker = try #require(lines.firstIndex { $0 == "<!-- check: signal-open -->" })
        let body = lines[(marker + 2)...].prefix { !$0.hasPrefix("```") }
        return try JSONParser.parse(Array(body.joined(separator: "\n").utf8))
    }

    @Test(
        "the node reloads signals.yaml while running: a signal the old policy allowed is refused by the new one (E315), and the reload is an audit row"
    )
    func signalPolicyReloadsWhileRunning() throws {
        let ground = try SignalGround.start("signal-reload")
        let net = ground.net
        defer { net.removeFolder() }
        // A stricter policy: at most 7 days of retention, one rule.
        let policy = """
            version: 1
            acknowledgeWithinMinutes: 60
            maximumRetentionDays: 7
            legalBases:
              - code: WJSG-39F
                description: Wet justitiële en strafvorderlijke gegevens art. 39f
            rules:
              - id: justice-radicalisation
                from: [justice]
                kinds: [radicalisation]
                to: [municipality]
                bases: [WJSG-39F]
            """
        try Data(policy.utf8).write(to: net.root.appendingPathComponent("signals.yaml"))
        try waitUntil("the reload in the audit log", timeout: 30) {
            try ground.auditRows("config").contains { $0["detail"]?["signalPolicyChanged"] == true }
        }
        let refused = try ground.knooppunt([
            "signal", "send", "--as", "DJI", "--to", "GEM-UTRECHT", "--kind", "radicalisation", "--basis",
            "WJSG-39F",
            "--person", "DJI-2026-0100", "--assessment", "Tweede signaal", "--asked", "inform",
            "--retention-days",
            "30", "--token-file", try net.tokenFile(SignalGround.dji),
        ])
        #expect(refused.status != 0 && refused.err.contains("E315"), "\(refused.status) \(refused.err)")
        let allowed = try ground.knooppunt([
            "signal", "send", "--as", "DJI", "--to", "GEM-UTRECHT", "--kind", "radicalisation", "--basis",
            "WJSG-39F",
            "--person", "DJI-2026-0101", "--assessment", "Derde signaal", "--asked", "inform",
            "--retention-days",
            "7", "--token-file", try net.tokenFile(SignalGround.dji),
        ])
        #expect(allowed.status == 0, "\(allowed.err)")
        net.stopAll()
    }
}
