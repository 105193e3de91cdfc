import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import Testing

/// The node's side of audiences: a report naming a kind or group the network does not know is
/// refused with E221, and the picture's view hashes follow the organisations of the moment.
/// Each test hands its registry in; none installs one.
@Suite("Audiences at the node: E221 and the views of organisations added later")
struct AudienceCoordinatorTests {
    static let rws = OrganisationCode("RWS")!
    static let wsrl = OrganisationCode("WSRL")!
    static let wshd = OrganisationCode("WSHD")!
    static let ggd = OrganisationCode("GGD-UTRECHT")!
    static let registry = OrganisationRegistry([
        Organisation(
            code: rws, name: "Rijkswaterstaat", kind: .infrastructure, groups: ["vital-infrastructure"]),
        Organisation(code: wsrl, name: "Waterschap Rivierenland", kind: .waterBoard),
        Organisation(code: ggd, name: "GGD regio Utrecht", kind: .health),
    ])

    static func sitrep(_ audience: Audience) -> ReportDocument {
        var document = Documents.sitrep(full: false)
        guard case .sitrep(var sitrep) = document.body else { preconditionFailure("a sitrep") }
        sitrep.beeld[.brw] = DisciplinePicture(text: "Dijkbewaking Lek", classification: .audience(audience))
        document.body = .sitrep(sitrep)
        return document
    }

    /// A node whose policy checks against ``registry``, with the tram attack opened by VR09.
    static func node(_ network: Network) throws -> TestNode {
        var node = TestNode(network)
        node.coordinator = Coordinator(
            epoch: 1, lastSequence: 0, lastOriginSeq: [:], incidents: [:],
            signingKeys: SigningKeySet.current(network.verifyingKeys),
            policy: WritePolicy.builtIn.using(registry), codec: network.codec)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        return node
    }

    @Test(
        "a kind this build names or the network has, and a group with members, are accepted; an unknown one is E221 at its field"
    )
    func unknownRefused() throws {
        let network = Network()
        var node = try Self.node(network)
        try node.accept(
            network.seal(Self.sitrep(Audience(kinds: [.waterBoard])!), origin: Org.vr09, originSeq: 2))
        try node.accept(
            network.seal(
                Self.sitrep(Audience(groups: ["vital-infrastructure"])!), origin: Org.vr09, originSeq: 3))
        let unknownKind = Audience(kinds: [.waterBoard, OrganisationKind(rawValue: "fooBar")!])!
        let refused = node.submit(network.seal(Self.sitrep(unknownKind), origin: Org.vr09, originSeq: 4))
        #expect(refused.consumed == .unknownAudience)
        #expect(node.rejected.last?.problem.field == "beeld.BRW.classification")
        #expect(node.rejected.last?.problem.message.contains("kind fooBar") == true)
        let unknownGroup = Audience(groups: ["drinking-water"])!
        #expect(
            node.submit(network.seal(Self.sitrep(unknownGroup), origin: Org.vr09, originSeq: 5)).consumed
                == .unknownAudience)
        #expect(
            ErrorCode.unknownAudience.rawValue == 221 && ErrorCode.unknownAudience.name == "unknownAudience")
    }

    @Test(
        "the picture resolves an audience per view; a water board added later gets the section in its view hash, a health partner does not"
    )
    func viewsOfTheMoment() throws {
        let network = Network()
        var node = try Self.node(network)
        let update = try node.accept(
            network.seal(Self.sitrep(Audience(kinds: [.waterBoard])!), origin: Org.vr09, originSeq: 2))
        let views = Picture.views(of: Self.registry)
        var picture = Picture(views: views, registry: Self.registry)
        for (accepted, _) in node.accepted { picture.apply(accepted) }
        let brw = try #require(update.report.envelope.sections.firstIndex { $0.name == "beeld.BRW" })
        #expect(update.report.visibility(for: .organisation(Self.wsrl), in: Self.registry)[brw])
        #expect(!update.report.visibility(for: .organisation(Self.ggd), in: Self.registry)[brw])
        #expect(!update.report.visibility(for: .organisation(Org.vr09), in: Self.registry)[brw])
        #expect(!update.report.visibility(for: .publicView, in: Self.registry)[brw])
        for view in views {
            #expect(
                picture.hash(for: view)
                    == Picture.hash(of: picture.entries.values, view: view, registry: Self.registry),
                "\(view)")
        }
        // A water board joins: its view sees the section; a view kept keeps its hash.
        let later = OrganisationRegistry(
            Self.registry.partners + [
                Organisation(code: Self.wshd, name: "Hollandse Delta", kind: .waterBoard)
            ])
        let before = picture.hash(for: .organisation(Self.ggd))
        picture.track(views: Picture.views(of: later), registry: later)
        let joined = View.organisation(Self.wshd)
        #expect(picture.hash(for: joined) == picture.hash(for: .organisation(Self.wsrl)))
        #expect(picture.hash(for: joined) != picture.hash(for: .organisation(Self.ggd)))
        #expect(picture.hash(for: .organisation(Self.ggd)) == before)
        // The health partner becomes a water board: its hash is computed again when named.
        let changed = OrganisationRegistry(
            later.partners.map {
                $0.code == Self.ggd
                    ? Organisation(code: Self.ggd, name: "GGD regio Utrecht", kind: .waterBoard) : $0
            })
        picture.track(views: Picture.views(of: changed), registry: changed)
        #expect(picture.hash(for: .organisation(Self.ggd)) == picture.hash(for: .organisation(Self.wsrl)))
        #expect(
            picture.hash(for: .organisation(Self.ggd))
                == Picture.hash(of: picture.entries.values, view: .organisation(Self.ggd), registry: changed))
    }
}
