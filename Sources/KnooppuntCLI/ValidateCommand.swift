import ArgumentParser
import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a report document (JSON or YAML) without sending it.",
        discussion: """
            Reads the document and decodes it exactly as the daemons and the national node do. \
            Every problem is printed on its own line as `E<code> <name> at <field>: <message>`, \
            with the stable codes of docs/PROTOCOL.md §7; a valid document prints one line \
            starting with `valid:`. docs/schema/report.schema.json describes the same documents \
            for other tools.

            Exit codes: 0 valid; 1 invalid (every problem is printed); 2 the file cannot be read.

            Examples:
              knooppunt validate docs/examples/sitrep.json
              knooppunt validate --json docs/examples/measure.yaml
              cat report.yaml | knooppunt validate -
            """)

    @Argument(help: "The document (JSON or YAML), or - for standard input.")
    var file: String

    @Flag(
        help:
            #"Print the result as one JSON object: {"valid": …, "problems": [{"code", "name", "field", "message"}]}."#
    )
    var json = false

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = try Self.readInput(file)
        } catch {
            let reason = Self.unreadableReason(file, error)
            printError("cannot read \(file == "-" ? "standard input" : file): \(reason)")
            if json {
                let result: JSONValue = ["valid": false, "problems": [], "error": .string(reason)]
                print(String(decoding: JSONWriter.canonical(result), as: UTF8.self))
            }
            throw ExitCode(2)
        }
        let codec = DocumentCodec()
        let result: Result<ReportDocument, Problems> = Result { () throws(Problems) in
            try codec.decode(try DocumentReader.read(bytes))
        }
        switch result {
        case .success(let document):
            print(json ? Self.json(problems: []) : "valid: \(Self.summary(document, codec: codec))")
        case .failure(let problems):
            if json {
                print(Self.json(problems: problems.problems))
            } else {
                for problem in problems.problems { print(problem.description) }
            }
            throw ExitCode(1)
        }
    }

    /// The file's bytes, reading at most one byte more than a document may have: a larger
    /// input is then refused by the reader (E206) without loading all of it.
    static func readInput(_ file: String) throws -> [UInt8] {
        let handle =
            file == "-"
            ? FileHandle.standardInput : try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        defer { if file != "-" { try? handle.close() } }
        return [UInt8](try handle.read(upToCount: DocumentLimits.documentBytes + 1) ?? Data())
    }

    static func json(problems: [Problem]) -> String {
        let list: [JSONValue] = problems.map {
            [
                "code": .integer(Int64($0.code.rawValue)), "name": .string($0.code.name),
                "field": .string($0.field), "message": .string($0.message),
            ]
        }
        return String(
            decoding: JSONWriter.canonical(["valid": .bool(problems.isEmpty), "problems": .array(list)]),
            as: UTF8.self)
    }

    /// Why a file cannot be read, in words a person can act on.
    static func unreadableReason(_ file: String, _ error: any Error) -> String {
        var isFolder: ObjCBool = false
        if file != "-" {
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
                return "no such file"
            }
            if isFolder.boolValue { return "it is a folder, not a file" }
            if !FileManager.default.isReadableFile(atPath: file) { return "permission denied" }
        }
        return error.localizedDescription
    }

    /// "sitrep, incident VR09-20190318-01, 11 sections, exercise".
    static func summary(_ document: ReportDocument, codec: DocumentCodec) -> String {
        var parts = [document.body.type.rawValue]
        switch document.body {
        case .threat(let threat): parts.append("area \(threat.area.code), level \(threat.level)")
        case .measure(let measures):
            let name = codec.reference.municipalities[measures.municipality]?.name
            parts.append("municipality \(measures.municipality)" + (name.map { " (\($0))" } ?? ""))
        case .grip(let change): parts.append("incident \(change.incident), \(change.level.label)")
        default: break
        }
        if case .grip = document.body {
        } else if let incident = document.body.incident {
            parts.append("incident \(incident)")
        }
        if let subject = document.body.subject { parts.append("subject \(subject)") }
        let sections = SectionLayout.split(document, codec: codec).sections.count
        parts.append(sections == 1 ? "1 section" : "\(sections) sections")
        parts.append(document.id.map { "id \($0)" } ?? "no id (one is given when published)")
        if document.exercise { parts.append("exercise") }
        return parts.joined(separator: ", ")
    }
}
