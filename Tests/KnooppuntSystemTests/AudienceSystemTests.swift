import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// Classifications by kind (issue 17): the node resolves a section's audience against the
/// organisations of the moment, and `watch` follows network.json while it runs.
extension SystemTests {
    /// `org add CODE --kind KIND --name NAME` in the network's folder.
    static func addPartner(_ net: TestNetwork, _ code: OrganisationCode, kind: String, name: String) throws {
        let added = try runKnooppunt([
            "org", "add", code.rawValue, "--kind", kind, "--name", name, "--dir", net.root.path,
        ])
        #expect(added.status == 0, "\(added.out) \(added.err)")
    }

    @Test(
        "a section published for kind waterBoard reaches a water board, also one added after it was written, and no byte of it reaches a health partner or a region (raw sockets); an unknown kind is refused with E221"
    )
    func sectionForAKind() throws {
        let net = try TestNetwork(name: "audience")
        defer { net.removeFolder() }
        let dir = net.root.path
        let vr09 = OrganisationCode("VR09")!
        let wsrl = OrganisationCode("WSRL")!
        let ggd = OrganisationCode("GGD-UTRECHT")!
        let wshd = OrganisationCode("WSHD")!
        try Self.addPartner(net, wsrl, kind: "waterBoard", name: "Waterschap Rivierenland")
        try Self.addPartner(net, ggd, kind: "health", name: "GGD regio Utrecht")
        try net.startAll([vr09])
        let incident = "VR09-AUDIENCE-1"
        let region = try Publisher(vr09, network: net)
        try region.publishAll([Documents.incident(vr09, incident)])
        #expect(region.accepted.count == 1, "\(region.rejected)")

        // Written with `publish --classification kind:waterBoard`, as an operator would.
        let secret = "Dijkbewaking Lek bij Vianen VOOR-WATERSCHAPPEN-1"
        func publish(
            _ classification: String, _ text: String
        ) throws -> (status: Int32, out: String, err: String) {
            try runKnooppunt([
                "publish", "--as", "VR09", "--token-file", try net.tokenFile(vr09), "--incident", incident,
                "--text", text, "--classification", classification, "--dir", dir,
            ])
        }
        let published = try publish("kind:waterBoard", secret)
        #expect(
            published.status == 0 && published.out.contains("accepted seq 2"),
            "\(published.out) \(published.err)")
        let unknown = try publish("kind:drinkingWater", "Leiding VOOR-NIEMAND-1")
        #expect(
            unknown.status == 4 && (unknown.out + unknown.err).contains("E221 unknownAudience"),
            "\(unknown.out) \(unknown.err)")
        try net.waitConverged([vr09])

        // A water board joins after the report was written.
        try Self.addPartner(net, wshd, kind: "waterBoard", name: "Waterschap Hollandse Delta")
        try waitUntil("the node admits WSHD", timeout: 30) {
            NodeStatus(json: try net.nodeStatus())?.party(wshd) != nil
        }
        let content = Array(JSONWriter.canonical(["text": .string(secret)]))
        for (code, sees) in [(wsrl, true), (wshd, true), (ggd, false), (vr09, false)] {
            let keys = try OrganisationSecrets.load(from: net.folder.keyFile(code)).curve
            let got = try Self.rawEverything(net, keys: keys, role: .region, upTo: 2)
            // The incident (partners) reaches everyone: the client did receive the stream.
            #expect(got.bytes.range(of: Data("Oefenincident \(incident)".utf8)) != nil, "\(code)")
            #expect((got.bytes.range(of: Data("VOOR-WATERSCHAPPEN-1".utf8)) != nil) == sees, "\(code)")
            #expect((got.bytes.range(of: Data(content)) != nil) == sees, "\(code)")
            #expect(got.bytes.range(of: Data("VOOR-NIEMAND-1".utf8)) == nil, "\(code)")
        }
        net.stopAll()
    }

    @Test(
        "a partner whose kind changes in network.json while its daemon runs: the daemon judges audiences by the new kind, so its view hash matches the node's again"
    )
    func partnerKindChangesWhileRunning() throws {
        let net = try TestNetwork(name: "kind-change")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        let ggd = OrganisationCode("GGD-UTRECHT")!
        try Self.addPartner(net, ggd, kind: "health", name: "GGD regio Utrecht")
        try net.startAll([vr09, ggd])
        let incident = "VR09-KIND-1"
        let region = try Publisher(vr09, network: net)
        try region.publishAll([Documents.incident(vr09, incident)])
        let published = try runKnooppunt([
            "publish", "--as", "VR09", "--token-file", try net.tokenFile(vr09), "--incident", incident,
            "--text", "Dijkbewaking Lek", "--classification", "kind:waterBoard", "--dir", net.root.path,
        ])
        #expect(published.status == 0, "\(published.out) \(published.err)")
        try net.waitConverged([vr09, ggd])

        // The partner becomes a water board: it may now read the section, and both the node
        // and its daemon must say so in the view hash.
        let file = net.folder.networkFile
        var root = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var organisations = try #require(root["organisations"] as? [String: Any])
        var entry = try #require(organisations[ggd.rawValue] as? [String: Any])
        entry["kind"] = "waterBoard"
        organisations[ggd.rawValue] = entry
        root["organisations"] = organisations
        try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys]).write(
            to: file)
        try waitUntil("the node and GGD-UTRECHT's daemon read network.json again", timeout: 30) {
            net.log("node").contains("configuration reloaded")
                && net.log(ggd.rawValue).contains("network.json reloaded")
        }
        try net.waitConverged([vr09, ggd], timeout: 30)
        net.stopAll()
    }

    @Test("watch reads network.json again while it runs: a partner added with org add appears under its kind")
    func watchReloadsOrganisations() throws {
        let net = try TestNetwork(name: "watch-reload")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        let wsrl = OrganisationCode("WSRL")!
        try net.startAll([vr09])
        try net.start("watch", ["watch"])
        try waitUntil("watch draws the picture with the node's board", timeout: 30) {
            net.log("watch").contains("ALIVE")
        }
        #expect(!net.log("watch").contains("WSRL"))
        try Self.addPartner(net, wsrl, kind: "waterBoard", name: "Waterschap Rivierenland")
        try waitUntil("watch shows WSRL under its kind", timeout: 30) {
            net.log("watch").contains("waterBoard: WSRL Waterschap Rivierenland")
        }
        // `watch` runs until interrupted; it keeps no state to close.
        net.kill9("watch")
        net.stopAll()
    }

    @Test(
        "the operator screen reads network.json again while it runs: a partner's kind and group added with org add are offered as classifications"
    )
    func screenReloadsOrganisations() throws {
        let net = try TestNetwork(name: "screen-reload")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        try net.startAll([vr09])
        let port = try TestNetwork.freeBasePort()
        try net.start("screen", ["screen", "--as", "VR09", "--port", String(port)])
        func audiences() throws -> (kinds: [String], groups: [String]) {
            let status = try JSONParser.parse([UInt8](try ScreenClient.get(port: port, "/api/v1/status")))
            return (
                status["audiences"]?["kinds"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                status["audiences"]?["groups"]?.arrayValue?.compactMap(\.stringValue) ?? []
            )
        }
        try waitUntil("the operator screen answers", timeout: 30) { (try? audiences()) != nil }
        #expect(try audiences().kinds == ["national", "nctv", "police", "safetyRegion"])
        let added = try runKnooppunt([
            "org", "add", "WSRL", "--kind", "waterBoard", "--name", "Waterschap Rivierenland", "--group",
            "flood-defence", "--dir", net.root.path,
        ])
        #expect(added.status == 0, "\(added.out) \(added.err)")
        try waitUntil("the screen offers kind waterBoard and group flood-defence", timeout: 30) {
            let offered = try audiences()
            return offered.kinds.contains("waterBoard") && offered.groups == ["flood-defence"]
        }
        #expect(net.log("screen").contains("network.json reloaded"))
        net.stopAll()
    }
}
