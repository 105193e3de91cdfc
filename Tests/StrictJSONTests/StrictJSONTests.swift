import StrictJSON
import Testing

/// The strict parser and the canonical writer that digests and signatures rest on.
@Suite("Strict JSON")
struct StrictJSONTests {
    @Test("canonical output sorts keys and has no white space, whatever the input order")
    func canonical() throws {
        let value = try JSONParser.parse(#"{ "b": [1, 2.5, "x"], "a": {"d": null, "c": true} }"#)
        #expect(
            String(decoding: JSONWriter.canonical(value), as: UTF8.self)
                == #"{"a":{"c":true,"d":null},"b":[1,2.5,"x"]}"#)
        #expect(try JSONParser.parse(JSONWriter.canonical(value)) == value)
    }

    @Test(
        "integers are written as Swift prints them, at both ends of their range",
        arguments: [0, 7, -7, 10, -10, 1_552_902_300_000, Int64.max, Int64.min, Int64.min + 1])
    func integers(number: Int64) {
        #expect(JSONWriter.canonical(.integer(number)) == Array(String(number).utf8))
    }

    @Test("an object listed in canonical order is written as the sorted dictionary would be")
    func canonicalObject() {
        let members: KeyValuePairs<String, JSONValue> = [
            "A": 1, "a": "é\"", "aa": [1, nil], "b": ["z": true, "y": 2.5], "é": .integer(-3),
        ]
        let dictionary = Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value) })
        #expect(JSONWriter.canonicalObject(members) == JSONWriter.canonical(.object(dictionary)))
        // A member given as its canonical bytes writes the same object, wherever it stands.
        for (key, value) in members {
            #expect(
                JSONWriter.canonicalObject(members, writing: JSONWriter.canonical(value), for: key)
                    == JSONWriter.canonical(.object(dictionary)))
        }
    }

    @Test("a duplicate key is refused, naming the key")
    func duplicateKey() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(#"{"a":1,"a":2}"#) }
        do {
            _ = try JSONParser.parse(#"{"a":1,"a":2}"#)
        } catch {
            #expect(error.kind == .duplicateKey("a"))
        }
    }

    @Test("nesting deeper than the limit is refused as too deep, not as a crash")
    func depth() {
        let deep =
            String(repeating: "[", count: JSONParser.maxDepth + 1)
            + String(repeating: "]", count: JSONParser.maxDepth + 1)
        do {
            _ = try JSONParser.parse(deep)
            Issue.record("accepted \(JSONParser.maxDepth + 1) levels")
        } catch {
            #expect(error.kind == .tooDeep)
        }
        let allowed =
            String(repeating: "[", count: JSONParser.maxDepth)
            + String(repeating: "]", count: JSONParser.maxDepth)
        #expect((try? JSONParser.parse(allowed)) != nil)
    }

    @Test("invalid UTF-8, trailing bytes and bare words are refused")
    func malformed() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("{} x") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("NaN") }
    }
}
