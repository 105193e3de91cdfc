import Foundation
import StrictJSON
import Testing

/// `knooppunt bench --parties N`, the form issue 17 names, beside `bench parties --parties N`.
extension PartiesBenchmarkTests {
    @Test("`bench --parties N` runs the parties benchmark: every report reaches each of the N parties")
    func issueForm() throws {
        let result = try Self.run(
            ["--parties", "3", "--rate", "10", "--steady-seconds", "1"], command: ["bench"])
        #expect(result["configuration"]?["parties"]?.integerValue == 3)
        let deliveries = try #require(result["deliveries"])
        #expect(deliveries["reports"]?.integerValue == 10)
        #expect(deliveries["expected"]?.integerValue == 30)
        #expect(deliveries["received"]?.integerValue == 30)
    }
}
