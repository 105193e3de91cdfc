import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import Testing

/// The write policy by kinds and groups, and the picture tracking the views of organisations
/// added and removed while the node runs. No test here installs a registry: each hands the
/// policy its own (`using`), as the node does on its loop.
@Suite("Partners: policy by kinds and groups, views added and removed")
struct PartnerPolicyTests {
    static let rws = OrganisationCode("RWS")!
    static let wsrl = OrganisationCode("WSRL")!
    static let registry = OrganisationRegistry([
        Organisation(
            code: rws, name: "Rijkswaterstaat", kind: .infrastructure, groups: ["vital-infrastructure"]),
        Organisation(code: wsrl, name: "Waterschap Rivierenland", kind: .waterBoard),
    ])
    static let incidents = [
        Documents.tramAttack.rawValue: IncidentRecord(opener: Org.vr09, lead: Org.vr09)
    ]

    @Test(
        "built-in policy: a vital-infrastructure partner advises one region, not beyond; a partner outside the group advises nowhere"
    )
    func regionalAdviceByGroup() throws {
        let policy = WritePolicy.builtIn.using(Self.registry)
        let oneRegion = PolicyRuleTests.advice(TargetArea(municipalities: [Documents.utrecht]))
        let twoRegions = PolicyRuleTests.advice(TargetArea(regions: [Org.vr09, Org.vr10]))
        #expect(policy.check(oneRegion, origin: Self.rws, incidents: Self.incidents) == nil)
        let national = try #require(policy.check(twoRegions, origin: Self.rws, incidents: Self.incidents))
        #expect(national.code == .notPermitted && national.message.contains("policy rule national-advice"))
        let water = try #require(policy.check(oneRegion, origin: Self.wsrl, incidents: Self.incidents))
        #expect(water.code == .notPermitted && water.message.contains("policy rule regional-advice"))
        // The same partner without the group in its network is refused: the group decides.
        let ungrouped = WritePolicy.builtIn.using(
            OrganisationRegistry([
                Organisation(code: Self.rws, name: "Rijkswaterstaat", kind: .infrastructure)
            ]))
        #expect(
            ungrouped.check(oneRegion, origin: Self.rws, incidents: Self.incidents)?.code == .notPermitted)
        // The 28 as before: VR10 may not advise Utrecht, VR09 may.
        #expect(policy.check(oneRegion, origin: Org.vr10, incidents: Self.incidents)?.code == .notPermitted)
        #expect(policy.check(oneRegion, origin: Org.vr09, incidents: Self.incidents) == nil)
    }

    @Test("a policy file may name kinds and groups; `safety regions` and `kind: safetyRegion` mean VR01…VR25")
    func kindsAndGroupsInAFile() throws {
        let yaml = """
            version: 1
            rules:
              - id: measures
                writes: measure
                allowed:
                  - municipality region
                  - kind: waterBoard
                  - group: vital-infrastructure
                says: measures come from the region, a water board or vital infrastructure
              - id: threat-levels
                writes: threat
                allowed: [NCTV, safety regions]
                says: threat levels
              - id: grip
                writes: grip
                allowed:
                  - kind: safetyRegion
                says: regions change GRIP
            """
        let policy = try WritePolicy(yaml: Array(yaml.utf8)).using(Self.registry)
        #expect(
            policy.rules[0].allowed == [
                .municipalityRegion, .kind(.waterBoard), .group("vital-infrastructure"),
            ])
        #expect(
            policy.rules[0].allowed.map(\.description) == [
                "municipality region", "kind: waterBoard", "group: vital-infrastructure",
            ])
        let measure = Documents.measure()
        for origin in [Org.vr09, Self.rws, Self.wsrl] {
            #expect(policy.check(measure, origin: origin, incidents: Self.incidents) == nil, "\(origin)")
        }
        #expect(policy.check(measure, origin: Org.vr10, incidents: Self.incidents)?.code == .notPermitted)
        #expect(policy.check(measure, origin: Org.police, incidents: Self.incidents)?.code == .notPermitted)
        let grip = Documents.grip(.grip3)
        #expect(policy.check(grip, origin: Org.vr10, incidents: Self.incidents) == nil)
        #expect(policy.check(grip, origin: Self.rws, incidents: Self.incidents)?.code == .notPermitted)
        let threat = Documents.threat(.national, level: 3)
        #expect(policy.check(threat, origin: Org.vr12, incidents: Self.incidents) == nil)
        #expect(policy.check(threat, origin: Self.rws, incidents: Self.incidents)?.code == .notPermitted)
    }

    @Test("a kind or group entry that is not one is refused, naming the rule")
    func mistakes() {
        for (entry, message) in [
            ("{kind: Infra Structure}", "kind: K"), ("{colour: red}", "kind: K"),
            ("{group: Vital}", "group: G"), ("{kind: infrastructure, group: water}", "kind: K"),
        ] {
            let yaml =
                "version: 1\nrules:\n  - id: r\n    writes: measure\n    allowed: [\(entry)]\n    says: s\n"
            #expect {
                try WritePolicy(yaml: Array(yaml.utf8))
            } throws: { "\($0)".contains("(r)") && "\($0)".contains(message) }
        }
    }

    @Test("the picture tracks views added and removed: a new view's hash is the hash of every entry in it")
    func trackViews() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2))
        let full = node.picture
        var picture = Picture(views: [.organisation(Org.vr09), .publicView])
        for entry in full.entries.values.sorted(by: { $0.sequence < $1.sequence }) {
            picture.apply(entry.update)
        }

        let partner = View.organisation(Self.rws)
        let views: [View] = [
            .organisation(Org.vr09), .organisation(Org.vr10), .organisation(Org.police), partner, .publicView,
        ]
        picture.track(views: views)
        #expect(picture.views == views)
        for view in views where view != partner {
            #expect(picture.hash(for: view) == full.hash(for: view), "\(view)")
        }
        #expect(picture.hash(for: partner) == Picture.hash(of: picture.entries.values, view: partner))
        // A partner reads what every partner reads, as VR10 (not the lead) does.
        #expect(picture.hash(for: partner) == full.hash(for: .organisation(Org.vr10)))
        #expect(picture.hash(for: partner) != full.hash(for: .organisation(Org.police)))

        picture.track(views: [.organisation(Org.vr09), .publicView])
        #expect(picture.hash(for: .organisation(Org.vr09)) == full.hash(for: .organisation(Org.vr09)))
        #expect(picture.hash(for: partner) == ViewHash())
        #expect(picture.views.count == 2)
    }
}
