import Foundation
import Testing

extension SystemTests {
    @Test(
        "--version names the release, a commit of this repository the binary was built from, its build date and the protocol"
    )
    func version() throws {
        let result = try runKnooppunt(["--version"])
        #expect(result.status == 0)
        let line = result.out.trimmingCharacters(in: .newlines)
        #expect(line.hasPrefix("knooppunt 0."))
        #expect(line.hasSuffix(", protocol KNP/1)"))
        let commit = try #require(
            line.firstMatch(of: /\(commit ([0-9a-f]{40}), built 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ,/)?.1,
            "\(line)")
        // A binary built from an earlier commit than HEAD is fine (a developer who committed
        // since); one whose commit this repository does not know is not.
        let kind = try shell("git", ["cat-file", "-t", String(commit)], in: Paths.repository)
        #expect(kind.trimmingCharacters(in: .whitespacesAndNewlines) == "commit", "\(line)")
    }
}
