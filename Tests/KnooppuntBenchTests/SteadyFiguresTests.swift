import Foundation
import KnooppuntConfig
import KnooppuntDomain
import StrictJSON
import Testing

@testable import KnooppuntBench

/// What the benchmark prints about a steady phase's latencies, from its own records of when
/// each report was sent and when the subscriber received it.
@Suite("Benchmark: steady-phase latencies")
struct SteadyFiguresTests {
    @Test(
        "the slowest delivery of each second is found per second of sending, and unreceived reports do not count"
    )
    func slowestBySecond() throws {
        let bench = NodeBenchmark(
            configuration: BenchConfiguration(
                publishers: 1, window: 1, reports: 1, rate: 1, steadySeconds: 1, incidents: 1, reportBytes: 64
            ),
            folder: DataFolder(
                FileManager.default.temporaryDirectory.appendingPathComponent("steady-\(UUID())").path))
        let start: UInt64 = 5_000_000_000
        // (sent after start in ms, latency in ms or nil when never received)
        let reports: [(sent: UInt64, latency: UInt64?)] = [
            (100, 2), (900, 7), (1_200, 300), (1_300, nil), (2_999, 1), (3_500, 4),
        ]
        var ids: [ReportID] = []
        for (index, report) in reports.enumerated() {
            let id = ReportID.random()
            ids.append(id)
            bench.sentAt[id] = start + report.sent * 1_000_000
            bench.sequenceOf[id] = UInt64(index + 1)
            if let latency = report.latency {
                bench.deliveredAt[UInt64(index + 1)] = start + (report.sent + latency) * 1_000_000
            }
        }
        // A report sent before the phase began is not the phase's.
        let earlier = ReportID.random()
        bench.sentAt[earlier] = start - 1
        bench.sequenceOf[earlier] = 99
        bench.deliveredAt[99] = start + 900_000_000
        #expect(bench.slowestBySecond(ids + [earlier], from: start) == [7.0, 300.0, 1.0, 4.0])
        #expect(bench.deliveryLatency(ids).totalCount == 5)
    }
}
