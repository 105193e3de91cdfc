import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import StrictJSON
import Testing

@Suite("network.json: organisations beyond the 28")
struct NetworkOrganisationsTests {
    static let rws = OrganisationCode("RWS")!

    /// A fresh data folder with a local network of the 28 (real keys, real files).
    static func folder() throws -> DataFolder {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-orgs-\(UUID().uuidString)")
        let folder = DataFolder(root.path)
        _ = try folder.prepareLocalNetwork(basePort: 7400, chp: false)
        return folder
    }

    static func rewrite(_ folder: DataFolder, _ edit: (inout [String: JSONValue]) -> Void) throws {
        let data = try #require(FileManager.default.contents(atPath: folder.networkFile.path))
        var value = try #require(try JSONParser.parse([UInt8](data)).objectValue)
        var organisations = try #require(value["organisations"]?.objectValue)
        edit(&organisations)
        value["organisations"] = .object(organisations)
        try Data((JSONWriter.pretty(.object(value)) + "\n").utf8).write(to: folder.networkFile)
    }

    @Test("a network of the 28 writes no descriptions and has the 28 as its registry")
    func onlyTheReference() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder.root.path) }
        let network = try NetworkConfig.load(from: folder.networkFile)
        #expect(network.registry == .reference)
        #expect(network.descriptions.isEmpty)
        let text = try String(contentsOf: folder.networkFile, encoding: .utf8)
        #expect(!text.contains("\"kind\"") && !text.contains("\"groups\"") && !text.contains("\"name\""))
        #expect(Picture.views(of: network.registry) == Picture.allViews)
    }

    @Test("a partner added with its keys loads: its code, kind, area, groups and its own view")
    func partnerLoads() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder.root.path) }
        let rijkswaterstaat = Organisation(
            code: Self.rws, name: "Rijkswaterstaat", kind: .infrastructure,
            area: OrganisationArea(provinces: [ProvinceCode("PV26")], regions: [OrganisationCode("VR09")!]),
            groups: ["vital-infrastructure"])
        try folder.addOrganisation(rijkswaterstaat)
        #expect(FileManager.default.fileExists(atPath: folder.keyFile(Self.rws).path))
        _ = try OrganisationSecrets.load(from: folder.keyFile(Self.rws))

        let network = try NetworkConfig.load(from: folder.networkFile)
        let registry = network.registry
        #expect(registry.codes == OrganisationCode.reference + [Self.rws])
        #expect(registry.organisation(Self.rws) == rijkswaterstaat)
        #expect(registry.members(of: "vital-infrastructure") == OrganisationSet([Self.rws]))
        #expect(network.organisations[Self.rws] != nil && network.signingKeySets[Self.rws] != nil)
        #expect(network.daemons.last == Self.rws)

        let views = Picture.views(of: registry)
        #expect(views.contains(.organisation(Self.rws)) && views.count == 30)
        let named = Classification.parties(OrganisationSet([Self.rws, .national]))
        let readers = views.filter { $0.allows(named) }
        #expect(readers == [.organisation(.national), .organisation(Self.rws)])

        // Written back as read: keys init again keeps the partner, its keys and description.
        let before = try NetworkConfig.load(from: folder.networkFile)
        _ = try folder.prepareLocalNetwork(basePort: 7400, chp: false)
        let after = try NetworkConfig.load(from: folder.networkFile)
        #expect(after.registry == before.registry)
        #expect(after.organisations[Self.rws] == before.organisations[Self.rws])

        #expect {
            try folder.addOrganisation(rijkswaterstaat)
        } throws: { "\($0)".contains("RWS is already an organisation") }
    }

    @Test("a hand-written partner entry loads; one of the 28 may be renamed and grouped but keeps its kind")
    func handWritten() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder.root.path) }
        let keys = try OrganisationSecrets.generate().publicKeys
        try Self.rewrite(folder) { organisations in
            var entry = organisations["VR09"]!.objectValue!
            entry["curvePublicKey"] = .string(keys.curvePublicKey)
            entry["name"] = "Waterschap Rivierenland"
            entry["kind"] = "waterBoard"
            entry["area"] = ["municipalities": ["GM0344"], "provinces": ["PV26", "PV25"]]
            entry["groups"] = ["water", "partners"]
            organisations["WSRL"] = .object(entry)
            var vr09 = organisations["VR09"]!.objectValue!
            vr09["groups"] = ["partners"]
            organisations["VR09"] = .object(vr09)
        }
        let network = try NetworkConfig.load(from: folder.networkFile)
        let wsrl = try #require(network.registry.organisation(OrganisationCode("WSRL")!))
        #expect(wsrl.kind == .waterBoard && wsrl.name == "Waterschap Rivierenland")
        #expect(wsrl.area.municipalities == [MunicipalityCode("GM0344")] && wsrl.area.provinces.count == 2)
        #expect(wsrl.groups == ["partners", "water"])
        let vr09 = try #require(network.registry.organisation(OrganisationCode("VR09")!))
        #expect(vr09.kind == .safetyRegion && vr09.groups == ["partners"] && vr09.name == "Utrecht")
        #expect(network.registry.members(of: "partners").map(\.rawValue) == ["VR09", "WSRL"])

        // Round trip: what NetworkConfig writes reads back the same.
        try network.save(to: folder.networkFile)
        #expect(try NetworkConfig.load(from: folder.networkFile).registry == network.registry)
    }

    @Test("mistakes in an organisation's description name the file, the code and the field")
    func mistakes() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder.root.path) }
        let cases: [(String, JSONValue, String)] = [
            ("RWS", ["name": "Rijkswaterstaat"], "RWS needs a kind"),
            ("RWS", ["kind": "infrastructure"], "RWS needs a name"),
            ("RWS", ["kind": "Infra Structure", "name": "x"], "RWS.kind"),
            ("VR09", ["kind": "ministry"], "VR09 is of kind safetyRegion"),
            ("RWS", ["kind": "infrastructure", "name": "x", "groups": ["Vital"]], "RWS.groups"),
            (
                "RWS", ["kind": "infrastructure", "name": "x", "area": ["regions": ["VR26"]]],
                "not a safety region"
            ),
            (
                "RWS", ["kind": "infrastructure", "name": "x", "area": ["provinces": ["PV99"]]],
                "unknown province"
            ),
            (
                "RWS", ["kind": "infrastructure", "name": "x", "area": ["municipalities": ["GM9999"]]],
                "unknown municipality"
            ),
            ("rws", ["kind": "infrastructure", "name": "x"], "unknown organisation rws"),
        ]
        for (code, fields, message) in cases {
            try Self.rewrite(folder) { organisations in
                organisations = organisations.filter { OrganisationCode($0.key)?.isReference == true }
                // The keys of VR01 (whose entry no case changes) serve every case.
                var entry = organisations["VR01"]!.objectValue!
                entry = entry.filter { ["curvePublicKey", "signingPublicKey"].contains($0.key) }
                organisations["VR09"] = .object(entry)
                for (key, value) in fields.objectValue! { entry[key] = value }
                organisations[code] = .object(entry)
            }
            #expect {
                try NetworkConfig.load(from: folder.networkFile)
            } throws: { error in
                "\(error)".hasPrefix(folder.networkFile.path) && "\(error)".contains(message)
            }
        }
    }
}
