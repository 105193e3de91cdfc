import KnooppuntDomain
import Testing

/// Classifications by kind and group: resolved against the organisations of the moment, never
/// against a list fixed when the report was written. Every registry here is handed in (`in:`):
/// no test installs one, so the suites may run in parallel.
@Suite("Audiences: classifications by kind and group")
struct AudienceTests {
    static let rws = OrganisationCode("RWS")!
    static let wsrl = OrganisationCode("WSRL")!
    static let wshd = OrganisationCode("WSHD")!
    static let ggd = OrganisationCode("GGD-UTRECHT")!
    static let network = OrganisationRegistry([
        Organisation(
            code: rws, name: "Rijkswaterstaat", kind: .infrastructure, groups: ["vital-infrastructure"]),
        Organisation(code: wsrl, name: "Waterschap Rivierenland", kind: .waterBoard),
        Organisation(code: ggd, name: "GGD regio Utrecht", kind: .health),
    ])
    static let waterBoards = Classification.audience(Audience(kinds: [.waterBoard])!)
    static let vital = Classification.audience(Audience(groups: ["vital-infrastructure"])!)

    @Test("a kind resolves to the organisations of that kind; a group to its members; the public never")
    func resolution() {
        #expect(Self.waterBoards.readers(in: Self.network) == OrganisationSet([Self.wsrl]))
        #expect(Self.waterBoards.allows(Self.wsrl, in: Self.network))
        #expect(!Self.waterBoards.allows(Self.ggd, in: Self.network))
        #expect(!Self.waterBoards.allows(Self.rws, in: Self.network))
        #expect(!Self.waterBoards.allows(.national, in: Self.network))
        #expect(!Self.waterBoards.allows(nil, in: Self.network))
        #expect(Self.vital.readers(in: Self.network) == OrganisationSet([Self.rws]))
        let both = Classification.audience(
            Audience(kinds: [.waterBoard, .national], groups: ["vital-infrastructure"])!)
        #expect(both.readers(in: Self.network) == OrganisationSet([.national, Self.rws, Self.wsrl]))
        // The 28 have their built-in kinds: every safety region, and the national desk alone.
        let regions = Classification.audience(Audience(kinds: [.safetyRegion])!)
        #expect(regions.readers(in: .reference) == OrganisationSet(OrganisationCode.safetyRegions))
        #expect(
            Classification.audience(Audience(kinds: [.national])!).readers(in: .reference)
                == OrganisationSet([.national]))
        // Resolved once for many views: the same answers as a list of parties.
        let resolved = Self.waterBoards.resolved(in: Self.network)
        #expect(resolved == .parties(OrganisationSet([Self.wsrl])))
        #expect(Classification.policeOnly.resolved(in: Self.network) == .policeOnly)
    }

    @Test(
        "an organisation added later of that kind reads what was written for the kind; a removed one does not"
    )
    func addedLater() {
        let later = OrganisationRegistry(
            Self.network.partners + [
                Organisation(code: Self.wshd, name: "Hollandse Delta", kind: .waterBoard)
            ])
        #expect(!Self.waterBoards.allows(Self.wshd, in: Self.network))
        #expect(Self.waterBoards.allows(Self.wshd, in: later))
        #expect(Self.waterBoards.readers(in: later) == OrganisationSet([Self.wsrl, Self.wshd]))
        let removed = OrganisationRegistry(
            later.partners.filter { $0.code != Self.wsrl },
            former: later.partners.filter { $0.code == Self.wsrl })
        #expect(Self.waterBoards.readers(in: removed) == OrganisationSet([Self.wshd]))
        // A partner that changes its groups reads by its groups of now.
        let regrouped = OrganisationRegistry([
            Organisation(
                code: Self.ggd, name: "GGD regio Utrecht", kind: .health, groups: ["vital-infrastructure"])
        ])
        #expect(Self.vital.allows(Self.ggd, in: regrouped) && !Self.vital.allows(Self.ggd, in: Self.network))
    }

    @Test("a kind is known when this build names it or the network has it; a group when it has a member")
    func knownNames() {
        #expect(Audience(kinds: [.waterBoard, .defence])!.unknownName(in: .reference) == nil)
        let custom = OrganisationKind(rawValue: "drinkingWater")!
        #expect(Audience(kinds: [custom])!.unknownName(in: Self.network) == "kind drinkingWater")
        let withCustom = OrganisationRegistry([Organisation(code: Self.wshd, name: "Vitens", kind: custom)])
        #expect(Audience(kinds: [custom])!.unknownName(in: withCustom) == nil)
        #expect(
            Audience(groups: ["vital-infrastructure"])!.unknownName(in: .reference)
                == "group vital-infrastructure")
        #expect(Audience(groups: ["vital-infrastructure"])!.unknownName(in: Self.network) == nil)
        // A removed partner's group stays known: reports written for it stay valid to name.
        let gone = OrganisationRegistry([], former: Self.network.partners)
        #expect(Audience(groups: ["vital-infrastructure"])!.unknownName(in: gone) == nil)
    }

    @Test("an audience names something, within its limits, and reads back from its command-line form")
    func shape() {
        #expect(Audience() == nil)
        #expect(Audience(groups: ["Vital"]) == nil)
        let many = (0...Audience.maximumNames).map { OrganisationKind(rawValue: "kind\($0)")! }
        #expect(Audience(kinds: many) == nil)
        #expect(Audience(kinds: Array(many.dropLast())) != nil)
        let audience = Audience(
            kinds: [.waterBoard, .national, .waterBoard], groups: ["vital-infrastructure"])!
        #expect(audience.kinds == [.national, .waterBoard])
        #expect(audience.description == "kind:national+kind:waterBoard+group:vital-infrastructure")
        #expect(Audience(parsing: audience.description) == audience)
        #expect(Audience(parsing: "kind:waterBoard") == Audience(kinds: [.waterBoard]))
        for text in ["partners", "kind:", "group:Vital", "kind:waterBoard+", "soort:waterBoard", ""] {
            #expect(Audience(parsing: text) == nil, "\(text)")
        }
        #expect(Classification.audience(audience).description == audience.description)
        #expect(Classification.audience(audience).name == "audience")
    }
}
