import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// One input document with the verdict we expect.
struct DocumentCase: Sendable, CustomTestStringConvertible {
    /// Who can judge the input.
    enum Level: Sendable {
        /// Not readable as JSON or YAML (or over a reading limit): only our reader sees it.
        case reader
        /// Readable; the codec and the JSON Schema both refuse it.
        case schema
        /// Readable; the codec refuses it and JSON Schema cannot say why (see the schema's $comment).
        case codecOnly
    }

    let name: String
    let bytes: [UInt8]
    /// The problem the codec must report (nil: the document is valid).
    let code: ErrorCode?
    let field: String
    let level: Level

    var testDescription: String { name }
}

/// The table of malformed documents (and valid edge cases) shared by the codec tests and the
/// schema agreement test.
enum DocumentCases {
    static func json(_ value: JSONValue) -> [UInt8] { JSONWriter.canonical(value) }

    /// The sample of `type` with `path` set to `value` (nil removes it).
    static func edit(_ type: ReportType, _ path: String, _ value: JSONValue?) -> [UInt8] {
        json(Fixtures.codec.encode(Fixtures.sample(type)).setting(steps(path), to: value))
    }

    static func bad(
        _ name: String, _ bytes: [UInt8], _ code: ErrorCode, at field: String,
        _ level: DocumentCase.Level = .schema
    ) -> DocumentCase {
        DocumentCase(name: name, bytes: bytes, code: code, field: field, level: level)
    }

    static func good(_ name: String, _ bytes: [UInt8]) -> DocumentCase {
        DocumentCase(name: name, bytes: bytes, code: nil, field: "", level: .schema)
    }

    static func text(_ count: Int, _ piece: String = "x") -> JSONValue {
        .string(String(repeating: piece, count: count))
    }

    static let readerCases: [DocumentCase] = {
        let b = Fixtures.bytes
        var laughs = "type: ack\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...8 {
            laughs +=
                "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        return [
            bad("not JSON: an unterminated object", b(#"{"type": "ack","#), .invalidJSON, at: "$", .reader),
            bad("JSON with a trailing comma", b(#"{"type": "ack",}"#), .invalidJSON, at: "$", .reader),
            bad("JSON with a comment", b("{\"type\": \"ack\" // note\n}"), .invalidJSON, at: "$", .reader),
            bad(
                "invalid UTF-8 in a string", b(#"{"type":"ack","by":""#) + [0xC3, 0x28] + b(#""}"#),
                .invalidUTF8,
                at: "$", .reader),
            bad(
                "an unpaired surrogate escape", b(#"{"type":"ack","by":"\ud800"}"#), .invalidJSON, at: "$",
                .reader),
            bad("a key named twice", b(#"{"type":"ack","type":"ack"}"#), .duplicateKey, at: "$", .reader),
            bad(
                "nesting deeper than 32 levels",
                b(
                    #"{"type":"ack","note":"# + String(repeating: "[", count: 40)
                        + String(repeating: "]", count: 40) + "}"),
                .tooDeep, at: "$", .reader),
            bad(
                "an integer beyond 64 bits",
                b(
                    String(decoding: Fixtures.sampleJSON(.threat), as: UTF8.self).replacingOccurrences(
                        of: #""level":5"#, with: #""level":99999999999999999999"#)), .outOfRange, at: "$",
                .reader),
            bad(
                "a number beyond a double",
                b(
                    String(decoding: Fixtures.sampleJSON(.incident), as: UTF8.self).replacingOccurrences(
                        of: #""lat":52.0894"#, with: #""lat":1e400"#)), .outOfRange, at: "$", .reader),
            bad("NaN", b(#"{"type":"threat","level":NaN}"#), .invalidJSON, at: "$", .reader),
            bad("an empty document", b("  \n\t\r\n"), .emptyDocument, at: "$", .reader),
            bad(
                "a document over 256 KiB",
                json(Fixtures.codec.encode(Fixtures.sample(.ack)).setting([.key("note")], to: text(300_000))),
                .tooLong, at: "$", .reader),
            bad("YAML that cannot be read", b("type: [ack\nby: x\n"), .invalidYAML, at: "$", .reader),
            bad("YAML with two documents", b("type: ack\n---\ntype: ack\n"), .invalidYAML, at: "$", .reader),
            bad("a YAML key named twice", b("type: ack\nby: a\nby: b\n"), .duplicateKey, at: "by", .reader),
            bad(
                "YAML nested deeper than 32 levels",
                b(
                    "type: ack\nnote: " + String(repeating: "[", count: 40)
                        + String(repeating: "]", count: 40) + "\n"),
                .tooDeep, at: "note" + String(repeating: "[0]", count: 32), .reader),
            bad("YAML aliases expanding to a hundred million values", b(laughs), .tooLong, at: "$", .reader),
            bad(
                "YAML indented thousands of levels deep", b(String(repeating: "- ", count: 3000) + "x\n"),
                .tooDeep,
                at: "$", .reader),
            bad(
                "YAML opening 5,000 flow levels", b("note: " + String(repeating: "[", count: 5000) + "\n"),
                .tooDeep,
                at: "$", .reader),
            bad(
                "a YAML integer beyond 64 bits", b("type: threat\nlevel: 99999999999999999999\n"),
                .outOfRange, at: "level", .reader),
            bad(
                "YAML that is not UTF-8", b("type: ack\nby: ") + [0xFF, 0xFE] + b("\n"), .invalidUTF8,
                at: "$", .reader),
        ]
    }()

    static let schemaCases: [DocumentCase] = {
        let b = Fixtures.bytes
        let ackJSON = Fixtures.codec.encode(Fixtures.sample(.ack))
        return [
            bad("not an object", b(#"["type", "ack"]"#), .wrongType, at: "$"),
            bad("a YAML list instead of a mapping", b("- type: ack\n"), .wrongType, at: "$"),
            bad("no type", json(ackJSON.setting([.key("type")], to: nil)), .missingField, at: "type"),
            bad("an unknown type", edit(.ack, "type", "rumour"), .unknownValue, at: "type"),
            bad("exercise written as text", edit(.ack, "exercise", "yes"), .wrongType, at: "exercise"),
            bad("an unknown top-level field", edit(.incident, "priority", 1), .unknownField, at: "priority"),
            bad(
                "an unknown nested field", edit(.incident, "location.street", "Croeselaan"), .unknownField,
                at: "location.street"),
            bad("an empty key", json(ackJSON.setting([.key("")], to: 1)), .unknownField, at: #"$[""]"#),
            bad(
                "a key with a dot", json(ackJSON.setting([.key("a.b")], to: 1)), .unknownField,
                at: #"$["a.b"]"#),
            bad(
                "a nested key of 50 characters",
                json(
                    Fixtures.codec.encode(Fixtures.sample(.incident)).setting(
                        [.key("location"), .key(String(repeating: "k", count: 50))], to: 1)),
                .unknownField, at: "location[\"" + String(repeating: "k", count: 40) + "\"]"),
            bad("a missing title", edit(.incident, "title", nil), .missingField, at: "title"),
            bad(
                "a missing lead function", edit(.incident, "lead.function", nil), .missingField,
                at: "lead.function"),
            bad("null for a required text", edit(.incident, "title", .null), .wrongType, at: "title"),
            bad("an unknown incident kind", edit(.incident, "kind", "meteor"), .unknownValue, at: "kind"),
            bad(
                "an unknown classification", edit(.incident, "classification", "secret"), .unknownValue,
                at: "classification"),
            bad(
                "a classification naming no party", edit(.incident, "classification", ["parties": []]),
                .missingField,
                at: "classification.parties"),
            bad(
                "a classification naming an unknown party",
                edit(.incident, "classification", ["parties": ["VR26"]]),
                .unknownCode, at: "classification.parties[0]"),
            bad(
                "a classification with an extra field",
                edit(.incident, "classification", ["parties": ["VR09"], "all": true]),
                .unknownField, at: "classification.all"),
            bad("a title of 201 characters", edit(.incident, "title", text(201)), .tooLong, at: "title"),
            bad(
                "51 linked incidents",
                edit(.incident, "linked", .array(Array(repeating: "VR09-X-01", count: 51))),
                .tooLong, at: "linked"),
            bad("a reason of 4,001 characters", edit(.grip, "reason", text(4001)), .tooLong, at: "reason"),
            bad("an author of 121 characters", edit(.ack, "author", text(121)), .tooLong, at: "author"),
            bad(
                "an author of 120 characters but 240 code points",
                edit(.ack, "author", text(120, "e\u{301}")), .tooLong,
                at: "author"),
            bad(
                "a title of only whitespace", edit(.incident, "title", " \u{A0}\u{3000}\t\u{2028}"),
                .emptyText, at: "title"),
            bad("an empty author", edit(.ack, "author", ""), .emptyText, at: "author"),
            bad(
                "a time without an offset", edit(.incident, "startedAt", "2019-03-18T10:45:00"),
                .invalidTimestamp, at: "startedAt"),
            bad(
                "a time with 4 fractional digits",
                edit(.incident, "startedAt", "2019-03-18T10:45:00.1234+01:00"),
                .invalidTimestamp, at: "startedAt"),
            bad(
                "29 February in a common year", edit(.incident, "startedAt", "2100-02-29T10:00:00+01:00"),
                .invalidTimestamp,
                at: "startedAt"),
            bad(
                "a time before 1970", edit(.incident, "startedAt", "1969-12-31T23:59:59Z"), .invalidTimestamp,
                at: "startedAt"),
            bad(
                "second 60", edit(.incident, "startedAt", "2016-12-31T23:59:60Z"), .invalidTimestamp,
                at: "startedAt"),
            bad(
                "an offset of 24 hours", edit(.grip, "decidedAt", "2019-03-18T10:45:00+24:00"),
                .invalidTimestamp, at: "decidedAt"),
            bad(
                "a date and time without T", edit(.grip, "decidedAt", "2019-03-18 10:45:00+01:00"),
                .invalidTimestamp, at: "decidedAt"),
            bad(
                "a date without a time", edit(.grip, "decidedAt", "2019-03-18"), .invalidTimestamp,
                at: "decidedAt"),
            bad(
                "a time with a trailing newline", edit(.grip, "decidedAt", "2019-03-18T10:45:00+01:00\n"),
                .invalidTimestamp,
                at: "decidedAt"),
            bad("a time as a number", edit(.grip, "decidedAt", 1_552_902_300), .wrongType, at: "decidedAt"),
            bad(
                "an unknown municipality", edit(.incident, "location.municipality", "GM9999"), .unknownCode,
                at: "location.municipality"),
            bad(
                "an unknown region in a target area",
                edit(.sitrep, "communicatie.targetArea.regions[0]", "VR26"), .unknownCode,
                at: "communicatie.targetArea.regions[0]"),
            bad(
                "NCTV as a region of a target area",
                edit(.sitrep, "communicatie.targetArea.regions[0]", "NCTV"), .unknownCode,
                at: "communicatie.targetArea.regions[0]"),
            bad(
                "a region code with a trailing newline",
                edit(.sitrep, "communicatie.targetArea.regions[0]", "VR09\n"),
                .unknownCode, at: "communicatie.targetArea.regions[0]"),
            bad(
                "an unknown lead organisation", edit(.incident, "lead.organisation", "VR00"), .unknownCode,
                at: "lead.organisation"),
            bad(
                "a lowercase organisation code", edit(.incident, "lead.organisation", "vr09"), .unknownCode,
                at: "lead.organisation"),
            bad("an unknown province", edit(.threat, "area.code", "PV32"), .unknownCode, at: "area.code"),
            bad(
                "a region code as a province", edit(.threat, "area.code", "VR09"), .unknownCode,
                at: "area.code"),
            bad(
                "a report id in capitals", edit(.ack, "id", "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"),
                .invalidID, at: "id"),
            bad(
                "a report id with a trailing newline",
                edit(.ack, "id", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n"), .invalidID,
                at: "id"),
            bad(
                "a subject that is not a report id", edit(.ack, "subject", "VR09-20250611-01"), .invalidID,
                at: "subject"),
            bad(
                "an incident id with a space", edit(.grip, "incident", "VR09 20250611"), .invalidID,
                at: "incident"),
            bad(
                "an incident id of 65 characters", edit(.grip, "incident", text(65, "A")), .invalidID,
                at: "incident"),
            bad("an incident id of 2 characters", edit(.grip, "incident", "A1"), .invalidID, at: "incident"),
            bad(
                "an incident id with a trailing newline", edit(.grip, "incident", "VR09-1\n"), .invalidID,
                at: "incident"),
            bad(
                "an unknown GRIP code list", edit(.grip, "codeList", "grip-2030"), .unsupportedVersion,
                at: "codeList"),
            bad("GRIP level 6", edit(.grip, "level", "6"), .unknownValue, at: "level"),
            bad("a GRIP level written as a number", edit(.grip, "level", 3), .wrongType, at: "level"),
            bad(
                "a YAML GRIP level without quotes",
                b(
                    "type: grip\nincident: VR09-1\nlevel: 3\ncodeList: grip-2013\nreason: x\ndecidedAt: 2025-06-11T10:51:00+02:00\nclassification: public\n"
                ), .wrongType, at: "level"),
            bad("threat level 6", edit(.threat, "level", 6), .outOfRange, at: "level"),
            bad("threat level 0", edit(.threat, "level", 0), .outOfRange, at: "level"),
            bad("a threat level as text", edit(.threat, "level", "5"), .wrongType, at: "level"),
            bad("an unknown threat step", edit(.threat, "step", "panic"), .unknownValue, at: "step"),
            bad(
                "a latitude of 91", edit(.incident, "location.point.lat", 91), .outOfRange,
                at: "location.point.lat"),
            bad(
                "a longitude as text", edit(.incident, "location.point.lon", "5.1"), .wrongType,
                at: "location.point.lon"),
            bad(
                "a point without longitude", edit(.incident, "location.point.lon", nil), .missingField,
                at: "location.point.lon"),
            bad(
                "a location without municipality or point",
                edit(.incident, "location", ["description": "Ergens"]),
                .invalidCombination, at: "location"),
            bad(
                "a national area with a code", edit(.threat, "area", ["scope": "national", "code": "PV26"]),
                .invalidCombination, at: "area.code"),
            bad(
                "a region area without a code", edit(.threat, "area", ["scope": "region"]), .missingField,
                at: "area.code"),
            bad(
                "an unknown area scope", edit(.threat, "area", ["scope": "city", "code": "GM0344"]),
                .unknownValue, at: "area.scope"),
            bad(
                "a target area naming nothing", edit(.sitrep, "communicatie.targetArea", [:]),
                .invalidCombination,
                at: "communicatie.targetArea"),
            bad(
                "a target area with empty lists",
                edit(.sitrep, "communicatie.targetArea", ["regions": [], "municipalities": []]),
                .invalidCombination, at: "communicatie.targetArea"),
            bad("a picture without disciplines", edit(.sitrep, "beeld", [:]), .missingField, at: "beeld"),
            bad(
                "an unknown discipline",
                edit(.sitrep, "beeld.FIRE", ["text": "x", "classification": "public"]), .unknownField,
                at: "beeld.FIRE"),
            bad(
                "a discipline without classification", edit(.sitrep, "beeld.GZ.classification", nil),
                .missingField, at: "beeld.GZ.classification"),
            bad(
                "decisions without items", edit(.sitrep, "besluiten.items", []), .missingField,
                at: "besluiten.items"),
            bad(
                "an action without deadline", edit(.sitrep, "acties.items[0].deadline", nil), .missingField,
                at: "acties.items[0].deadline"),
            bad(
                "an assessment without risks", edit(.sitrep, "oordeel.risks", nil), .missingField,
                at: "oordeel.risks"),
            bad(
                "a sitrep without confidence", edit(.sitrep, "confidence", nil), .missingField,
                at: "confidence"),
            bad(
                "an unknown verification", edit(.sitrep, "verification", "rumour"), .unknownValue,
                at: "verification"),
            bad(
                "supersedes that is not a report id", edit(.sitrep, "supersedes", "earlier"), .invalidID,
                at: "supersedes"),
            bad(
                "a sitrep with a top-level classification", edit(.sitrep, "classification", "public"),
                .unknownField, at: "classification"),
            bad(
                "an acknowledgement request naming no party", edit(.ackRequest, "parties", []), .missingField,
                at: "parties"),
            bad(
                "an acknowledgement request naming 29 parties",
                edit(.ackRequest, "parties", .array(Array(repeating: "VR09", count: 29))),
                .tooLong, at: "parties"),
            bad("an acknowledgement without by", edit(.ack, "by", nil), .missingField, at: "by"),
            bad("an empty measure list", edit(.measure, "measures", []), .missingField, at: "measures"),
            bad(
                "51 measures",
                edit(
                    .measure, "measures", .array(Array(repeating: ["kind": "other", "text": "x"], count: 51))),
                .tooLong, at: "measures"),
            bad(
                "an unknown measure kind", edit(.measure, "measures[0].kind", "curfew"), .unknownValue,
                at: "measures[0].kind"),
            bad(
                "a measure that is a string", edit(.measure, "measures[1]", "schools"), .wrongType,
                at: "measures[1]"),
            bad(
                "a measure in an unknown municipality", edit(.measure, "municipality", "GM0000"),
                .unknownCode, at: "municipality"),
        ]
    }()

    /// Checks only the codec makes; the schema's $comment lists them.
    static let codecOnlyCases: [DocumentCase] = [
        bad(
            "an incident merged into itself", edit(.incident, "mergedInto", "VR09-20250611-01"),
            .invalidCombination,
            at: "mergedInto", .codecOnly),
        bad(
            "threat level written as 5.0", edit(.threat, "level", .number(5)), .wrongType, at: "level",
            .codecOnly),
    ]

    /// Valid documents at the edges of what is allowed.
    static let validEdgeCases: [DocumentCase] = {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        return [
            good("a title of exactly 200 characters", edit(.incident, "title", text(200))),
            good("an author of 40 emoji with joiners (120 code points)", edit(.ack, "author", text(40, "👩‍🚒"))),
            good("a text that is only a zero-width no-break space", edit(.ack, "note", "\u{FEFF}")),
            good("a text with control characters", edit(.ack, "note", "a\u{0}b\u{1F}c\u{7F}")),
            good("29 February in a leap year", edit(.incident, "startedAt", "2024-02-29T10:00:00+01:00")),
            good("29 February 2000", edit(.incident, "startedAt", "2000-02-29T00:00:00Z")),
            good("the first second of 1970", edit(.incident, "startedAt", "1970-01-01T00:00:00Z")),
            good("the last moment of 9999", edit(.incident, "startedAt", "9999-12-31T23:59:59.999-23:59")),
            good("lowercase t and z", edit(.grip, "decidedAt", "2019-03-18t10:45:00.5z")),
            good("offset -00:00", edit(.grip, "decidedAt", "2019-03-18T09:45:00-00:00")),
            good("an incident id of 64 characters", edit(.grip, "incident", text(64, "a"))),
            good("an incident id of dots", edit(.grip, "incident", "...")),
            good(
                "50 linked incidents",
                edit(.incident, "linked", .array(Array(repeating: "VR14-X-01", count: 50)))),
            good(
                "28 parties",
                edit(.ackRequest, "parties", .array(OrganisationCode.all.map { .string($0.rawValue) }))),
            good(
                "a point on the edges of the map",
                edit(.incident, "location.point", ["lat": -90, "lon": 180])),
            good("a location with only a point", edit(.incident, "location.municipality", nil)),
            good(
                "a target area with only municipalities",
                edit(.sitrep, "communicatie.targetArea.regions", nil)),
            good("an empty list of bottlenecks", edit(.sitrep, "oordeel.bottlenecks", [])),
            good("exercise false written out", edit(.ack, "exercise", false)),
            good("a national threat area", edit(.threat, "area", ["scope": "national"])),
            good("a region threat area", edit(.threat, "area", ["scope": "region", "code": "VR25"])),
            good("a JSON document with a byte order mark", bom + Fixtures.sampleJSON(.ack)),
            good(
                "a document without id, author or exercise",
                json(
                    Fixtures.codec.encode(Fixtures.sample(.measure)).setting([.key("id")], to: nil).setting(
                        [.key("author")], to: nil
                    ).setting([.key("exercise")], to: nil))),
        ]
    }()

    static let all = readerCases + schemaCases + codecOnlyCases + validEdgeCases
}
