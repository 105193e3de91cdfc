import Foundation
import Testing

@testable import KnooppuntBench

/// The machine's limits that the benchmark prints next to the node's figures: measured on the
/// real disk and real CURVE sockets, on a tiny run.
@Suite("Benchmark: the machine's limits")
struct MachineLimitsTests {
    @Test("1 KB records with an fdatasync each, and in groups of 64: grouping writes more records per second")
    func disk() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let single = try MachineLimits.diskWrites(in: folder, perSync: 1, seconds: 0.2)
        let grouped = try MachineLimits.diskWrites(in: folder, perSync: 64, seconds: 0.2)
        #expect(single.recordsPerSecond > 0)
        #expect(single.microsecondsPerSync > 0)
        // One fdatasync per 64 records cannot write fewer records than one per record.
        #expect(grouped.recordsPerSecond > single.recordsPerSecond)
        // The scratch file is gone afterwards.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("CURVE DEALER to ROUTER over loopback: round trips at window 1 and messages at window 64")
    func curve() throws {
        let result = try MachineLimits.curveDealerRouter(roundTrips: 200, messages: 2_000)
        #expect(result.roundTripsPerSecond > 0)
        #expect(result.messagesPerSecond > 0)
    }
}
