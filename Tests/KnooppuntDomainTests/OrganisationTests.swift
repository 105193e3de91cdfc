import KnooppuntDomain
import Testing

@Suite("Organisations from configuration")
struct OrganisationTests {
    static let rws = OrganisationCode("RWS")!
    static let vr09 = OrganisationCode("VR09")!
    static let rijkswaterstaat = Organisation(
        code: rws, name: "Rijkswaterstaat", kind: .infrastructure,
        area: OrganisationArea(provinces: [ProvinceCode("PV26")]),
        groups: ["vital-infrastructure", "partners"])

    @Test("any well-formed code parses; malformed text does not")
    func wellFormedCodes() {
        for text in ["RWS", "PRORAIL", "GGD-UTRECHT", "DCC-IENW", "WS01", "KMAR", "A1"] {
            #expect(OrganisationCode(text)?.rawValue == text, "\(text)")
        }
        let tooLong = String(repeating: "A", count: OrganisationCode.maximumLength + 1)
        for text in ["", "R", "rws", "1RWS", "-RWS", "RWS ", "RW S", "RWS_1", "ÄRWS", tooLong] {
            #expect(OrganisationCode(text) == nil, "\(text)")
        }
        #expect(OrganisationCode(String(repeating: "A", count: OrganisationCode.maximumLength)) != nil)
    }

    @Test("the 28 keep their constants, kinds and order; others sort after them by code")
    func referenceOrganisations() {
        #expect(
            OrganisationCode.reference.map(\.rawValue) == ["NATIONAL", "NCTV", "POLICE"]
                + (1...25).map {
                    $0 < 10 ? "VR0\($0)" : "VR\($0)"
                })
        #expect(
            OrganisationCode.reference.allSatisfy { OrganisationCode($0.rawValue) == $0 && $0.isReference })
        #expect(OrganisationCode.national.kind == .national && OrganisationCode.nctv.kind == .nctv)
        #expect(
            OrganisationCode.police.kind == .police && Self.vr09.kind == .safetyRegion
                && Self.vr09.isSafetyRegion)
        #expect(!Self.rws.isSafetyRegion && !Self.rws.isReference && Self.rws.builtInKind == nil)
        let mixed = ["ZZ", "VR25", "AA", "NATIONAL", "VR01", "RWS", "POLICE", "NCTV"].map {
            OrganisationCode($0)!
        }
        #expect(
            mixed.sorted().map(\.rawValue) == [
                "NATIONAL", "NCTV", "POLICE", "VR01", "VR25", "AA", "RWS", "ZZ",
            ])
        #expect(OrganisationCode.all == OrganisationCode.reference)
    }

    @Test("kinds are open: the named ones, and any word configuration names")
    func kinds() {
        #expect(OrganisationKind(rawValue: "waterBoard") == .waterBoard)
        #expect(OrganisationKind(rawValue: "nuclear-safety")?.rawValue == "nuclear-safety")
        for text in [
            "", "Ministry", "9lives", "a b",
            String(repeating: "k", count: OrganisationKind.maximumLength + 1),
        ] {
            #expect(OrganisationKind(rawValue: text) == nil, "\(text)")
        }
        let sorted = [
            OrganisationKind(rawValue: "zoo")!, .ministry, .national, OrganisationKind(rawValue: "abc")!,
        ]
        .sorted()
        #expect(sorted.map(\.rawValue) == ["national", "ministry", "abc", "zoo"])
    }

    @Test("a registry holds the 28 and its partners, by kind and group")
    func registry() {
        #expect(OrganisationRegistry.reference.codes == OrganisationCode.reference)
        #expect(OrganisationRegistry.reference.organisation(Self.vr09)?.kind == .safetyRegion)
        #expect(OrganisationRegistry.reference.organisation(.nctv)?.name.isEmpty == false)
        #expect(OrganisationRegistry.reference.organisation(Self.rws) == nil)

        let registry = OrganisationRegistry([Self.rijkswaterstaat])
        #expect(registry.codes == OrganisationCode.reference + [Self.rws])
        #expect(registry.contains(Self.rws) && registry.contains(.police))
        #expect(registry.organisation(Self.rws) == Self.rijkswaterstaat)
        #expect(registry.partners == [Self.rijkswaterstaat])
        #expect(registry.members(of: "vital-infrastructure") == OrganisationSet([Self.rws]))
        #expect(registry.members(of: "nobody").isEmpty)
        #expect(registry.byKind.map(\.kind) == [.national, .nctv, .police, .safetyRegion, .infrastructure])
        #expect(registry.byKind.first { $0.kind == .safetyRegion }?.organisations.count == 25)
        #expect(registry.everyone.count == 29 && registry.everyone.contains(Self.rws))
    }

    @Test("a classification naming a partner is readable by it and not by others")
    func partnerClassification() {
        let registry = OrganisationRegistry([Self.rijkswaterstaat])
        let named = Classification.parties(OrganisationSet([Self.rws, .national]))
        #expect(named.allows(Self.rws) && named.allows(.national))
        #expect(
            !named.allows(Self.vr09) && !named.allows(.nctv) && !named.allows(.police) && !named.allows(nil))
        #expect(View.organisation(Self.rws).allows(named) && !View.publicView.allows(named))
        #expect(named.description == "parties(NATIONAL,RWS)")
        #expect(Classification.partners.allows(Self.rws) && !Classification.partners.allows(nil))
        #expect(!Classification.national.allows(Self.rws) && !Classification.policeOnly.allows(Self.rws))
        #expect(Classification.partners.readers(in: registry).contains(Self.rws))
        #expect(!Classification.partners.readers(in: .reference).contains(Self.rws))
        #expect(
            Classification.partners.readers(in: .reference) == OrganisationSet(OrganisationCode.reference))
    }

    @Test("a set of the 28 iterates in their order, as the bit set did (the parties' wire form)")
    func referenceSetOrder() {
        let set = OrganisationSet([Self.vr09, .national, .police, OrganisationCode("VR01")!])
        #expect(set.map(\.rawValue) == ["NATIONAL", "POLICE", "VR01", "VR09"])
        #expect(
            OrganisationSet(OrganisationCode.reference.reversed()).map { $0 } == OrganisationCode.reference)
        #expect(OrganisationSet([.nctv, .national]) == OrganisationSet([.national, .nctv, .national]))
        var growing = OrganisationSet()
        growing.insert(.nctv)
        growing.insert(.nctv)
        #expect(growing.count == 1)
        growing.remove(.nctv)
        #expect(growing.isEmpty)
    }

    @Test("600 organisations in a set: contains is right for every member and every stranger")
    func sixHundred() {
        let members =
            (1...600).map { OrganisationCode("P\(String($0 + 10_000).dropFirst())")! }
            + OrganisationCode.reference
        let strangers =
            (601...1_200).map { OrganisationCode("P\(String($0 + 10_000).dropFirst())")! }
            + [OrganisationCode("Q0001")!, OrganisationCode("A0001")!]
        var random = SeededRandom(seed: 17)
        var built = OrganisationSet()
        for member in members.shuffled(using: &random) { built.insert(member) }
        let fromList = OrganisationSet(members.shuffled(using: &random))
        #expect(built == fromList && built.hashValue == fromList.hashValue)
        #expect(built.count == 628)
        #expect(members.allSatisfy(built.contains))
        #expect(!strangers.contains(where: built.contains))
        #expect(Array(built) == members.sorted() && Array(built.prefix(28)) == OrganisationCode.reference)
        #expect(built.isSuperset(of: OrganisationSet(OrganisationCode.reference)))
        #expect(!built.isSuperset(of: OrganisationSet(strangers.prefix(1))))
        let registry = OrganisationRegistry(
            members.map { Organisation(code: $0, name: $0.rawValue, kind: .municipality) })
        #expect(registry.codes.count == 628 && registry.everyone == built)
        #expect(registry.organisation(.national)?.kind == .national)
    }
}
