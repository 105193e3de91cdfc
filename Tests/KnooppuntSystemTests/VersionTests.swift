import Foundation
import Testing

extension SystemTests {
    @Test(
        "--version names the release, the commit the binary was built from, its build date and the protocol")
    func version() throws {
        let result = try runKnooppunt(["--version"])
        #expect(result.status == 0)
        let head = try shell("git", ["rev-parse", "HEAD"], in: Paths.repository)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let line = result.out.trimmingCharacters(in: .newlines)
        #expect(line.hasPrefix("knooppunt 0."))
        #expect(line.contains("(commit \(head), built 20"), "\(line) against HEAD \(head)")
        #expect(line.hasSuffix(", protocol KNP/1)"))
    }
}
