import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// The audience form of a classification on the wire (docs/PROTOCOL.md §3, §10): a new form
/// only where it is used, in an envelope of version 2; every other report byte for byte as before.
@Suite("Audiences on the wire")
struct AudienceWireTests {
    static let waterBoards = Classification.audience(Audience(kinds: [.waterBoard])!)

    /// The sample sitrep with its BRW picture classified `classification`.
    static func sitrep(_ classification: Classification) -> ReportDocument {
        var document = Fixtures.sample(.sitrep)
        guard case .sitrep(var sitrep) = document.body else { preconditionFailure("a sitrep") }
        sitrep.beeld[.brw] = DisciplinePicture(
            text: "Dijkbewaking Lek bij Vianen", classification: classification)
        document.body = .sitrep(sitrep)
        return document
    }

    /// The codec's problems for the sample sitrep with its BRW classification replaced by `value`.
    static func problems(_ value: JSONValue) -> [Problem] {
        guard case .object(var object) = Fixtures.codec.encode(sitrep(.partners)),
            case .object(var beeld)? = object["beeld"], case .object(var brw)? = beeld["BRW"]
        else { preconditionFailure("a sitrep with beeld.BRW") }
        brw["classification"] = value
        beeld["BRW"] = .object(brw)
        object["beeld"] = .object(beeld)
        do {
            _ = try Fixtures.codec.decode(.object(object))
            return []
        } catch {
            return error.problems
        }
    }

    @Test("the fixed classifications and parties encode as before, and their reports stay envelope version 1")
    func unchanged() {
        #expect(Classification.publicInformation.json == "public")
        #expect(Classification.partners.json == "partners")
        #expect(Classification.policeOnly.json == "police")
        #expect(Classification.national.json == "national")
        #expect(
            JSONWriter.canonical(Classification.parties(OrganisationSet([.police, .national])).json)
                == Array(#"{"parties":["NATIONAL","POLICE"]}"#.utf8))
        for type in ReportType.allCases {
            let sealed = Fixtures.seal(Fixtures.sample(type))
            #expect(sealed.envelope.version == 1, "\(type)")
            #expect(String(decoding: sealed.envelopeBytes, as: UTF8.self).hasSuffix(#""v":1}"#), "\(type)")
        }
    }

    @Test("an audience encodes only the lists it names and reads back to the same document")
    func roundTrip() throws {
        #expect(JSONWriter.canonical(Self.waterBoards.json) == Array(#"{"kinds":["waterBoard"]}"#.utf8))
        let both = Classification.audience(
            Audience(kinds: [.waterBoard, .national], groups: ["vital-infrastructure"])!)
        #expect(
            JSONWriter.canonical(both.json)
                == Array(#"{"groups":["vital-infrastructure"],"kinds":["national","waterBoard"]}"#.utf8))
        for classification in [
            Self.waterBoards, both, .audience(Audience(groups: ["vital-infrastructure"])!),
        ] {
            let document = Self.sitrep(classification)
            #expect(try Fixtures.codec.decode(Fixtures.codec.encode(document)) == document)
        }
    }

    @Test(
        "a report with an audience is envelope version 2 and reads back; a version that does not match its sections is refused"
    )
    func versioned() throws {
        let document = Self.sitrep(Self.waterBoards)
        let sealed = Fixtures.seal(document)
        #expect(sealed.envelope.version == 2)
        let received = try SealedReport.decode(
            envelope: sealed.envelopeBytes, signature: sealed.signature,
            sections: sealed.sections.map { $0! },
            allowWithheld: false, reference: Fixtures.reference)
        #expect(received.envelope == sealed.envelope)
        #expect(try received.document(codec: Fixtures.codec) == document)

        func refusal(_ envelope: Envelope, _ contents: [[UInt8]]) -> ErrorCode? {
            do {
                _ = try SealedReportTests.reseal(envelope, contents)
                return nil
            } catch {
                return error.first.code
            }
        }
        var downgraded = sealed.envelope
        downgraded.version = 1
        #expect(refusal(downgraded, sealed.sections.map { $0! }) == .unsupportedVersion)
        let plain = Fixtures.seal(Fixtures.sample(.sitrep))
        var upgraded = plain.envelope
        upgraded.version = 2
        #expect(refusal(upgraded, plain.sections.map { $0! }) == .unsupportedVersion)
        var future = sealed.envelope
        future.version = 3
        #expect(refusal(future, sealed.sections.map { $0! }) == .unsupportedVersion)
    }

    @Test("a malformed audience is refused at its field with a stable code")
    func malformed() {
        let many = JSONValue.array((0...Audience.maximumNames).map { .string("kind\($0)") })
        let cases: [(JSONValue, ErrorCode, String)] = [
            (["kinds": []], .missingField, "beeld.BRW.classification.kinds"),
            (["kinds": ["Water Board"]], .unknownValue, "beeld.BRW.classification.kinds[0]"),
            (["groups": ["Vital"]], .unknownValue, "beeld.BRW.classification.groups[0]"),
            (["kinds": "waterBoard"], .wrongType, "beeld.BRW.classification.kinds"),
            (["kinds": ["waterBoard"], "colour": "red"], .unknownField, "beeld.BRW.classification.colour"),
            (
                ["kinds": ["waterBoard"], "parties": ["VR09"]], .unknownField,
                "beeld.BRW.classification.kinds"
            ),
            ([:], .missingField, "beeld.BRW.classification"),
            (["kinds": many], .tooLong, "beeld.BRW.classification.kinds"),
        ]
        for (value, code, field) in cases {
            let found = Self.problems(value)
            #expect(found.map(\.code) == [code], "\(value): \(found)")
            #expect(found.first?.field == field, "\(value): \(found)")
        }
        #expect(Self.problems(["kinds": ["waterBoard"], "groups": ["vital-infrastructure"]]).isEmpty)
    }
}
