import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

extension SystemTests {
    @Test(
        "exercise signal on real processes: DJI's signal lands at the municipality and the police, the municipality records the MAR, DJI sees both states; a missing party stops it with exit 1"
    )
    func signalExerciseReplaysTheLetter() throws {
        let net = try TestNetwork(name: "signal-exercise")
        defer { net.removeFolder() }
        let dir = net.root.path
        func knooppunt(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try runKnooppunt(arguments + ["--dir", dir], timeout: 240)
        }
        for (code, kind, name) in [
            ("DJI", "justice", "DJI Meldpunt Radicalisering"),
            ("GEM-UTRECHT", "municipality", "Gemeente Utrecht"),
        ] {
            let added = try knooppunt(["org", "add", code, "--kind", kind, "--name", name])
            #expect(added.status == 0, "\(added.err)")
        }
        let dji = OrganisationCode("DJI")!
        let gemeente = OrganisationCode("GEM-UTRECHT")!
        let vr09 = OrganisationCode("VR09")!
        let everyone = [dji, gemeente, .police, vr09]
        try net.startAll(everyone)

        // A municipality that is not in the network stops the run before anything is sent.
        let missing = try knooppunt(["exercise", "signal", "--municipality", "GEM-NERGENS"])
        #expect(missing.status == 1, "\(missing.out) \(missing.err)")
        #expect(missing.err.contains("GEM-NERGENS staat niet in network.json"), "\(missing.err)")

        let run = try knooppunt(["exercise", "signal", "--wait", "90"])
        #expect(run.status == 0, "\(run.out)\n\(run.err)")
        let lines = run.out.split(separator: "\n").map(String.init)
        for step in 1...7 {
            #expect(lines.contains { $0.hasPrefix("[\(step)/7]") }, "step \(step) missing in:\n\(run.out)")
        }
        #expect(run.out.contains("Oefening geslaagd"), "\(run.out)")
        print("exercise signal:\n\(run.out)")

        // Independently of the exercise's own check: the municipality's daemon holds the
        // content and its MAR; the police acknowledged; VR09 holds nothing of it.
        try net.waitConverged(everyone)
        func signals(_ code: String) throws -> [JSONValue] {
            let list = try knooppunt(["signal", "list", "--as", code, "--exercise", "--json"])
            #expect(list.status == 0, "\(list.err)")
            return try JSONParser.parse(Array(list.out.utf8))["signals"]?.arrayValue ?? []
        }
        let atMunicipality = try #require(try signals("GEM-UTRECHT").first)
        #expect(atMunicipality["exercise"] == true)
        // The list shows no content; a person of the municipality opens it (a logged read).
        let id = try #require(atMunicipality["id"]?.stringValue)
        let shown = try knooppunt([
            "signal", "show", id, "--as", "GEM-UTRECHT", "--json", "--token-file",
            try net.tokenFile(gemeente),
        ])
        #expect(shown.status == 0, "\(shown.err)")
        let opened = try JSONParser.parse(Array(shown.out.utf8))
        #expect(opened["content"]?["kind"] == "radicalisation")
        #expect(opened["content"]?["legalBasis"] == "WJSG-39F")
        #expect(opened["content"]?["person"]?.stringValue?.hasPrefix("OEF-DETENTIE-") == true)
        let states = Dictionary(
            uniqueKeysWithValues: (atMunicipality["recipients"]?.arrayValue ?? []).compactMap { recipient in
                recipient["party"]?.stringValue.map { ($0, recipient) }
            })
        #expect(states["GEM-UTRECHT"]?["state"] == "followedUp")
        #expect(states["GEM-UTRECHT"]?["outcome"] == "caseMeeting")
        #expect(states["POLICE"]?["state"] == "acknowledged")
        let atRegion = try knooppunt(["signal", "list", "--as", "VR09", "--exercise", "--json"])
        #expect(!atRegion.out.contains("OEF-DETENTIE-"), "\(atRegion.out)")
        net.stopAll()
    }
}
