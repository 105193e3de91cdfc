import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@Suite("Documents round-trip")
struct DocumentRoundTripTests {
    @Test("decode(encode(x)) == x for a full document of every type", arguments: ReportType.allCases)
    func everyType(_ type: ReportType) throws {
        let document = Fixtures.sample(type)
        let decoded = try Fixtures.codec.decode(Fixtures.codec.encode(document))
        #expect(decoded == document)
        #expect(decoded.body.type == type)
    }

    @Test("canonical JSON bytes read back to the same document", arguments: ReportType.allCases)
    func throughBytes(_ type: ReportType) throws {
        let bytes = Fixtures.sampleJSON(type)
        let decoded = try decodeDocument(bytes).get()
        #expect(decoded == Fixtures.sample(type))
        #expect(
            JSONWriter.canonical(Fixtures.codec.encode(decoded)) == bytes, "equal values give equal bytes")
    }

    @Test("a document without an id is valid and stays without one")
    func withoutID() throws {
        var document = Fixtures.sample(.ack)
        document.id = nil
        let value = Fixtures.codec.encode(document)
        #expect(value["id"] == nil)
        #expect(try Fixtures.codec.decode(value) == document)
    }

    @Test("every example in docs/examples is valid and round-trips")
    func examples() throws {
        let files = try Fixtures.exampleFiles()
        let types = Set(try files.map { try decodeDocument($0.bytes).get().body.type })
        #expect(types == Set(ReportType.allCases), "the examples cover every report type")
        #expect(
            files.contains { $0.name.hasSuffix(".yaml") } && files.contains { $0.name.hasSuffix(".json") })
        for (name, bytes) in files {
            switch decodeDocument(bytes) {
            case .success(let document):
                #expect(try Fixtures.codec.decode(Fixtures.codec.encode(document)) == document, "\(name)")
            case .failure(let problems):
                Issue.record("\(name) is invalid:\n\(problems)")
            }
        }
    }

    @Test("the sitrep example carries every BOB part and every discipline")
    func sitrepExampleIsComplete() throws {
        let bytes = try Data(contentsOf: Fixtures.examples.appendingPathComponent("sitrep.json"))
        guard case .sitrep(let sitrep) = try decodeDocument([UInt8](bytes)).get().body else {
            Issue.record("sitrep.json is not a sitrep")
            return
        }
        #expect(Set(sitrep.beeld.keys) == Set(Discipline.allCases))
        #expect(
            sitrep.oordeel != nil && sitrep.besluiten != nil && sitrep.acties != nil
                && sitrep.communicatie != nil)
    }

    @Test("the same document reads the same from JSON and from YAML")
    func yamlEqualsJSON() throws {
        let yaml = """
            # A measure, written by hand.
            type: measure
            municipality: GM0344
            incident: VR09-20250611-01
            exercise: true
            measures:
              - kind: schoolsClosed
                text: "Scholen dicht: leerlingen blijven binnen"
              - {kind: other, text: 'Extra toezicht'}
            classification: {parties: [VR09, NATIONAL]}
            """
        let json = """
            {"type":"measure","municipality":"GM0344","incident":"VR09-20250611-01","exercise":true,
             "measures":[{"kind":"schoolsClosed","text":"Scholen dicht: leerlingen blijven binnen"},
                         {"kind":"other","text":"Extra toezicht"}],
             "classification":{"parties":["VR09","NATIONAL"]}}
            """
        #expect(try decodeDocument(Fixtures.bytes(yaml)).get() == decodeDocument(Fixtures.bytes(json)).get())
    }

    @Test("YAML keeps timestamps, ids and numeric-looking texts as text")
    func yamlScalarsStayText() throws {
        let yaml = """
            type: grip
            incident: 2019-03-18
            level: "3"
            codeList: grip-2013
            reason: Mogelijke aanslag, direct opschalen
            decidedAt: 2019-03-18T10:45:00+01:00
            classification: public
            """
        let document = try decodeDocument(Fixtures.bytes(yaml)).get()
        guard case .grip(let change) = document.body else {
            Issue.record("not a GRIP change")
            return
        }
        #expect(change.incident.rawValue == "2019-03-18")
        #expect(change.decidedAt == Timestamp(rfc3339: "2019-03-18T10:45:00+01:00"))
    }

    @Test("a leading byte order mark is skipped in JSON and YAML")
    func byteOrderMark() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let json = bom + Fixtures.sampleJSON(.ack)
        #expect(try decodeDocument(json).get() == Fixtures.sample(.ack))
        let yaml =
            bom
            + Fixtures.bytes(
                "type: ack\nsubject: \(Fixtures.subjectID)\nby: Wachtcommandant\nclassification: public\n")
        #expect(try decodeDocument(yaml).get().body.type == .ack)
    }
}
