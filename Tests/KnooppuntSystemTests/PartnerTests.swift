import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON
import Testing
import ZeroMQ

/// Crisis partners beyond the 28, added and removed while the network runs (issue 17).
extension SystemTests {
    static let rws = OrganisationCode("RWS")!

    /// `org add RWS` (infrastructure, group vital-infrastructure) in the network's folder.
    static func addRijkswaterstaat(_ net: TestNetwork) throws {
        let added = try runKnooppunt([
            "org", "add", "RWS", "--kind", "infrastructure", "--name", "Rijkswaterstaat", "--group",
            "vital-infrastructure", "--dir", net.root.path,
        ])
        #expect(added.status == 0, "\(added.out) \(added.err)")
    }

    /// A sitrep on `incident` whose sections go to the listed parties only, each carrying its marker.
    static func sitrep(_ incident: String, sections: [(String, [OrganisationCode], String)]) -> JSONValue {
        var beeld: [String: JSONValue] = [:]
        for (discipline, parties, marker) in sections {
            beeld[discipline] = [
                "text": .string("Stand van zaken \(marker)"),
                "classification": ["parties": .array(parties.map { .string($0.rawValue) })],
            ]
        }
        return [
            "type": "sitrep", "incident": .string(incident), "beeld": .object(beeld), "confidence": "medium",
            "verification": "unconfirmed",
        ]
    }

    /// A sitrep with public action advice for `area` (`regions`, `municipalities`).
    static func advice(_ incident: String, marker: String, area: JSONValue) -> JSONValue {
        [
            "type": "sitrep", "incident": .string(incident), "confidence": "medium",
            "verification": "unconfirmed",
            "beeld": ["MULTI": ["text": .string("Afsluiting \(marker)"), "classification": "partners"]],
            "communicatie": [
                "coreMessage": .string("Weg afgesloten \(marker)"), "actionAdvice": "Vermijd de A12",
                "targetArea": area, "classification": "public",
            ],
        ]
    }

    /// What a raw client with `code`'s key receives for a snapshot (HELLO from nothing) and the
    /// whole log again (FETCH 1…`upTo`).
    static func rawEverything(
        _ net: TestNetwork, keys: CurveKeyPair, role: DaemonRole, upTo: UInt64
    ) throws -> (bytes: Data, messages: Int) {
        let raw = try RawClient(
            endpoint: net.network.primary.endpoint, serverKey: net.network.nodeCurvePublicKey, keys: keys)
        try raw.send(.hello(applied: 0, epoch: 0, role: role))
        let snapshot = try raw.received(within: .seconds(3))
        try raw.send(.fetch(from: 1, to: upTo))
        let catchUp = try raw.received(within: .seconds(4))
        return (snapshot.bytes + catchUp.bytes, snapshot.messages + catchUp.messages)
    }

    @Test(
        "org add while node and daemons run: the partner's daemon gets the snapshot of its view and writes what its group may; org remove: its key is refused (E303), the node keeps running and its reports"
    )
    func partnerAddedAndRemoved() throws {
        let net = try TestNetwork(name: "partners")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        let vr10 = OrganisationCode("VR10")!
        let rws = Self.rws
        try net.startAll([vr09, vr10])
        let region = try Publisher(vr09, network: net)
        let incident = "VR09-TEST-1"
        try region.publishAll([Documents.incident(vr09, incident)])

        try Self.addRijkswaterstaat(net)
        try waitUntil("the node admits RWS", timeout: 30) {
            NodeStatus(json: try net.nodeStatus())?.party(rws) != nil
        }
        for code in [vr09, vr10] {
            try waitUntil("\(code)'s daemon reads the new network.json", timeout: 30) {
                net.log(code.rawValue).contains("network.json reloaded")
            }
        }
        // Written before RWS runs: a section for RWS and VR09, one for the two regions only.
        try region.publishAll([
            Self.sitrep(
                incident, sections: [("BRW", [vr09, rws], "VOOR-RWS-1"), ("GZ", [vr09, vr10], "REGIO-1")])
        ])
        #expect(region.accepted.count == 2, "\(region.rejected)")

        try net.startDaemon(rws)
        try net.waitConverged([vr09, vr10, rws])
        // The raw snapshot of RWS's view: the section naming it, not the regions' one.
        let rwsKeys = try OrganisationSecrets.load(from: net.folder.keyFile(rws)).curve
        let seen = try Self.rawEverything(net, keys: rwsKeys, role: .region, upTo: 2)
        #expect(seen.bytes.range(of: Data("VOOR-RWS-1".utf8)) != nil, "RWS did not receive its section")
        #expect(seen.bytes.range(of: Data("REGIO-1".utf8)) == nil, "RWS received the regions' section")
        let vr10Keys = try OrganisationSecrets.load(from: net.folder.keyFile(vr10)).curve
        let regional = try Self.rawEverything(net, keys: vr10Keys, role: .region, upTo: 2)
        #expect(regional.bytes.range(of: Data("REGIO-1".utf8)) != nil)
        #expect(regional.bytes.range(of: Data("VOOR-RWS-1".utf8)) == nil)

        // What its group may write (regional advice) is accepted; advice beyond one region and a
        // GRIP change on another's incident are refused with the policy's code.
        let partner = try Publisher(rws, network: net)
        let municipality = try #require(Documents.municipalityOf[vr09.rawValue])
        try partner.publishAll([
            Self.advice(incident, marker: "RWS-ADVIES-1", area: ["municipalities": [.string(municipality)]])
        ])
        #expect(partner.accepted.count == 1, "\(partner.rejected)")
        try partner.publishAll([
            Self.advice(incident, marker: "RWS-ADVIES-2", area: ["regions": ["VR09", "VR10"]]),
            [
                "type": "grip", "incident": .string(incident), "level": "3", "codeList": "grip-2013",
                "reason": "Overname", "decidedAt": "2026-11-30T10:05:00+01:00", "classification": "partners",
            ],
        ])
        #expect(
            Array(partner.rejected.values) == [
                ErrorCode.notPermitted.rawValue, ErrorCode.notPermitted.rawValue,
            ])
        try net.waitConverged([vr09, vr10, rws])

        // org remove: the 28 refuse; RWS goes, and with it its key.
        let refused = try runKnooppunt(["org", "remove", "VR09", "--dir", net.root.path])
        #expect(refused.status != 0 && refused.err.contains("cannot be removed"), "\(refused.err)")
        let removed = try runKnooppunt(["org", "remove", "RWS", "--dir", net.root.path])
        #expect(removed.status == 0, "\(removed.out) \(removed.err)")
        try waitUntil("the node drops RWS", timeout: 30) {
            NodeStatus(json: try net.nodeStatus())?.party(rws) == nil
        }
        // Its running daemon's connection is answered E303; a new connection with its key gets nothing.
        try waitUntil("RWS's daemon is refused with E303", timeout: 30) {
            net.log(rws.rawValue).contains("error.code=303")
        }
        // Its handshake fails, so nothing may wait for a connection: the HELLO is offered without blocking.
        let stranger = try RawClient(
            endpoint: net.network.primary.endpoint, serverKey: net.network.nodeCurvePublicKey, keys: rwsKeys)
        _ = try? stranger.socket.sendPacked(
            MessageCodec.encode(ClientMessage.hello(applied: 0, epoch: 0, role: .region)), dontWait: true)
        let heard = try stranger.received(within: .seconds(5))
        #expect(heard.messages == 0, "a removed key received \(heard.messages) messages")
        try waitUntil("the node refuses the removed key's handshake", timeout: 30) {
            net.log("node").contains("key not on the allowlist")
        }
        net.stop(rws.rawValue)

        // The node keeps serving the others, and RWS's report stays in their pictures.
        try region.publishAll([Documents.sitrep(incident, 2)])
        #expect(region.accepted.count == 3)
        try net.waitConverged([vr09, vr10])
        let after = try Self.rawEverything(net, keys: vr10Keys, role: .region, upTo: 4)
        #expect(after.bytes.range(of: Data("RWS-ADVIES-1".utf8)) != nil, "RWS's report left the picture")
        let list = try runKnooppunt(["org", "list", "--dir", net.root.path])
        #expect(list.out.contains("removed (1)") && list.out.contains("RWS"), "\(list.out)")
        net.stopAll()

        let rows = try AuditReader(nodeStorePath: net.folder.store(of: .primary).path).records()
        let configs = rows.filter { $0.event.kind == .config }.map { $0.event.detail["organisations"] }
        #expect(configs.contains { $0?["added"]?.arrayValue?.first?["code"] == "RWS" })
        #expect(configs.contains { $0?["added"]?.arrayValue?.first?["kind"] == "infrastructure" })
        #expect(configs.contains { $0?["removed"]?.arrayValue?.first?["code"] == "RWS" })
        #expect(rows.contains { $0.event.kind == .accepted && $0.event.actor == "RWS" })
        let verify = try runKnooppunt(["audit", "verify", "--dir", net.root.path])
        #expect(verify.status == 0, "\(verify.out) \(verify.err)")
    }

    @Test(
        "need-to-know at the node as a partner: a raw client with RWS's key asks a snapshot and a full catch-up, as a region, the desk and the police, and receives no police-only or regional bytes"
    )
    func needToKnowRawClientAsPartner() throws {
        let net = try TestNetwork(name: "need-to-know-partner")
        defer { net.removeFolder() }
        try Self.addRijkswaterstaat(net)
        let rws = Self.rws
        let regions = [OrganisationCode("VR10")!, OrganisationCode("VR11")!]
        try net.startAll(regions + [rws, .police])
        var hidden: [String] = []
        var shown: [String] = []
        var publishers: [Publisher] = []
        for region in regions {
            let publisher = try Publisher(region, network: net)
            let incident = "\(region)-TEST-1"
            try publisher.publishAll([Documents.incident(region, incident)])
            for number in 0..<150 {
                let police = number % 10 == 0 ? "POLITIEMARKER-\(region)-\(number)" : nil
                if let police { hidden.append(police) }
                try publisher.publish(Documents.sitrep(incident, number, policeMarker: police))
                if number % 25 == 0 {
                    // A section for the regions only, and one naming RWS.
                    hidden.append("REGIO-\(region)-\(number)")
                    shown.append("PARTNER-\(region)-\(number)")
                    try publisher.publish(
                        Self.sitrep(
                            incident,
                            sections: [
                                ("GZ", regions, "REGIO-\(region)-\(number)"),
                                ("BRW", [region, rws], "PARTNER-\(region)-\(number)"),
                            ]))
                }
            }
            publishers.append(publisher)
        }
        try waitUntil("every answer", timeout: 120) {
            for publisher in publishers { try publisher.pump(timeout: .milliseconds(10)) }
            return publishers.allSatisfy { $0.queued.count == $0.sent && $0.unanswered == 0 }
        }
        let total = publishers.map(\.accepted.count).reduce(0, +)
        #expect(total == 2 * (1 + 150 + 6))
        try net.waitConverged(regions + [rws, .police])

        let keys = try OrganisationSecrets.load(from: net.folder.keyFile(rws)).curve
        for role in [DaemonRole.region, .desk, .police] {
            let got = try Self.rawEverything(net, keys: keys, role: role, upTo: UInt64(total))
            #expect(got.messages >= total, "RWS as \(role) received only \(got.messages) messages")
            let leaked = hidden.filter { got.bytes.range(of: Data($0.utf8)) != nil }
            #expect(
                leaked.isEmpty, "RWS as \(role) received \(leaked.count) hidden markers: \(leaked.prefix(3))")
            #expect(shown.allSatisfy { got.bytes.range(of: Data($0.utf8)) != nil })
        }
        // The police's key does receive its markers: the test can see a leak.
        let policeKeys = try OrganisationSecrets.load(from: net.folder.keyFile(.police)).curve
        let police = try Self.rawEverything(net, keys: policeKeys, role: .police, upTo: UInt64(total))
        #expect(
            hidden.filter { $0.hasPrefix("POLITIEMARKER") }.allSatisfy {
                police.bytes.range(of: Data($0.utf8)) != nil
            })
        net.stopAll()
    }

    @Test(
        "org add, list and remove on the command line: the 28's kinds and codes refused with a message, groups listed, the policy shows its group"
    )
    func partnerCommandLine() throws {
        let net = try TestNetwork(name: "org-commands")
        defer { net.removeFolder() }
        let dir = net.root.path
        try Self.addRijkswaterstaat(net)
        let claimed = try runKnooppunt([
            "org", "add", "X1", "--kind", "safetyRegion", "--name", "X", "--dir", dir,
        ])
        #expect(
            claimed.status != 0 && claimed.err.contains("for the 28 built-in organisations only"),
            "\(claimed.err)")
        let list = try runKnooppunt(["org", "list", "--dir", dir])
        #expect(
            list.out.contains("infrastructure (1)") && list.out.contains("vital-infrastructure: RWS"),
            "\(list.out)")
        let policy = try runKnooppunt(["policy", "show", "--dir", dir])
        #expect(policy.out.contains("group: vital-infrastructure"), "\(policy.out)")
        let national = try runKnooppunt(["daemon", "--org", "NATIONAL", "--dir", dir])
        #expect(national.status != 0 && national.err.contains("knooppunt node"), "\(national.err)")
        let police = try runKnooppunt(["org", "remove", "POLICE", "--dir", dir])
        #expect(police.status != 0 && police.err.contains("cannot be removed"), "\(police.err)")
        let removed = try runKnooppunt(["org", "remove", "RWS", "--dir", dir])
        #expect(
            removed.status == 0 && removed.out.contains("no longer admitted"), "\(removed.out) \(removed.err)"
        )
        let daemon = try runKnooppunt(["daemon", "--org", "RWS", "--dir", dir])
        #expect(daemon.status != 0 && daemon.err.contains("RWS is not in"), "\(daemon.err)")
        let after = try runKnooppunt(["org", "list", "--dir", dir])
        #expect(
            after.out.contains("removed (1)") && after.out.contains("28 organisations, 0 of them partners"))
    }
}
