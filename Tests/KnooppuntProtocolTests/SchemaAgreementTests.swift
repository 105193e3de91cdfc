import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// docs/schema/report.schema.json and `knooppunt validate` (DocumentCodec) must give the same
/// verdict. A standard validator (Python's jsonschema, draft 2020-12, through
/// scripts/validate-schema.sh) judges the same documents as the codec: the examples, the
/// malformed-document table, seeded random documents and seeded random edits of them.
@Suite("Schema agreement")
struct SchemaAgreementTests {
    static let schemaFile = Fixtures.repository.appendingPathComponent("docs/schema/report.schema.json")
    static let script = Fixtures.repository.appendingPathComponent("scripts/validate-schema.sh")

    /// One document for both judges: the data as our reader sees it (the schema judges data,
    /// the reader handles syntax), and the codec's problems (empty when valid).
    struct Case {
        let name: String
        let value: JSONValue
        let problems: [Problem]
        /// The codec refuses it for a reason JSON Schema cannot express.
        let schemaCannotTell: Bool
    }

    static func makeCase(_ name: String, _ value: JSONValue, codecOnly: Bool = false) -> Case {
        let problems: [Problem]
        do {
            _ = try Fixtures.codec.decode(value)
            problems = []
        } catch {
            problems = error.problems
        }
        let gaps = !problems.isEmpty && problems.allSatisfy { isKnownGap($0, in: value) }
        return Case(name: name, value: value, problems: problems, schemaCannotTell: codecOnly || gaps)
    }

    /// The checks listed in the schema's $comment: an incident merged into itself, and a
    /// threat level written with a fraction (JSON Schema's integer 3 equals 3.0).
    static func isKnownGap(_ problem: Problem, in value: JSONValue) -> Bool {
        if problem.code == .invalidCombination && problem.field == "mergedInto" { return true }
        if problem.code == .invalidCombination && problem.field == "recipients" { return true }
        if problem.code == .wrongType && problem.field == "level", value["type"] == "threat",
            case .number(let level)? = value["level"], level == level.rounded(), (1...5).contains(level)
        {
            return true
        }
        return false
    }

    static func cases() throws -> [Case] {
        var cases: [Case] = []
        for (name, bytes) in try Fixtures.exampleFiles() {
            cases.append(makeCase("example \(name)", try DocumentReader.read(bytes)))
        }
        for testCase in DocumentCases.all where testCase.level != .reader {
            cases.append(
                makeCase(
                    testCase.name, try DocumentReader.read(testCase.bytes),
                    codecOnly: testCase.level == .codecOnly))
        }
        var rng = SeededGenerator(seed: 501)
        let documents = (0..<80).map { _ in Fixtures.codec.encode(RandomDocuments.document(using: &rng)) }
        for (index, value) in documents.enumerated() {
            cases.append(makeCase("random document \(index)", value))
        }
        var mutator = Mutator(seed: 502)
        for index in 0..<400 {
            let value = mutator.json(documents[index % documents.count], donors: documents)
            // Only what our reader reads back (wrapping can nest deeper than 32 levels).
            guard (try? JSONParser.parse(JSONWriter.canonical(value))) != nil else { continue }
            cases.append(makeCase("edited document \(index)", value))
        }
        return cases
    }

    struct Verdict {
        let valid: Bool
        let errors: [String]
    }

    /// Runs scripts/validate-schema.sh over a folder; fails with its message when python3 or
    /// jsonschema is missing or cannot be installed.
    static func schemaVerdicts(_ folder: URL) throws -> [String: Verdict] {
        // Output goes to files, not pipes: a pipe read can end early when a signal (another
        // test's child exiting) interrupts it, and the verdicts would be cut off.
        let outputLog = folder.appendingPathComponent("stdout.txt")
        let errorLog = folder.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: outputLog.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", script.path, folder.path]
        process.standardOutput = try FileHandle(forWritingTo: outputLog)
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
        process.waitUntilExit()
        let data = try Data(contentsOf: outputLog)
        let stderr = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
        guard [0, 1].contains(process.terminationStatus) else {
            throw SchemaCheckFailure(
                "scripts/validate-schema.sh exited with \(process.terminationStatus) (3: no usable python3 or "
                    + "jsonschema; install python3 and run it once by hand):\n\(stderr)")
        }
        guard process.terminationStatus == 0 || !stderr.contains("Traceback") else {
            throw SchemaCheckFailure("the schema validator failed:\n\(stderr)")
        }
        var verdicts: [String: Verdict] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let result = try JSONParser.parse(String(line))
            guard let file = result["file"]?.stringValue, let valid = result["valid"]?.boolValue else {
                continue
            }
            let errors = result["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
            verdicts[URL(fileURLWithPath: file).lastPathComponent] = Verdict(valid: valid, errors: errors)
        }
        return verdicts
    }

    struct SchemaCheckFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test("the schema and the codec give the same verdict on examples, malformed and random documents")
    func verdictsAgree() throws {
        let cases = try Self.cases()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-schema-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (index, testCase) in cases.enumerated() {
            let bytes = Data(JSONWriter.pretty(testCase.value).utf8)
            try bytes.write(to: folder.appendingPathComponent(String(format: "case-%04d.json", index)))
        }
        let verdicts = try Self.schemaVerdicts(folder)
        var disagreements: [String] = []
        var counts = (valid: 0, invalid: 0, schemaCannotTell: 0)
        for (index, testCase) in cases.enumerated() {
            guard let verdict = verdicts[String(format: "case-%04d.json", index)] else {
                disagreements.append("\(testCase.name): no verdict from the schema validator")
                continue
            }
            let codecValid = testCase.problems.isEmpty
            let expected = codecValid || testCase.schemaCannotTell
            if codecValid {
                counts.valid += 1
            } else if testCase.schemaCannotTell {
                counts.schemaCannotTell += 1
            } else {
                counts.invalid += 1
            }
            if verdict.valid != expected {
                disagreements.append(
                    "\(testCase.name) (case-\(index)): codec says "
                        + (codecValid
                            ? "valid" : testCase.problems.map(\.description).joined(separator: "; "))
                        + "; schema says "
                        + (verdict.valid ? "valid" : verdict.errors.joined(separator: "; ")))
            }
        }
        print(
            "schema agreement: \(cases.count) documents, \(counts.valid) valid, \(counts.invalid) invalid for both, "
                + "\(counts.schemaCannotTell) refused only by the codec (listed in the schema's $comment)")
        #expect(
            disagreements.isEmpty,
            "\(disagreements.count) disagreements:\n\(disagreements.joined(separator: "\n"))")
        #expect(counts.valid >= 100 && counts.invalid >= 150)
    }

    @Test("the schema's enumerations are the Swift enums and the reference data")
    func enumerationsMatch() throws {
        let schema = try JSONParser.parse([UInt8](Data(contentsOf: Self.schemaFile)))
        let defs = try #require(schema["$defs"])
        func strings(_ name: String) -> [String] {
            defs[name]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        #expect(strings("reportType") == ReportType.allCases.map(\.rawValue))
        #expect(strings("incidentKind") == IncidentKind.allCases.map(\.rawValue))
        #expect(strings("incidentStatus") == IncidentStatus.allCases.map(\.rawValue))
        #expect(strings("gripLevel") == GRIPLevel.allCases.map(\.rawValue))
        #expect(strings("confidence") == Confidence.allCases.map(\.rawValue))
        #expect(strings("verification") == VerificationStatus.allCases.map(\.rawValue))
        #expect(strings("threatStep") == ThreatStep.allCases.map(\.rawValue))
        #expect(strings("measureKind") == MeasureKind.allCases.map(\.rawValue))
        #expect(strings("municipality") == Fixtures.reference.municipalities.keys.map(\.rawValue).sorted())
        let beeld = defs["sitrep"]?["properties"]?["beeld"]?["properties"]?.objectValue?.keys.sorted()
        #expect(beeld == Discipline.allCases.map(\.rawValue).sorted())
        #expect(defs["title"]?["maxLength"] == .integer(Int64(DocumentLimits.titleCharacters)))
        #expect(defs["text"]?["maxLength"] == .integer(Int64(DocumentLimits.textCharacters)))
        #expect(defs["name"]?["maxLength"] == .integer(Int64(DocumentLimits.nameCharacters)))
        #expect(defs["grip"]?["properties"]?["codeList"]?["const"] == .string(GRIPLevel.codeList))
    }
}
