import Foundation
import KnooppuntConfig
import KnooppuntDomain
import StrictJSON
import Testing

@testable import KnooppuntWeb

/// Partners beyond the 28 on the desk (issue 17): the liveness board lists the 28 as before
/// and then every partner under its kind, with its name, from a real network.json.
@Suite("The desk shows partners by kind")
struct DeskPartnerTests {
    static let rws = OrganisationCode("RWS")!
    static let zvh = OrganisationCode("ZVH-UTRECHT")!
    /// A kind this build does not name: the desk shows it by its configured name.
    static let safetyHouse = OrganisationKind(rawValue: "safetyHouse")!

    /// The registry of a fresh local network (real keys, real files) with Rijkswaterstaat and a
    /// Zorg- en Veiligheidshuis added as `knooppunt org add` adds them.
    static func registry() throws -> OrganisationRegistry {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-desk-partners-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = DataFolder(root.path)
        _ = try folder.prepareLocalNetwork(basePort: 7400, chp: false)
        try folder.addOrganisation(
            Organisation(
                code: rws, name: "Rijkswaterstaat", kind: .infrastructure, groups: ["vital-infrastructure"]))
        try folder.addOrganisation(
            Organisation(code: zvh, name: "Zorg- en Veiligheidshuis Utrecht", kind: safetyHouse))
        return try NetworkConfig.load(from: folder.networkFile).registry
    }

    @Test("the liveness board lists the 28 unchanged, then each partner under its kind with its name")
    func livenessByKind() async throws {
        let registry = try Self.registry()
        let people = try TestPeople(.national)
        let desk = FakeDesk(sample: DeskAPITests.sample())
        let state = try #require(desk.feed.current)
        desk.feed.publish(
            DeskState(
                version: state.version + 1, digest: state.digest, link: state.link,
                liveness: Liveness.json(board: nil, link: state.link, now: 0, registry: registry),
                writesQueued: 0, ready: true))
        try await LocalServer.withDesk(
            backend: desk, gate: people.gate(), headers: people.bearer(.deskOfficer)
        ) { server in
            let liveness = try #require(try await server.get("/api/v1/liveness").json["liveness"])
            let parties = try #require(liveness["parties"]?.arrayValue)
            let before = try #require(state.liveness["parties"]?.arrayValue)
            // The 28 (without the node itself) first, exactly as a network without partners has them.
            #expect(Array(parties.prefix(before.count)) == before)
            #expect(parties.prefix(before.count).allSatisfy { $0["partner"] == nil })
            let rws = try #require(parties.first { $0["code"]?.stringValue == "RWS" })
            #expect(rws["kind"]?.stringValue == "infrastructure")
            #expect(rws["name"]?.stringValue == "Rijkswaterstaat")
            #expect(rws["partner"]?.boolValue == true && rws["state"]?.stringValue == "unknown")
            let zvh = try #require(parties.first { $0["code"]?.stringValue == "ZVH-UTRECHT" })
            #expect(zvh["kind"]?.stringValue == "safetyHouse")
            #expect(parties.count == before.count + 2)
            // The sections, in kind order: the named kinds first, then the configured ones.
            let kinds = try #require(liveness["partnerKinds"]?.arrayValue)
            #expect(kinds.map { $0["kind"]?.stringValue } == ["infrastructure", "safetyHouse"])
            #expect(kinds.first?["codes"] == ["RWS"])

            // The page carries the Dutch word for the kind and the place the sections go.
            let page = try await server.get("/")
            #expect(page.status == 200)
            #expect(page.text.contains("id=\"liveness-partners\""))
            #expect(page.text.contains("vitale infrastructuur"))
        }
    }

    @Test("every kind a partner can have in this build has a Dutch and an English word on the desk")
    func everyPartnerKindHasAWord() {
        for kind in OrganisationKind.named where !OrganisationKind.referenceOnly.contains(kind) {
            #expect(DeskWords.script.contains("orgKind.\(kind.rawValue)"), "orgKind.\(kind.rawValue)")
        }
        #expect(DeskWords.script.contains("partners.kind"))
    }

    @Test("a network of the 28 has no partner sections")
    func noPartners() {
        let json = Liveness.json(board: nil, link: LinkStatus(since: 0), now: 0, registry: .reference)
        #expect(json["partnerKinds"] == [])
        #expect(json["parties"]?.arrayValue?.count == 27)
    }
}
