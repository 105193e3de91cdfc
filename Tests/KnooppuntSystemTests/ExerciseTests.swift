import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

extension SystemTests {
    @Test(
        "exercise run --speed max: every step of the Utrecht scenario accepted, the real picture's hashes unchanged, the timeline in order"
    )
    func exerciseReplay() throws {
        let net = try TestNetwork(name: "exercise")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        let vr13 = OrganisationCode("VR13")!
        let vr14 = OrganisationCode("VR14")!
        let everyone = [vr09, vr13, vr14, .nctv, .police]
        try net.startAll(everyone)
        let dir = net.root.path
        let scenario = Paths.repository.appendingPathComponent("config/exercises/utrecht-tram.yaml").path

        // A real incident first, so the real picture the exercise must leave alone is not empty.
        let real = try Publisher(vr13, network: net)
        try real.publishAll([Documents.incident(vr13, "VR13-REAL-1"), Documents.sitrep("VR13-REAL-1", 1)])
        try net.waitConverged(everyone)
        let before = try realHashes(net, everyone)

        let started = ContinuousClock.now
        let run = try runKnooppunt(["exercise", "run", scenario, "--dir", dir, "--speed", "max", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let lines = try run.out.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
        let steps = lines.filter { $0["step"] != nil }
        #expect(steps.count == 40)
        #expect(steps.allSatisfy { $0["state"]?.stringValue == "accepted" }, "\(run.out)")
        let sequences = steps.compactMap { $0["sequence"]?.integerValue }
        #expect(sequences == sequences.sorted() && Set(sequences).count == 40, "one new sequence per step")
        #expect(lines.last?["done"] == .bool(true))
        print("exercise run: 40 steps in \(ContinuousClock.now - started)")

        // Every daemon applied the exercise, and the real picture is what it was, per view.
        try net.waitConverged(everyone)
        #expect(try realHashes(net, everyone) == before)

        // The workflows on the exercise day: both threat-level requests acknowledged by every
        // party (exercise requests raise no alarm), and GRIP 3 reached, with time-to-GRIP-3.
        let acks = try runKnooppunt(["ack", "list", "--dir", dir, "--exercise", "--json"])
        #expect(acks.status == 0, "\(acks.err)")
        let requests = try JSONParser.parse(Array(acks.out.utf8))["requests"]?.arrayValue ?? []
        #expect(requests.count == 2 && requests.allSatisfy { $0["exercise"] == true }, "\(acks.out)")
        for request in requests {
            let states = (request["parties"]?.arrayValue ?? []).compactMap { $0["state"]?.stringValue }
            #expect(states == ["acknowledged", "acknowledged", "acknowledged"], "\(request)")
            #expect(request["alarm"] == nil)
        }
        let grip = try runKnooppunt(["export", "grip", "--dir", dir, "--exercise", "--format", "json"])
        #expect(grip.status == 0, "\(grip.err)")
        let incident = try JSONParser.parse(Array(grip.out.utf8))["incidents"]?.arrayValue?.first {
            $0["incident"] == "VR09-20260316-01"
        }
        #expect(incident?["kind"] == "possibleTerroristAttack" && incident?["status"] == "closed")
        #expect(incident?["timeToGRIP3"]?["reached"] == true && incident?["timeToGRIP3"]?["level"] == "3")
        #expect(incident?["regions"]?.arrayValue?.contains("VR14") == true, "VR14's measures count")
        #expect(incident?["advice"] == nil, "closed: no advice")
        net.stopAll()

        // The reconstruction lists every report of the day in the order the run sent them; the
        // exercise stays out of the real picture's timeline.
        let output = net.root.appendingPathComponent("timeline.json").path
        let timeline = try runKnooppunt([
            "timeline", "--dir", dir, "--incident", "VR09-20260316-01", "--exercise", "--format", "json",
            "--output", output,
        ])
        #expect(timeline.status == 0, "\(timeline.err)")
        let json = try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
        let entries = json["entries"]?.arrayValue ?? []
        #expect(
            entries.compactMap { $0["report"]?.stringValue } == steps.compactMap { $0["report"]?.stringValue }
        )
        #expect(entries.compactMap { $0["sequence"]?.integerValue } == sequences)
        #expect(json["timeToGRIP3"]?["reached"] == true, "the reconstruction states time-to-GRIP-3")
        #expect(
            entries.allSatisfy { $0["notReached"] == .array([]) }, "every daemon holds every exercise report")
        // Every step names the role the script plays and the account that really sent it.
        let authors = entries.compactMap { $0["author"]?.stringValue }
        #expect(authors.count == entries.count, "every step has an author")
        #expect(authors.allSatisfy { $0.hasSuffix("Oefenscript (oefenscript)") }, "\(Set(authors))")
        #expect(authors.contains("Operationeel Leider VR09 · Oefenscript (oefenscript)"))
        let realTimeline = try runKnooppunt(["timeline", "--dir", dir, "--incident", "VR09-20260316-01"])
        #expect(realTimeline.status == 1 && realTimeline.err.contains("--exercise"))
    }

    /// The node's hash of the real picture for each organisation's view and the public view.
    private func realHashes(
        _ net: TestNetwork, _ organisations: [OrganisationCode]
    ) throws -> [String: String] {
        let status = try net.nodeStatus()
        var hashes: [String: String] = ["public": status["publicViewHash"]?.stringValue ?? "?"]
        for code in organisations {
            hashes[code.rawValue] = status["parties"]?[code.rawValue]?["nodeViewHash"]?.stringValue ?? "?"
        }
        return hashes
    }
}
