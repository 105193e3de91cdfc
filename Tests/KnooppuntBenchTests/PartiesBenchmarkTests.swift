import Foundation
import StrictJSON
import Testing

@testable import KnooppuntBench

/// `bench parties` on a handful of parties: a real node, real party processes with their own
/// keys, real CURVE connections, through the delaying relay too. No timing is asserted: only
/// that every report reached every party, that only the group read its section, and that the
/// figures are there.
@Suite("Benchmark: many parties on one node", .serialized)
struct PartiesBenchmarkTests {
    /// `KNOOPPUNT_BIN`, or the binary built next to this test bundle.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["KNOOPPUNT_BIN"] {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("knooppunt")
    }

    /// Runs `knooppunt bench parties ARGUMENTS` and reads its JSON. A process of its own:
    /// the benchmark installs its network's organisations process-wide, which must not
    /// reach the other suites of this test process.
    static func run(_ arguments: [String], command: [String] = ["bench", "parties"]) throws -> JSONValue {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw BenchError(
                "no knooppunt binary at \(binary.path); build it (swift build) or set KNOOPPUNT_BIN")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("parties-\(UUID())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let output = root.appendingPathComponent("result.json")
        let log = root.appendingPathComponent("out.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments =
            command + arguments + [
                "--dir", root.appendingPathComponent("run").path, "--output", output.path,
            ]
        // Files, not pipes: a pipe read can end early when another test's child exits.
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: output.path)
        else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw BenchError("bench parties exited \(process.terminationStatus): \(text.suffix(2_000))")
        }
        return try JSONParser.parse([UInt8](data))
    }

    @Test("Eight parties in two processes each receive every report, and only the group reads its section")
    func everyPartyEveryReport() throws {
        let result = try Self.run(["--parties", "8", "--rate", "20", "--seconds", "2"])
        let deliveries = try #require(result["deliveries"])
        #expect(result["configuration"]?["processes"]?.integerValue == 2)
        #expect(deliveries["reports"]?.integerValue == 40)
        #expect(deliveries["expected"]?.integerValue == 320)
        #expect(deliveries["received"]?.integerValue == 320)
        #expect(deliveries["reportsNotAtEveryParty"]?.integerValue == 0)
        #expect(deliveries["partiesThatSawTheEnd"]?.integerValue == 8)
        // Parties 2 (INF-0001) is the group's only member among eight: 8 group reports, one reader each.
        #expect(result["configuration"]?["groupMembers"]?.integerValue == 1)
        #expect(deliveries["groupReports"]?.integerValue == 8)
        #expect(deliveries["groupSectionDeliveries"]?.integerValue == 8)
        #expect(result["publishToEveryParty"]?["count"]?.integerValue == 40)
        #expect(result["perDelivery"]?["count"]?.integerValue == 320)
        #expect((result["node"]?["cpuSeconds"]?.doubleValue ?? -1) >= 0)
        #expect(result["node"]?["stream"]?["subscribedMax"]?.integerValue ?? 0 >= 8)
    }

    @Test("Behind delaying links every party still receives every report, through its own relay route")
    func throughDelayingLinks() throws {
        let result = try Self.run(["--parties", "4", "--rate", "20", "--seconds", "1", "--delay-ms", "10-30"])
        let deliveries = try #require(result["deliveries"])
        #expect(deliveries["received"]?.integerValue == deliveries["expected"]?.integerValue)
        #expect(deliveries["reportsNotAtEveryParty"]?.integerValue == 0)
        #expect(deliveries["relayConnections"]?.integerValue ?? 0 >= 4)
        // Every delivery crossed a link of at least 10 ms round trip: at least 5 ms one way.
        #expect((result["perDelivery"]?["p50Ms"]?.doubleValue ?? 0) >= 5)
    }

    @Test("A party's round trip stays inside the range asked for and uses all of it")
    func roundTrips() {
        let trips = (0..<100).map { PartiesFollower.roundTrip(ofParty: $0, in: 10...30) }
        #expect(trips.allSatisfy { (10...30).contains($0) })
        #expect(Set(trips).count == 21)
    }

    @Test("The markers are found in a report's bytes, and the stamp is read whole")
    func markers() {
        let part = Array("{\"text\":\"bench-stamp=123456789; report 4; bench-for-group\"}".utf8)
        #expect(PartiesMarkers.stamp(in: [part][...]) == 123_456_789)
        #expect(PartiesMarkers.contains(PartiesMarkers.forGroup, in: [part][...]))
        #expect(!PartiesMarkers.contains(PartiesMarkers.end, in: [part][...]))
    }
}
