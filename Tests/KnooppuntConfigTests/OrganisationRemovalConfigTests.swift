import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import Testing

@Suite("network.json: a partner removed, and added again")
struct OrganisationRemovalConfigTests {
    static let rws = OrganisationCode("RWS")!
    static let rijkswaterstaat = Organisation(
        code: rws, name: "Rijkswaterstaat", kind: .infrastructure, groups: ["vital-infrastructure"])

    @Test("org remove: the key and secret go, the description and every signing key stay; the 28 refuse")
    func removal() throws {
        let folder = try NetworkOrganisationsTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder.root.path) }
        try folder.addOrganisation(Self.rijkswaterstaat)
        let added = try NetworkConfig.load(from: folder.networkFile)
        let keys = try #require(added.organisations[Self.rws])

        let removal = try folder.removeOrganisation(Self.rws)
        #expect(removal.curvePublicKey == keys.curvePublicKey && removal.secretDeleted)
        #expect(!FileManager.default.fileExists(atPath: folder.keyFile(Self.rws).path))
        let network = try NetworkConfig.load(from: folder.networkFile)
        #expect(network.organisations[Self.rws] == nil && network.descriptions[Self.rws] == nil)
        #expect(network.registry.former == [Self.rijkswaterstaat])
        #expect(!network.registry.contains(Self.rws) && network.registry.knows(Self.rws))
        #expect(!Picture.views(of: network.registry).contains(.organisation(Self.rws)))
        // Its reports keep verifying: the signing key it held is still listed.
        #expect(network.signingKeySets[Self.rws]?.current == keys.signingPublicKey)
        #expect(network.daemons.allSatisfy { $0 != Self.rws })
        // Written back as read; keys init again keeps the removal.
        _ = try folder.prepareLocalNetwork(basePort: 7400, chp: false)
        let again = try NetworkConfig.load(from: folder.networkFile)
        #expect(again.registry == network.registry && again.organisations[Self.rws] == nil)
        #expect(!FileManager.default.fileExists(atPath: folder.keyFile(Self.rws).path))

        #expect { try folder.removeOrganisation(Self.rws) } throws: {
            "\($0)".contains("RWS is not an organisation of this network")
        }
        for code in [OrganisationCode.national, .nctv, .police, OrganisationCode("VR09")!] {
            #expect { try folder.removeOrganisation(code) } throws: {
                "\($0)".contains("one of the 28 organisations") && "\($0)".contains("cannot be removed")
            }
        }
        #expect(try NetworkConfig.load(from: folder.networkFile).organisations.count == 28)
    }

    @Test("added again after removal: new keys, the old signing key retired so old reports verify")
    func addedAgain() throws {
        let folder = try NetworkOrganisationsTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder.root.path) }
        try folder.addOrganisation(Self.rijkswaterstaat)
        let old = try #require(try NetworkConfig.load(from: folder.networkFile).organisations[Self.rws])
        try folder.removeOrganisation(Self.rws)
        try folder.addOrganisation(Self.rijkswaterstaat)
        let network = try NetworkConfig.load(from: folder.networkFile)
        let keys = try #require(network.organisations[Self.rws])
        #expect(keys.curvePublicKey != old.curvePublicKey && keys.signingPublicKey != old.signingPublicKey)
        #expect(keys.retiredSigningPublicKeys == [old.signingPublicKey])
        #expect(network.removed.isEmpty && network.registry.contains(Self.rws))
    }

    @Test("a partner cannot claim a kind of the 28")
    func referenceKinds() throws {
        let folder = try NetworkOrganisationsTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder.root.path) }
        let keys = try OrganisationSecrets.generate().publicKeys
        for kind in ["safetyRegion", "national", "police", "nctv"] {
            try NetworkOrganisationsTests.rewrite(folder) { organisations in
                organisations["FAKE"] = [
                    "curvePublicKey": .string(keys.curvePublicKey),
                    "signingPublicKey": organisations["VR01"]!["signingPublicKey"]!,
                    "name": "Nep", "kind": .string(kind),
                ]
            }
            #expect { try NetworkConfig.load(from: folder.networkFile) } throws: {
                "\($0)".contains("for the 28 built-in organisations only")
            }
        }
    }
}
