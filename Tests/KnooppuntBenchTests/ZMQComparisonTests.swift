import KnooppuntBench
import StrictJSON
import Testing

/// The Swift ZeroMQ layer measured against libzmq's C API, on a tiny run: the report names
/// what was measured and every figure is a real measurement (positive), not a placeholder.
@Suite("Benchmark: ZeroMQ layer against C")
struct ZMQComparisonTests {
    @Test("a small comparison run measures round trips and throughput of both, over TCP loopback")
    func smallRun() throws {
        let report = try ZMQComparison.run(roundTrips: 200, messages: 2_000, size: 64, runs: 1)
        #expect(report["messageBytes"]?.integerValue == 64)
        #expect(report["transport"]?.stringValue == "tcp loopback")
        for side in ["cAPI", "swiftLayer"] {
            let rtt = report["roundTripMicroseconds"]?[side]?.doubleValue ?? 0
            let rate = report["throughputMessagesPerSecond"]?[side]?.integerValue ?? 0
            #expect(rtt > 0, "\(side) round trip")
            #expect(rate > 0, "\(side) throughput")
        }
    }
}
