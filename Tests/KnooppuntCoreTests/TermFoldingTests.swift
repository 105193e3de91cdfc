import KnooppuntDomain
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
}
