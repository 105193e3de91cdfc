import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import StrictJSON
import Testing

@Suite("Picture summary")
struct PictureSummaryTests {
    /// The picture a mirror of `view` holds after the node accepted everything `node` did.
    static func mirrorPicture(_ node: TestNode, view: View) -> Picture {
        var picture = Picture(views: [view])
        for (update, _) in node.accepted {
            var projected = update
            projected.report = update.report.projected(for: view)
            picture.apply(projected)
        }
        return picture
    }

    static func summary(_ node: TestNode, view: View, includeExercise: Bool = false) -> PictureSummary {
        PictureSummary(picture: mirrorPicture(node, view: view), view: view, includeExercise: includeExercise)
    }

    static func region(
        _ summary: PictureSummary, _ code: OrganisationCode
    ) throws -> PictureSummary.RegionState {
        try #require(summary.regions.first { $0.code == code })
    }

    @Test("a region's GRIP is the highest among its open incidents; closed incidents do not count")
    func regionGRIP() throws {
        let network = Network()
        var node = TestNode(network)
        let tram = Documents.tramAttack
        let station = IncidentID("VR09-20190318-02")!
        let closed = IncidentID("VR09-20190318-03")!
        try node.accept(network.seal(Documents.incident(tram), origin: Org.vr09, originSeq: 1))
        try node.accept(
            network.seal(
                Documents.incident(station, in: Documents.amersfoort), origin: Org.vr09, originSeq: 2))
        try node.accept(
            network.seal(Documents.incident(closed, status: .closed), origin: Org.vr09, originSeq: 3))
        try node.accept(network.seal(Documents.grip(.grip1, incident: tram), origin: Org.vr09, originSeq: 4))
        try node.accept(
            network.seal(Documents.grip(.grip3, incident: station), origin: Org.vr09, originSeq: 5))
        try node.accept(
            network.seal(Documents.grip(.grip4, incident: closed), origin: Org.vr09, originSeq: 6))

        let summary = Self.summary(node, view: .organisation(Org.vr10))
        let vr09 = try Self.region(summary, Org.vr09)
        #expect(vr09.grip == .grip3)
        #expect(vr09.openIncidents == 2)
        #expect(vr09.name == "Utrecht")
        #expect(try Self.region(summary, Org.vr10).grip == nil)
        #expect(summary.incidents.count == 3)
        #expect(summary.incidents.first { $0.id == closed.rawValue }?.grip == .grip4)
        #expect(summary.sequence == 6)
        #expect(summary.viewHash == node.picture.hash(for: .organisation(Org.vr10)).hex)
    }

    @Test(
        "a region's threat level is the highest of national, its province and its own; a lowered level does not count"
    )
    func threatLevels() throws {
        let network = Network()
        var node = TestNode(network)
        let threats: [ReportDocument] = [
            Documents.threat(.national, level: 3),
            Documents.threat(.province(ProvinceCode("PV27")), level: 4),
            Documents.threat(.region(Org.vr13), level: 5, step: .lowered),
            Documents.threat(.region(Org.vr12), level: 5, step: .declared),
            Documents.threat(.region(OrganisationCode("VR01")!), level: 5, exercise: true),
        ]
        for (index, document) in threats.enumerated() {
            try node.accept(network.seal(document, origin: Org.nctv, originSeq: UInt64(index + 1)))
        }

        let summary = Self.summary(node, view: .publicView)
        #expect(try Self.region(summary, Org.vr09).threatLevel == 3)
        #expect(try Self.region(summary, Org.vr10).threatLevel == 4)
        #expect(try Self.region(summary, Org.vr12).threatLevel == 5)
        #expect(try Self.region(summary, Org.vr13).threatLevel == 4)
        #expect(try Self.region(summary, OrganisationCode("VR01")!).threatLevel == 3)
        #expect(summary.threats.map(\.area) == ["PV27", "VR12", "VR13", "national"])
        #expect(summary.threats.map(\.level) == [4, 5, 5, 3])
    }

    @Test("no threat level in force leaves a region's level empty")
    func noThreat() throws {
        let summary = PictureSummary(picture: Picture(views: [.publicView]), view: .publicView)
        #expect(summary.regions.count == 25)
        #expect(
            summary.regions.allSatisfy { $0.threatLevel == nil && $0.grip == nil && $0.openIncidents == 0 })
    }

    @Test("sections withheld from a view show as nil, not as text")
    func withheldSections() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2))

        func beeld(_ view: View) throws -> [String: String?] {
            let incident = try #require(Self.summary(node, view: view).incidents.first)
            let sitrep = try #require(incident.sitreps.first)
            return Dictionary(uniqueKeysWithValues: sitrep.beeld.map { ($0.0, $0.1) })
        }
        let brw: String? = "Brandweer ter plaatse, geen brand"
        let pol: String? = "Dader voortvluchtig, zoekactie loopt"
        let multi: String? = "Dreiging onduidelijk, opschaling GRIP 3"
        #expect(try beeld(.organisation(Org.vr09)) == ["BRW": brw, "POL": nil, "MULTI": nil])
        #expect(try beeld(.organisation(Org.police)) == ["BRW": brw, "POL": pol, "MULTI": nil])
        #expect(try beeld(.organisation(Org.nctv)) == ["BRW": brw, "POL": nil, "MULTI": multi])
        #expect(try beeld(.publicView) == ["BRW": nil, "POL": nil, "MULTI": nil])

        // The JSON for screens says null where content is withheld.
        let json = Self.summary(node, view: .organisation(Org.vr09)).json
        let sitrep = json["incidents"]?.arrayValue?.first?["sitreps"]?.arrayValue?.first
        #expect(sitrep?["beeld"]?["POL"] == .null)
        #expect(sitrep?["beeld"]?["BRW"] == .string("Brandweer ter plaatse, geen brand"))
    }

    @Test("an incident withheld from a view has no title or region there, but its GRIP still shows")
    func withheldIncident() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(
            network.seal(
                Documents.incident(classification: .parties(OrganisationSet([Org.vr09, Org.police]))),
                origin: Org.vr09, originSeq: 1))
        try node.accept(network.seal(Documents.grip(.grip3), origin: Org.vr09, originSeq: 2))

        let own = try #require(Self.summary(node, view: .organisation(Org.vr09)).incidents.first)
        #expect(own.title == "Schietincident tram 24 Oktoberplein")
        #expect(own.region == Org.vr09)
        #expect(own.lead == "VR09 · Burgemeester")
        let other = try #require(Self.summary(node, view: .organisation(Org.vr10)).incidents.first)
        #expect(other.title == nil)
        #expect(other.region == nil)
        #expect(other.grip == .grip3)
    }

    @Test("an exercise incident with a real incident's id is listed apart from it, and only when asked")
    func exerciseIncident() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try node.accept(
            network.seal(
                Documents.incident(title: "Oefening tramaanslag", exercise: true), origin: Org.vr09,
                originSeq: 2))

        let real = Self.summary(node, view: .organisation(Org.vr09))
        #expect(real.incidents.map(\.title) == ["Schietincident tram 24 Oktoberplein"])

        let both = Self.summary(node, view: .organisation(Org.vr09), includeExercise: true)
        #expect(both.incidents.count == 2)
        let exercise = try #require(both.incidents.first { $0.exercise })
        #expect(exercise.title == "Oefening tramaanslag")
        let actual = try #require(both.incidents.first { !$0.exercise })
        #expect(actual.title == "Schietincident tram 24 Oktoberplein")
    }
}
