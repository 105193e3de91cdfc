import Foundation
import StrictJSON
import Testing

/// `knooppunt validate` as a user runs it: the built binary, its output and exit codes.
@Suite("knooppunt validate")
struct ValidateCommandTests {
    /// `KNOOPPUNT_BIN`, or the binary built next to this test bundle.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["KNOOPPUNT_BIN"] {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(
                "knooppunt")
    }

    struct Outcome {
        let status: Int32
        let output: String
        let errors: String
    }

    static func validate(_ arguments: [String], input: String? = nil) throws -> Outcome {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestSetupFailure(
                "no knooppunt binary at \(binary.path); build it (swift build) or set KNOOPPUNT_BIN")
        }
        // Files, not pipes: a pipe read can end early when a signal (another test's child
        // exiting) interrupts it.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-validate-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = ["in", "out", "err"].map { folder.appendingPathComponent($0) }
        try Data((input ?? "").utf8).write(to: files[0])
        for file in files.dropFirst() { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["validate"] + arguments
        process.standardInput = try FileHandle(forReadingFrom: files[0])
        process.standardOutput = try FileHandle(forWritingTo: files[1])
        process.standardError = try FileHandle(forWritingTo: files[2])
        try process.run()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, output: try String(contentsOf: files[1], encoding: .utf8),
            errors: try String(contentsOf: files[2], encoding: .utf8))
    }

    struct TestSetupFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test("every example is valid: exit 0 and one line starting with valid:")
    func examples() throws {
        for (name, _) in try Fixtures.exampleFiles() {
            let outcome = try Self.validate([Fixtures.examples.appendingPathComponent(name).path])
            #expect(outcome.status == 0, "\(name): \(outcome.output)")
            #expect(outcome.output.hasPrefix("valid: "), "\(name): \(outcome.output)")
            #expect(outcome.output.split(separator: "\n").count == 1)
        }
    }

    @Test("an invalid document prints every problem as E<code> <name> at <field>: <message> and exits 1")
    func invalid() throws {
        let outcome = try Self.validate(
            ["-"], input: #"{"type":"sitrep","incident":"x","beeld":{},"confidence":"maybe","extra":1}"#)
        #expect(outcome.status == 1)
        let lines = outcome.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(lines)")
        for line in lines {
            #expect(line.wholeMatch(of: /E\d{3} [a-zA-Z]+ at \S+: .+/) != nil, "\(line)")
        }
        #expect(lines.contains(#"E204 unknownField at extra: unknown field "extra""#))
    }

    @Test("--json prints one object with valid and the problems")
    func json() throws {
        let outcome = try Self.validate(["--json", "-"], input: "type: ack\nby: Wachtcommandant\n")
        #expect(outcome.status == 1)
        let result = try JSONParser.parse(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(result["valid"] == false)
        let problems = try #require(result["problems"]?.arrayValue)
        #expect(
            problems.contains {
                $0["code"] == 203 && $0["name"] == "missingField" && $0["field"] == "subject"
            })
        for problem in problems {
            #expect(problem.objectValue?.keys.sorted() == ["code", "field", "message", "name"])
        }
        let valid = try Self.validate(["--json", Fixtures.examples.appendingPathComponent("grip.json").path])
        #expect(valid.status == 0)
        #expect(
            try JSONParser.parse(valid.output.trimmingCharacters(in: .whitespacesAndNewlines)) == [
                "valid": true, "problems": [],
            ])
    }

    @Test("a file that cannot be read exits 2 with a clear message")
    func unreadable() throws {
        let missing = try Self.validate(["/nonexistent/report.json"])
        #expect(missing.status == 2)
        #expect(missing.errors.contains("cannot read /nonexistent/report.json: no such file"))
        let folder = try Self.validate([Fixtures.examples.path])
        #expect(folder.status == 2)
        #expect(folder.errors.contains("it is a folder, not a file"))
    }
}
