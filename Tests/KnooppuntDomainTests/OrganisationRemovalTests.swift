import KnooppuntDomain
import Testing

@Suite("Organisations added and removed: the registry's former partners and its changes")
struct OrganisationRemovalTests {
    static let rws = OrganisationCode("RWS")!
    static let prorail = OrganisationCode("PRORAIL")!
    static let rijkswaterstaat = Organisation(
        code: rws, name: "Rijkswaterstaat", kind: .infrastructure, groups: ["vital-infrastructure"])
    static let railways = Organisation(code: prorail, name: "ProRail", kind: .infrastructure)

    @Test("a former partner is known (its reports still read) but is no member, view or reader")
    func formerPartners() {
        let registry = OrganisationRegistry([Self.railways], former: [Self.rijkswaterstaat])
        #expect(!registry.contains(Self.rws) && registry.knows(Self.rws))
        #expect(registry.contains(Self.prorail) && registry.knows(Self.prorail))
        #expect(!registry.knows(OrganisationCode("ZZ")!))
        #expect(registry.organisation(Self.rws) == Self.rijkswaterstaat)
        #expect(!registry.codes.contains(Self.rws) && !registry.everyone.contains(Self.rws))
        #expect(registry.members(of: "vital-infrastructure").isEmpty)
        #expect(registry.former == [Self.rijkswaterstaat])
        #expect(Classification.partners.readers(in: registry) == registry.everyone)
        // Added again: a member, no longer former.
        let again = OrganisationRegistry([Self.rijkswaterstaat], former: [Self.rijkswaterstaat])
        #expect(again.contains(Self.rws) && again.former.isEmpty)
        // One of the 28 is never former.
        let reference = OrganisationRegistry([], former: [Organisation.reference(.police)!])
        #expect(reference.former.isEmpty && reference.contains(.police))
    }

    @Test("changes name the codes added, removed and described differently, and nothing else")
    func changes() {
        let before = OrganisationRegistry([Self.railways])
        let after = OrganisationRegistry(
            [
                Organisation(code: Self.prorail, name: "ProRail", kind: .infrastructure, groups: ["rail"]),
                Self.rijkswaterstaat,
            ])
        let changes = after.changes(from: before)
        #expect(changes.added == [Self.rws] && changes.removed.isEmpty && changes.changed == [Self.prorail])
        let removal = OrganisationRegistry([], former: [Self.railways]).changes(from: before)
        #expect(removal.removed == [Self.prorail] && removal.added.isEmpty && removal.changed.isEmpty)
        #expect(before.changes(from: before).isEmpty)
        #expect(OrganisationRegistry.reference.changes(from: .reference).isEmpty)
    }

    @Test("kinds of the 28 are theirs alone; group names are lower-case words")
    func referenceKindsAndGroups() {
        #expect(OrganisationKind.referenceOnly == [.national, .nctv, .police, .safetyRegion])
        #expect(!OrganisationKind.referenceOnly.contains(.infrastructure))
        for good in ["vital-infrastructure", "water", "a1"] {
            #expect(Organisation.isGroupName(good), "\(good)")
        }
        for bad in [
            "", "Vital", "1water", "a b", String(repeating: "g", count: Organisation.maximumGroupLength + 1),
        ] {
            #expect(!Organisation.isGroupName(bad), "\(bad)")
        }
    }
}
