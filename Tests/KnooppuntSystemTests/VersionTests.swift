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

/// Expects each named process of `net` to run on jemalloc, as the knooppunt binary is linked
/// (Package.swift): the library is in its memory map, and so it serves its malloc.
func expectJemalloc(
    _ net: TestNetwork, _ names: [String], sourceLocation: SourceLocation = #_sourceLocation
)
    throws
{
    for name in names {
        let pid = try #require(net.processes[name]?.process?.processIdentifier, "\(name) runs")
        // Read to the end: a file of /proc says it is empty, and a read of its size stops short.
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/\(pid)/maps"), "\(name)'s memory map")
        defer { try? handle.close() }
        let maps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        #expect(maps.contains("/libjemalloc.so"), "\(name) maps jemalloc", sourceLocation: sourceLocation)
    }
}
