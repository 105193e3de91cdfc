import Crypto
import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// docs/PROTOCOL.md is what outside clients are written from: its examples are read from the
/// document and checked against the codecs here, so they cannot drift from the node.
@Suite("PROTOCOL.md examples")
struct ProtocolDocumentTests {
    static let document = Fixtures.repository.appendingPathComponent("docs/PROTOCOL.md")

    /// The fenced block after each `<!-- check: NAME -->` marker, by name; and every fenced
    /// `json` block's first line number with its marker (nil when unmarked).
    static func examples() throws -> (checked: [String: String], jsonBlocks: [(line: Int, marker: String?)]) {
        let lines = try String(contentsOf: document, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false
        ).map(String.init)
        var checked: [String: String] = [:]
        var jsonBlocks: [(Int, String?)] = []
        var marker: String?
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("<!-- check: "), line.hasSuffix(" -->") {
                marker = String(line.dropFirst(12).dropLast(4))
            } else if line.hasPrefix("```") {
                let language = line.dropFirst(3)
                var body: [String] = []
                index += 1
                while index < lines.count, !lines[index].hasPrefix("```") {
                    body.append(lines[index])
                    index += 1
                }
                if language == "json" { jsonBlocks.append((index, marker)) }
                if let marker { checked[marker] = body.joined(separator: "\n") }
                marker = nil
            } else if !line.isEmpty {
                marker = nil
            }
            index += 1
        }
        return (checked, jsonBlocks)
    }

    /// `name  value` lines of the digest example.
    static func digestExample() throws -> [String: String] {
        let block = try #require(try examples().checked["digest"])
        var fields: [String: String] = [:]
        for line in block.split(separator: "\n") {
            let name = line.prefix { $0 != " " }
            fields[String(name)] = line.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    @Test("every JSON example in PROTOCOL.md is marked, so a test checks it")
    func everyJSONExampleIsChecked() throws {
        let unmarked = try Self.examples().jsonBlocks.filter { $0.marker == nil }.map(\.line)
        #expect(unmarked.isEmpty, "unchecked ```json blocks end at lines \(unmarked)")
    }

    @Test("the worked digest example: SHA-256 over the raw salt bytes, the name, a zero byte and the content")
    func digestExample() throws {
        let example = try Self.digestExample()
        let salt = try #require(Hex.decode(try exampleValue(example["salt"])))
        let name = try exampleValue(example["name"])
        let content = Array(try exampleValue(example["content"]).utf8)
        #expect(salt.count == 16)
        #expect(salt == Array(0..<16))
        let digest = SealedReport.digest(salt: salt, name: name, content: content)
        // The byte count the document spells out below the example.
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        let count = try #require(text.firstMatch(of: /over 16 \+ (\d+) \+ 1 \+ (\d+) = (\d+) bytes/))
        #expect(Int(count.1) == name.utf8.count && Int(count.2) == content.count)
        #expect(Int(count.3) == salt.count + name.utf8.count + 1 + content.count)
        #expect(Hex.encode(digest) == example["digest"])
        // Hashing the salt's hex text instead of its bytes is the mistake the document warns of.
        let wrong = SealedReport.digest(salt: Array(Hex.encode(salt).utf8), name: name, content: content)
        #expect(Hex.encode(wrong).hasPrefix("28c564db"))
        #expect(Hex.encode(wrong) != example["digest"])
    }

    @Test(
        "the envelope example is canonical and decodes strictly; with the example section the node reads the sitrep"
    )
    func envelopeExample() throws {
        let text = try exampleValue(try Self.examples().checked["envelope"])
        let bytes = Array(text.utf8)
        #expect(JSONWriter.canonical(try JSONParser.parse(bytes)) == bytes, "the example is not canonical")
        let envelope = try Envelope.decode(bytes, reference: .builtIn)
        let example = try Self.digestExample()
        #expect(envelope.sections.map(\.name) == [example["name"]])
        #expect(Hex.encode(envelope.sections[0].digest) == example["digest"])
        let report = try SealedReport.decode(
            envelope: bytes, signature: Array(repeating: 0, count: 64),
            sections: [Array(try exampleValue(example["content"]).utf8)], allowWithheld: false,
            reference: .builtIn)
        let document = try report.document(codec: DocumentCodec())
        #expect(document.body.type == .sitrep)
        #expect(document.id == envelope.id)
    }

    @Test("the incident example: its content matches the envelope's digest and the node reads the incident")
    func incidentExample() throws {
        let examples = try Self.examples().checked
        let bytes = Array(try exampleValue(examples["envelope incident"]).utf8)
        let content = Array(try exampleValue(examples["content incident"]).utf8)
        #expect(JSONWriter.canonical(try JSONParser.parse(bytes)) == bytes, "the example is not canonical")
        let report = try SealedReport.decode(
            envelope: bytes, signature: Array(repeating: 0, count: 64), sections: [content],
            allowWithheld: false, reference: .builtIn)
        #expect(report.envelope.sections.map(\.salt) == [Array(16..<32)])
        let document = try report.document(codec: DocumentCodec())
        #expect(document.body.type == .incident)
        // The sitrep example is about this incident, and comes after it in VR09's order.
        let sitrep = try Envelope.decode(
            Array(try exampleValue(examples["envelope"]).utf8), reference: .builtIn)
        #expect(sitrep.incident == report.envelope.incident)
        #expect(sitrep.originSeq > report.envelope.originSeq)
    }

    @Test("the network.json example loads, and the key file's shape is what keys init writes")
    func keyFileExamples() throws {
        let examples = try Self.examples().checked
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-protocol-doc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let networkFile = folder.appendingPathComponent("network.json")
        try Data(try exampleValue(examples["network.json"]).utf8).write(to: networkFile)
        let network = try NetworkConfig.load(from: networkFile)
        #expect(network.organisations[OrganisationCode("VR09")!] != nil)
        #expect(network.primary.endpoint.hasPrefix("tcp://"))
        // The document shows the key file's fields, never a secret: they must be the ones
        // `keys init` writes, and a file written that way must load.
        let shape = try exampleValue(examples["keys/ORG.json"])
        let named = Set(shape.matches(of: /"(\w+)":/).map { String($0.1) })
        let secrets = try OrganisationSecrets.generate()
        #expect(named == Set(secrets.json.objectValue.map { Array($0.keys) } ?? []))
        let keyFile = folder.appendingPathComponent("VR09.json")
        try secrets.save(to: keyFile)
        #expect(
            try OrganisationSecrets.load(from: keyFile).publicKeys.curvePublicKey == secrets.curve.publicKey)
    }
}

struct MissingExample: Error {}

/// The value, or a failure naming the missing example.
func exampleValue<T>(_ optional: T?) throws -> T {
    guard let optional else { throw MissingExample() }
    return optional
}

/// Findings of issue 20 that live in the codecs: settled without sockets.
@Suite("Protocol findings in the codecs")
struct ProtocolFindingCodecTests {
    static func sitrep() throws -> (bytes: [UInt8], envelope: Envelope, content: [UInt8]) {
        let example = try ProtocolDocumentTests.digestExample()
        let text = try exampleValue(try ProtocolDocumentTests.examples().checked["envelope"])
        return (
            Array(text.utf8), try Envelope.decode(Array(text.utf8), reference: .builtIn),
            Array(try exampleValue(example["content"]).utf8)
        )
    }

    @Test("a sitrep without meta.confidence is E203 at envelope.meta.confidence, not at confidence")
    func metaFieldsNamedByEnvelopePath() throws {
        var (_, envelope, content) = try Self.sitrep()
        envelope.meta.removeValue(forKey: "confidence")
        envelope.meta["verification"] = "maybe"
        let report = try SealedReport.decode(
            envelope: envelope.canonicalBytes, signature: Array(repeating: 0, count: 64), sections: [content],
            allowWithheld: false, reference: .builtIn)
        let problems = try #require(throws: Problems.self) { try report.document(codec: DocumentCodec()) }
        let fields = Dictionary(problems.problems.map { ($0.code, $0.field) }) { first, _ in first }
        #expect(fields[.missingField] == "envelope.meta.confidence")
        #expect(fields[.unknownValue] == "envelope.meta.verification")
    }

    @Test("an unknown envelope field is E204 at its envelope path")
    func unknownEnvelopeField() throws {
        let (bytes, _, _) = try Self.sitrep()
        guard case .object(var object) = try JSONParser.parse(bytes) else { return }
        object["colour"] = "red"
        let problems = try #require(throws: Problems.self) {
            try Envelope.decode(JSONWriter.canonical(.object(object)), reference: .builtIn)
        }
        #expect(problems.first.code == .unknownField && problems.first.field == "envelope.colour")
    }

    @Test(
        "the report id of a SUBMIT that does not decode is still read for the answer; other messages have none"
    )
    func submittedReportIDOfRefusedMessages() throws {
        let (bytes, envelope, content) = try Self.sitrep()
        let signature = Array(repeating: UInt8(0), count: 64)
        let submit = [protocolSignature, Array("SUBMIT".utf8), bytes, signature]
        // E217 (digest), E102 (no section): refused before any decision, but the id is known.
        var tampered = content
        tampered[tampered.count - 2] ^= 1
        #expect(throws: Problem.self) { try MessageCodec().decodeClient(submit + [tampered]) }
        #expect(MessageCodec.submittedReportID(submit + [tampered]) == envelope.id)
        #expect(MessageCodec.submittedReportID(submit) == envelope.id)
        #expect(MessageCodec.submittedReportID(MessageCodec.encode(.fetch(from: 1, to: 2))) == nil)
        #expect(
            MessageCodec.submittedReportID([
                protocolSignature, Array("SUBMIT".utf8), Array("{".utf8), signature,
            ])
                == nil)
    }

    @Test("FETCH's answer to a connection without HELLO has its own code, 106 helloFirst")
    func helloFirstCode() {
        #expect(ErrorCode.helloFirst.rawValue == 106)
        #expect(ErrorCode.helloFirst.summary == "E106 helloFirst")
    }
}
