import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@testable import KnooppuntCore

/// The node folds every string of every report it decides to look for police-internal terms;
/// ASCII text takes a byte-by-byte path, other text Foundation's folding. Both must agree.
@Suite("Police-internal terms: folding")
struct TermFoldingTests {
    @Test("ASCII text folds byte by byte exactly as Foundation's case and diacritic folding does")
    func asciiAgrees() {
        var random = SeededRandom(seed: 18_032_019)
        let alphabet = Array(
            " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\t\n"
        )
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...80, using: &random)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
            #expect(PoliceInternalPolicy.foldedBytes(text) == PoliceInternalPolicy.slowFold(text), "\(text)")
        }
    }

    @Test("text with accents and other scripts folds through Foundation: accents go, letters stay")
    func otherText() {
        #expect(PoliceInternalPolicy.fold("Vuurwapen-GEVAARLÏJK é") == "vuurwapengevaarlijke")
        #expect(PoliceInternalPolicy.fold("Ελλάδα 12") == "ελλαδα12")
        #expect(PoliceInternalPolicy.fold("") == "")
    }

    @Test("a term is found wherever its bytes occur in the folded text, and nowhere else")
    func contains() {
        func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
        #expect(PoliceInternalPolicy.contains(bytes("abcabd"), bytes("abd")))
        #expect(PoliceInternalPolicy.contains(bytes("abd"), bytes("abd")))
        #expect(!PoliceInternalPolicy.contains(bytes("ab"), bytes("abd")))
        #expect(!PoliceInternalPolicy.contains(bytes("abcab"), bytes("abd")))
        #expect(PoliceInternalPolicy.contains(bytes("x"), []))
    }

    @Test("of several terms in a text, the first in the policy's order is named, wherever each occurs")
    func firstTermInPolicyOrder() throws {
        let policy = try PoliceInternalPolicy(labels: [], terms: ["tapgesprek", "CIE-melding", "melding-x"])
        #expect(policy.term(in: "een CIE melding en een tapgesprek") == "tapgesprek")
        #expect(policy.term(in: "Tap-gesprek") == "tapgesprek")
        #expect(policy.term(in: "ciemeldingx") == "CIE-melding")
        #expect(policy.term(in: "meldingx") == "melding-x")
        #expect(policy.term(in: "tapgespre") == nil)
        #expect(policy.term(in: "") == nil)
    }

    @Test("the search without paths finds a term exactly when the search with paths does")
    func fastSearchAgrees() throws {
        let policy = try PoliceInternalPolicy(labels: [], terms: ["tapgesprek", "observatieteam"])
        var random = SeededRandom(seed: 16_2026)
        let words = ["tap", "gesprek", "observatie", "team", "Tap-", "ÉÉN", "weg", "x", "  "]
        func text() -> String {
            (0..<Int.random(in: 0...4, using: &random)).map { _ in words.randomElement(using: &random)! }
                .joined()
        }
        func value(depth: Int) -> JSONValue {
            switch Int.random(in: 0...(depth > 2 ? 1 : 3), using: &random) {
            case 0: return .string(text())
            case 1: return .integer(7)
            case 2:
                return .array(
                    (0..<Int.random(in: 0...3, using: &random)).map { _ in value(depth: depth + 1) })
            default:
                var fields: [String: JSONValue] = [:]
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    fields[text()] = value(depth: depth + 1)
                }
                return .object(fields)
            }
        }
        var found = 0
        for _ in 0..<2_000 {
            let document = value(depth: 0)
            let fast = policy.carriesTerm(DocumentText(tree: document))
            #expect(fast == (policy.search(document) != nil), "\(document)")
            if fast { found += 1 }
        }
        #expect(found > 100, "the random documents carry terms often enough to compare both answers")
    }

    @Test("the one-pass search names what a search for each term in turn names, in any text")
    func onePassAgreesWithEachTerm() throws {
        // Terms that share first letters and first pairs, overlap and sit inside each other.
        let terms = [
            "tapgesprek", "tapgespreksverslag", "CIE-melding", "ciemel-dingen", "gesprek-x", "vvvvvv",
        ]
        let policy = try PoliceInternalPolicy(labels: [], terms: terms)
        var random = SeededRandom(seed: 16_2027)
        let pieces = [
            "tap", "gesprek", "sverslag", "cie", "mel", "ding", "en", "x", "v", "vvv", "é", " ", "-", "T",
        ]
        var named = 0
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...9, using: &random)).map { _ in
                pieces.randomElement(using: &random)!
            }
            .joined()
            let folded = Array(PoliceInternalPolicy.fold(text).utf8)
            let expected = terms.first {
                PoliceInternalPolicy.contains(folded, Array(PoliceInternalPolicy.fold($0).utf8))
            }
            #expect(policy.term(in: text) == expected, "\(text)")
            if expected != nil { named += 1 }
        }
        #expect(named > 200, "the random texts carry terms often enough")
    }
}
