import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

extension SystemTests {
    @Test(
        "signals on real processes: DJI's radicalisation signal reaches the municipality only; a refused one is audited; the ack and the follow-up reach DJI's per-recipient state; no non-recipient, raw or not, receives a byte of its content"
    )
    func signalsReachExactlyTheirRecipients() throws {
        let net = try TestNetwork(name: "signals")
        defer { net.removeFolder() }
        let dir = net.root.path
        func knooppunt(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try runKnooppunt(arguments + ["--dir", dir])
        }
        func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }
        // The partners of the letter of 26 May 2021, added as any deployment adds them.
        for (code, kind, name) in [
            ("DJI", "justice", "DJI Meldpunt Radicalisering"),
            ("GEM-UTRECHT", "municipality", "Gemeente Utrecht"),
        ] {
            let added = try knooppunt(["org", "add", code, "--kind", kind, "--name", name])
            #expect(added.status == 0, "\(added.err)")
        }
        let dji = OrganisationCode("DJI")!
        let gemeente = OrganisationCode("GEM-UTRECHT")!
        let vr09 = OrganisationCode("VR09")!
        let everyone = [dji, gemeente, vr09, .police]
        try net.startAll(everyone)

        // Content that must never reach a non-recipient, each a marker the test searches for.
        let person = "DJI-PSEUDONIEM-7731"
        let assessment = "BEOORDELING-UITINGEN-CEL-4-MARKER"
        let sent = try knooppunt([
            "signal", "send", "--as", "DJI", "--to", "GEM-UTRECHT", "--kind", "radicalisation", "--basis",
            "WJSG-39F",
            "--person", person, "--assessment", assessment, "--asked", "discussMAR", "--json",
            "--token-file", try net.tokenFile(dji),
        ])
        #expect(sent.status == 0, "\(sent.err)")
        let signalID = try #require(
            try json(String(sent.out.split(separator: "\n").first ?? ""))["report"]?.stringValue)

        // The policy refuses a radicalisation signal to a safety region (E310) and an unknown
        // legal basis (E311); the node writes both refusals to the audit log.
        let toRegion = try knooppunt([
            "signal", "send", "--as", "DJI", "--to", "VR09", "--kind", "radicalisation", "--basis",
            "WJSG-39F",
            "--person", person, "--assessment", assessment, "--asked", "inform", "--token-file",
            try net.tokenFile(dji),
        ])
        #expect(toRegion.status != 0)
        #expect(toRegion.err.contains("E310"), "\(toRegion.err)")
        let unknownBasis = try knooppunt([
            "signal", "send", "--as", "DJI", "--to", "GEM-UTRECHT", "--kind", "radicalisation", "--basis",
            "WET-X",
            "--person", person, "--assessment", assessment, "--asked", "inform", "--token-file",
            try net.tokenFile(dji),
        ])
        #expect(unknownBasis.err.contains("E311"), "\(unknownBasis.err)")
        try net.waitConverged(everyone)

        // The recipient holds the content (a person opens it; the opening is logged); it
        // acknowledges receipt and records the MAR.
        let received = try knooppunt([
            "signal", "show", signalID, "--as", "GEM-UTRECHT", "--json", "--token-file",
            try net.tokenFile(gemeente),
        ])
        #expect(received.status == 0, "\(received.err)")
        #expect(received.out.contains(assessment) && received.out.contains(person), "\(received.out)")
        // A person whose role may only view cannot acknowledge it (E805).
        let viewerToken = net.root.appendingPathComponent("viewer-gem.token").path
        for command in [
            ["users", "add", "kijker", "--as", "GEM-UTRECHT", "--role", "viewer", "--name", "Kijker"],
            ["users", "token", "kijker", "--as", "GEM-UTRECHT", "--file", viewerToken],
        ] {
            let result = try knooppunt(command)
            #expect(result.status == 0, "\(result.err)")
        }
        let byViewer = try knooppunt([
            "signal", "ack", signalID, "--as", "GEM-UTRECHT", "--token-file", viewerToken,
        ])
        #expect(byViewer.status != 0)
        #expect(byViewer.err.contains("E805"), "\(byViewer.err)")
        let ack = try knooppunt([
            "signal", "ack", signalID, "--as", "GEM-UTRECHT", "--token-file", try net.tokenFile(gemeente),
        ])
        #expect(ack.status == 0, "\(ack.err)")
        let followUp = try knooppunt([
            "signal", "follow-up", signalID, "--as", "GEM-UTRECHT", "--outcome", "caseMeeting", "--note",
            "MAR-NOTITIE-MARKER", "--token-file", try net.tokenFile(gemeente),
        ])
        #expect(followUp.status == 0, "\(followUp.err)")
        // A non-recipient cannot acknowledge it (E314): the police is not named.
        let stranger = try knooppunt([
            "publish", "--as", "POLICE", "--token-file", try net.tokenFile(.police),
            try writeTemporary([
                "type": "signalAck", "subject": .string(signalID), "by": "Iemand",
                "classification": ["parties": ["DJI", "GEM-UTRECHT"]],
            ]).path,
        ])
        #expect(
            stranger.err.contains("E314") || stranger.out.contains("E314"), "\(stranger.out) \(stranger.err)")
        try net.waitConverged(everyone)

        // The sender sees, per recipient, acknowledged and followed up.
        var state: JSONValue?
        try waitUntil("DJI sees the follow-up", timeout: 30) {
            let list = try knooppunt(["signal", "list", "--as", "DJI", "--json"])
            state = try json(list.out)["signals"]?.arrayValue?.first { $0["id"]?.stringValue == signalID }
            return state?["recipients"]?.arrayValue?.first?["state"] == "followedUp"
        }
        let recipient = state?["recipients"]?.arrayValue?.first
        #expect(recipient?["party"] == "GEM-UTRECHT")
        #expect(recipient?["outcome"] == "caseMeeting")
        #expect(recipient?["acknowledgedBy"]?.stringValue?.isEmpty == false)
        #expect(recipient?["delivered"] == true)

        // The national desk sees the stub: sender, recipient, states; no content.
        let desk = try knooppunt(["signal", "list", "--json"])
        #expect(desk.status == 0, "\(desk.err)")
        let stub = try json(desk.out)["signals"]?.arrayValue?.first { $0["id"]?.stringValue == signalID }
        #expect(stub?["content"] == .null)
        #expect(stub?["recipients"]?.arrayValue?.first?["state"] == "followedUp")
        let markers = [person, assessment, "MAR-NOTITIE-MARKER"]
        for marker in markers { #expect(!desk.out.contains(marker), "\(marker) in the desk's list") }

        // VR09 and the police receive every sequence number, but no byte of the content:
        // their daemons' pictures, and raw clients with their keys that ask a snapshot and the
        // whole log. The same requests with the municipality's key carry it: a leak would show.
        let region = try knooppunt(["signal", "list", "--as", "VR09", "--json"])
        for marker in markers { #expect(!region.out.contains(marker), "\(marker) in VR09's list") }
        let last = try #require(try net.nodeStatus()["lastSequence"]?.integerValue)
        func everything(as code: OrganisationCode, role: DaemonRole) throws -> Data {
            let secrets = try OrganisationSecrets.load(from: net.folder.keyFile(code))
            let raw = try RawClient(
                endpoint: net.network.primary.endpoint, serverKey: net.network.nodeCurvePublicKey,
                keys: secrets.curve)
            try raw.send(.hello(applied: 0, epoch: 0, role: role))
            let snapshot = try raw.received(within: .seconds(2))
            try raw.send(.fetch(from: 1, to: UInt64(last)))
            let catchUp = try raw.received(within: .seconds(2))
            #expect(snapshot.messages + catchUp.messages >= Int(last), "\(code) received too little")
            return snapshot.bytes + catchUp.bytes
        }
        for (code, role) in [
            (vr09, DaemonRole.region), (vr09, .desk), (.police, .police), (.national, .desk),
        ] {
            let bytes = try everything(as: code, role: role)
            let leaked = markers.filter { bytes.range(of: Data($0.utf8)) != nil }
            #expect(leaked.isEmpty, "\(code) as \(role) received \(leaked)")
        }
        let recipientBytes = try everything(as: gemeente, role: .region)
        #expect(markers.allSatisfy { recipientBytes.range(of: Data($0.utf8)) != nil })

        // Both refusals are in the node's audit log.
        let audit = try knooppunt(["audit", "export"])
        #expect(audit.status == 0, "\(audit.err)")
        #expect(audit.out.contains("310") && audit.out.contains("311"), "\(audit.out.suffix(2000))")
        net.stopAll()
    }
}
