import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

/// `status` and `watch` show partners by kind (issue 17): the 28 as before, then the partners
/// under their kind with their names; `watch --kind` keeps one kind's reports.
extension SystemTests {
    @Test(
        "status lists the 28 then the partners by kind with names (and kind and name in --json); watch names a partner's kind and --kind keeps only that kind's reports"
    )
    func statusAndWatchByKind() throws {
        let net = try TestNetwork(name: "bykind")
        defer { net.removeFolder() }
        let dir = net.root.path
        let vr09 = OrganisationCode("VR09")!
        let rws = Self.rws
        try Self.addRijkswaterstaat(net)
        try net.startAll([vr09, rws])
        let incident = "VR09-KIND-1"
        let region = try Publisher(vr09, network: net)
        try region.publishAll([Documents.incident(vr09, incident), Documents.sitrep(incident, 1)])
        let partner = try Publisher(rws, network: net)
        let municipality = try #require(Documents.municipalityOf[vr09.rawValue])
        try partner.publishAll([
            Self.advice(incident, marker: "RWS-KIND-1", area: ["municipalities": [.string(municipality)]])
        ])
        #expect(region.accepted.count == 2 && partner.accepted.count == 1, "\(partner.rejected)")
        try net.waitConverged([vr09, rws])

        let status = try runKnooppunt(["status", "--dir", dir])
        #expect(status.status == 0, "\(status.err)")
        let lines = status.out.split(separator: "\n").map(String.init)
        let heading = try #require(
            lines.firstIndex { $0.hasPrefix("PARTNERS infrastructure (1)") }, "\(status.out)")
        let regionRow = try #require(lines.firstIndex { $0.hasPrefix("VR09 ") }, "\(status.out)")
        #expect(regionRow < heading)
        #expect(lines.dropFirst(heading).contains { $0.hasPrefix("RWS ") && $0.hasSuffix("Rijkswaterstaat") })
        #expect(!lines[regionRow].contains("Rijkswaterstaat"))

        let json = try JSONParser.parse(
            [UInt8](try runKnooppunt(["status", "--dir", dir, "--json"]).out.utf8))
        let parties = try #require(json["parties"]?.arrayValue)
        #expect(parties.first?["code"] == "NCTV" && parties.count == 28)
        let entry = parties.first { $0["code"] == "RWS" }
        #expect(entry?["kind"] == "infrastructure" && entry?["name"] == "Rijkswaterstaat")
        #expect(entry?["partner"] == true)
        #expect(parties.first { $0["code"] == "VR09" }?["kind"] == "safetyRegion")
        #expect(json["daemons"]?["RWS"]?["kind"] == "infrastructure")
        #expect(json["daemons"]?["RWS"]?["name"] == "Rijkswaterstaat")

        let watch = try runKnooppunt(["watch", "--once", "--dir", dir])
        #expect(watch.status == 0, "\(watch.err)")
        #expect(watch.out.contains("latest sitrep RWS (infrastructure) seq"), "\(watch.out)")

        func sitrepOrigins(_ kinds: [String]) throws -> [String]? {
            let run = try runKnooppunt(
                ["watch", "--once", "--json", "--dir", dir] + kinds.flatMap { ["--kind", $0] })
            #expect(run.status == 0, "\(run.err)")
            let picture = try JSONParser.parse([UInt8](run.out.utf8))
            let found = picture["incidents"]?.arrayValue?.first { $0["id"]?.stringValue == incident }
            return found?["sitreps"]?.arrayValue?.compactMap { $0["origin"]?.stringValue }
        }
        #expect(try sitrepOrigins([]) == ["VR09", "RWS"])
        #expect(try sitrepOrigins(["infrastructure"]) == ["RWS"])
        #expect(try sitrepOrigins(["safetyRegion"]) == ["VR09"])
        #expect(try sitrepOrigins(["infrastructure", "safetyRegion"]) == ["VR09", "RWS"])
        #expect(try sitrepOrigins(["health"]) == nil)
        let wrong = try runKnooppunt(["watch", "--once", "--kind", "Not a kind", "--dir", dir])
        #expect(wrong.status != 0 && wrong.err.contains("is not a kind"), "\(wrong.err)")
        net.stopAll()
    }
}
