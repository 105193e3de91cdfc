import KnooppuntDomain
import StrictJSON
import Testing

@testable import KnooppuntProtocol

/// The envelope's direct reader (``Envelope/decodeCanonical(_:reference:)``) against the strict
/// reader it stands in front of: whatever the direct reader returns, the strict reader returns
/// for the same bytes, and every canonical envelope the direct reader is meant for, it reads.
/// A difference would let the node accept (or order) a report the protocol refuses.
@Suite("Envelope: direct reader against the strict reader")
struct EnvelopeCanonicalTests {
    static let reference = Fixtures.reference

    /// Whether the direct reader is meant to read `envelope`'s canonical bytes: every class a
    /// name, meta only strings, and no string that needs an escape.
    static func meantForDirect(_ envelope: Envelope) -> Bool {
        let names = envelope.sections.allSatisfy {
            if case .string = $0.classification.json { true } else { false }
        }
        let metaStrings = envelope.meta.values.allSatisfy { $0.stringValue != nil }
        let noEscapes = !envelope.canonicalBytes.contains { $0 == UInt8(ascii: "\\") }
        return names && metaStrings && noEscapes
    }

    /// The direct reader's answer agrees with the strict one: nil, or exactly what the strict
    /// reader reads (which must then succeed).
    static func agrees(_ bytes: [UInt8]) -> (direct: Envelope?, strict: Envelope?, agrees: Bool) {
        let direct = Envelope.decodeCanonical(bytes, reference: reference)
        let strict = try? Envelope.decodeStrict(bytes, reference: reference)
        return (direct, strict, direct == nil || direct == strict)
    }

    @Test("every random valid envelope reads the same both ways, and directly when canonical")
    func randomEnvelopes() {
        var rng = SeededGenerator(seed: 311)
        var direct = 0
        for _ in 0..<2_000 {
            var envelope = RandomDocuments.sealed(using: &rng).envelope
            if rng.chance(0.3) {
                envelope.meta = ["confidence": "medium", "verification": "unconfirmed"]
            }
            let bytes = envelope.canonicalBytes
            let result = Self.agrees(bytes)
            #expect(result.strict == envelope)
            #expect(result.agrees, "direct \(String(describing: result.direct)) for \(envelope)")
            if Self.meantForDirect(envelope) {
                #expect(result.direct != nil, "not read directly: \(String(decoding: bytes, as: UTF8.self))")
                direct += 1
            } else {
                #expect(result.direct == nil)
            }
        }
        // The draw must reach both readers often (random texts often need escapes).
        #expect(direct > 500)
    }

    @Test("every mutated envelope: the direct reader refuses it or reads what the strict reader reads")
    func mutatedEnvelopes() {
        var inputs = EnvelopeMutations(envelopeSeed: 312, mutatorSeed: 313)
        var readDirectly = 0
        var strictOnly = 0
        for index in 0..<MutationRunTests.count {
            let input = inputs.input(index)
            let result = Self.agrees(input)
            #expect(result.agrees, "\(String(decoding: input, as: UTF8.self))")
            if result.direct != nil { readDirectly += 1 }
            // What the strict reader accepts in canonical form, the direct reader reads too.
            if let strict = result.strict, strict.canonicalBytes == input, Self.meantForDirect(strict) {
                #expect(result.direct != nil, "\(String(decoding: input, as: UTF8.self))")
            } else if result.strict != nil {
                strictOnly += 1
            }
        }
        // Mutations that still give a valid envelope exist on both paths.
        #expect(readDirectly > 100)
        #expect(strictOnly > 10)
    }

    /// Values beyond the mutator's list that sit on the direct reader's own edges: integer
    /// digits, hex lengths and case, blank and long texts, UTF-8 that needs no escape.
    static let edgeValues: [JSONValue] = [
        2, 3, 1_000, 1_001, .integer(Int64.max - 1), "0123456789abcdef0123456789abcdef",
        "0123456789ABCDEF0123456789abcdef", "0123456789abcdef0123456789abcde",
        .string(String(repeating: "ab", count: 32)), .string(String(repeating: "ab", count: 33)), "  ", "Zoë",
        .string(String(repeating: "é", count: 120)), .string(String(repeating: "é", count: 121)),
        .string(String(repeating: "k", count: 200)), .string(String(repeating: "k", count: 201)),
        ["kinds": ["safetyRegion"]], ["confidence": 1], ["confidence": "high", "a": "b"],
    ]

    @Test("every field of an envelope set to every value of the lists: the direct reader agrees")
    func everyFieldEveryValue() {
        var envelope = Fixtures.seal(Fixtures.sample(.grip)).envelope
        envelope.meta = ["confidence": "medium"]
        envelope.author = "Zoë de Vries"
        let base = envelope.json
        let paths = base.allPaths.filter { !$0.isEmpty } + [[.key("subject")], [.key("extra")]]
        var readDirectly = 0
        var cases = 0
        for path in paths {
            for value in Mutator.values + Self.edgeValues + [nil] {
                let input = JSONWriter.canonical(base.setting(path, to: value))
                let result = Self.agrees(input)
                cases += 1
                #expect(result.agrees, "\(String(decoding: input, as: UTF8.self))")
                if result.direct != nil { readDirectly += 1 }
                if let strict = result.strict, Self.meantForDirect(strict) {
                    #expect(result.direct != nil, "\(String(decoding: input, as: UTF8.self))")
                }
            }
        }
        #expect(cases > 1_000)
        #expect(readDirectly > 50)
    }

    /// Edits that keep the envelope's meaning but leave the canonical form.
    static let nearCanonicalEdits: [(String, @Sendable (String) -> String)] = [
        ("whitespace", { $0.replacingOccurrences(of: ",\"id\"", with: ", \"id\"") }),
        (
            "keys out of order",
            { "{\"v\":1," + $0.dropFirst().replacingOccurrences(of: ",\"v\":1}", with: "}") }
        ),
        ("space before an array", { $0.replacingOccurrences(of: "\"sections\":[", with: "\"sections\": [") }),
        ("escaped letter", { $0.replacingOccurrences(of: "\"medium\"", with: "\"medi\\u0075m\"") }),
        ("trailing newline", { $0 + "\n" }),
    ]

    @Test("near-canonical forms go to the strict reader, which reads them", arguments: 0..<5)
    func nearCanonical(_ index: Int) throws {
        let (name, edit) = Self.nearCanonicalEdits[index]
        var envelope = Fixtures.seal(Fixtures.sample(.grip)).envelope
        envelope.meta = ["confidence": "medium"]
        try #require(Self.meantForDirect(envelope))
        let canonical = String(decoding: envelope.canonicalBytes, as: UTF8.self)
        #expect(Envelope.decodeCanonical(Array(canonical.utf8), reference: Self.reference) == envelope)
        let edited = edit(canonical)
        #expect(edited != canonical, "the edit \(name) changed nothing")
        #expect(Envelope.decodeCanonical(Array(edited.utf8), reference: Self.reference) == nil, "\(name)")
        #expect(
            (try? Envelope.decodeStrict(Array(edited.utf8), reference: Self.reference)) == envelope, "\(name)"
        )
    }
}
