import KnooppuntDomain
import Testing

@Suite("Report ids")
struct ReportIDTests {
    /// A generator that repeats one byte: two ids from it differ only in what is not random.
    struct Constant: RandomNumberGenerator {
        let byte: UInt8
        mutating func next() -> UInt64 { UInt64(byte) * 0x0101_0101_0101_0101 }
    }

    @Test("a time-ordered id is a version 7 UUID: the milliseconds in its first 48 bits, the variant set")
    func timeOrderedLayout() throws {
        var random = Constant(byte: 0xFF)
        let id = ReportID.timeOrdered(at: 1_764_490_000_123, using: &random)
        // 1_764_490_000_123 ms is 0x019a_d3cc_b6fb.
        #expect(id.rawValue == "019ad3cc-b6fb-7fff-bfff-ffffffffffff")
        #expect(ReportID(id.rawValue) == id)
        var zeros = Constant(byte: 0)
        #expect(ReportID.timeOrdered(at: 0, using: &zeros).rawValue == "00000000-0000-7000-8000-000000000000")
    }

    @Test("time-ordered ids sort by the millisecond they were made in, whatever their random bits")
    func timeOrderedSorts() {
        var high = Constant(byte: 0xFF)
        var low = Constant(byte: 0x00)
        var system = SystemRandomNumberGenerator()
        let start: Int64 = 1_764_490_000_000
        var previous = ReportID.timeOrdered(at: start, using: &high)
        for step in 1...1_000 {
            let at = start + Int64(step)
            let next =
                step.isMultiple(of: 2)
                ? ReportID.timeOrdered(at: at, using: &low) : ReportID.timeOrdered(at: at, using: &system)
            #expect(previous < next, "\(previous) then \(next)")
            previous = ReportID.timeOrdered(at: start + Int64(step), using: &high)
        }
    }

    @Test("a random id stays a version 4 UUID with the variant set")
    func randomLayout() {
        var random = Constant(byte: 0xFF)
        #expect(ReportID.random(using: &random).rawValue == "ffffffff-ffff-4fff-bfff-ffffffffffff")
    }
}
