import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// Police-internal information (config/policy.yaml, `policeInternal`): the typed labels only
/// the police may attach to a report, kept in its own store, and the terms no free text on the
/// wire may carry.
public struct PoliceInternalPolicy: Sendable, Hashable {
    /// Labels the police daemon accepts in a document's `policeInternal.labels`.
    public let labels: [String]
    /// Terms refused in free text (E302), as written in the policy.
    public let terms: [String]
    /// Each term folded for matching, as UTF-8 bytes.
    private let folded: [(term: String, key: [UInt8])]
    /// For each byte value, the indices in `folded` of the terms that start with it: one pass
    /// over a folded text finds every term, instead of one pass per term.
    private let starting: [[Int]]
    /// One bit per pair of bytes (first byte × 256 + second): whether a term starts with the
    /// pair. Read at every position of every text, so most positions cost one load: a single
    /// letter starts terms at about one position in five in Dutch text, a pair far less often.
    private let startingPairs: [UInt64]

    /// Shortest folded term: shorter ones would match inside too many ordinary words.
    public static let minimumTermLength = 6

    public init(labels: [String], terms: [String]) throws(PolicyError) {
        self.labels = labels
        self.terms = terms
        var folded: [(String, [UInt8])] = []
        for term in terms {
            let key = Self.fold(term)
            guard key.count >= Self.minimumTermLength else {
                throw PolicyError(
                    "policeInternal.terms: \"\(term)\" has fewer than \(Self.minimumTermLength) letters or digits"
                )
            }
            folded.append((term, Array(key.utf8)))
        }
        self.folded = folded
        var starting = [[Int]](repeating: [], count: 256)
        for (index, term) in folded.enumerated() { starting[Int(term.1[0])].append(index) }
        self.starting = starting
        var pairs = [UInt64](repeating: 0, count: 65_536 / 64)
        for (_, key) in folded {
            let pair = Int(key[0]) << 8 | Int(key[1])
            pairs[pair >> 6] |= 1 << UInt64(pair & 63)
        }
        startingPairs = pairs
    }

    public static func == (a: Self, b: Self) -> Bool { a.labels == b.labels && a.terms == b.terms }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(labels)
        hasher.combine(terms)
    }

    /// Lower case, without accents, with only letters and digits: "CIE-Informatie" and
    /// "cie informatie" both become "cieinformatie".
    static func fold(_ text: String) -> String { String(decoding: foldedBytes(text), as: UTF8.self) }

    /// ``fold(_:)`` as UTF-8 bytes. The node folds every string of every report it decides, so
    /// text that is all ASCII (nearly all of it) is folded byte by byte; only other text goes
    /// through Foundation's case and diacritic folding, which gives the same for ASCII.
    static func foldedBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch foldedASCII[Int(byte)] {
            case 0: continue
            case nonASCII: return slowFold(text)
            case let folded: bytes.append(folded)
            }
        }
        return bytes
    }

    /// Per byte value: the byte an ASCII letter or digit folds to, 0 for other ASCII (dropped),
    /// ``nonASCII`` for a byte of a longer UTF-8 sequence.
    static let foldedASCII: [UInt8] = (0...255).map { (value: Int) -> UInt8 in
        let byte = UInt8(value)
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return byte
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte + 32
        case 0x80...: return nonASCII
        default: return 0
        }
    }
    static let nonASCII: UInt8 = 0xFF

    static func slowFold(_ text: String) -> [UInt8] {
        let plain = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        return Array(
            String(
                String.UnicodeScalarView(
                    plain.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) })
            ).utf8)
    }

    /// The first configured term `text` carries, if any.
    public func term(in text: String) -> String? {
        var scratch: [UInt8] = []
        return term(in: text, scratch: &scratch)
    }

    /// ``term(in:)`` folding into `scratch`, a buffer kept for every string of a document (its
    /// start holds the folded text; it grows and never shrinks). Of several terms in the text,
    /// the first in the policy's order is named.
    func term(in text: String, scratch: inout [UInt8]) -> String? {
        var text = text
        return text.withUTF8 { term(inUTF8: $0, scratch: &scratch) }
    }

    /// ``term(in:scratch:)`` of text given as valid UTF-8.
    func term(inUTF8 source: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8]) -> String? {
        guard !folded.isEmpty else { return nil }
        // ASCII text is folded and searched in place; other text through Foundation's folding.
        if scratch.count < source.count {
            scratch = [UInt8](repeating: 0, count: Swift.max(source.count, 2 * scratch.count))
        }
        let fast: Int = scratch.withUnsafeMutableBufferPointer { out in
            Self.foldedASCII.withUnsafeBufferPointer { table in
                // Without a branch per byte: every byte is written, and the next one overwrites
                // it unless it is kept; a byte of a longer UTF-8 sequence leaves its high bit.
                var length = 0
                var high: UInt8 = 0
                for byte in source {
                    let folded = table[Int(byte)]
                    out[length] = folded
                    length &+= folded == 0 ? 0 : 1
                    high |= folded
                }
                if high & 0x80 != 0 { return Self.notASCII }
                return firstTerm(in: UnsafeBufferPointer(rebasing: out[..<length])) ?? Self.noTerm
            }
        }
        let index: Int?
        switch fast {
        case Self.noTerm: index = nil
        case Self.notASCII:
            index = Self.slowFold(String(decoding: source, as: UTF8.self)).withUnsafeBufferPointer {
                firstTerm(in: $0)
            }
        default: index = fast
        }
        return index.map { folded[$0].term }
    }

    /// What the in-place fold answers besides a term's index: no term, or text it cannot fold.
    private static let noTerm = -1
    private static let notASCII = -2

    /// The index in `folded` of the first term (in the policy's order) that occurs in the
    /// folded `text`, found in one pass over the text.
    private func firstTerm(in text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard text.count >= Self.minimumTermLength else { return nil }
        var found: Int?
        startingPairs.withUnsafeBufferPointer { pairs in
            // Every term has at least minimumTermLength bytes, so none starts later.
            for start in 0...(text.count - Self.minimumTermLength) {
                let pair = Int(text[start]) << 8 | Int(text[start + 1])
                guard pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0 else { continue }
                for index in starting[Int(text[start])] where index < (found ?? Int.max) {
                    let needle = folded[index].key
                    guard text.count - start >= needle.count else { continue }
                    let matched = needle.withUnsafeBufferPointer { needle in
                        var matched = 1
                        while matched < needle.count, text[start + matched] == needle[matched] {
                            matched += 1
                        }
                        return matched == needle.count
                    }
                    if matched { found = index }
                }
                // The first term in the policy's order is named: stop early only when it is term 0.
                if found == 0 { return }
            }
        }
        return found
    }

    /// Whether `needle` occurs in `haystack`, byte for byte (both folded).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        var start = 0
        let last = haystack.count - needle.count
        while start <= last {
            if haystack[start] == first {
                var matched = 1
                while matched < needle.count, haystack[start + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            start += 1
        }
        return false
    }

    /// The first string anywhere in `value` that carries a term: its field path and the term.
    public func search(_ value: JSONValue, path: String = "$") -> (path: String, term: String)? {
        switch value {
        case .string(let text):
            return term(in: text).map { (path, $0) }
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = search(item, path: "\(path)[\(index)]") { return found }
            }
            return nil
        case .object(let fields):
            for key in fields.keys.sorted() {
                let child = path == "$" ? key : "\(path).\(key)"
                if let found = term(in: key).map({ (child, $0) }) ?? search(fields[key]!, path: child) {
                    return found
                }
            }
            return nil
        default:
            return nil
        }
    }

    /// The first term in any free text of a document.
    /// Nearly every report carries none, so the text is first read once without paths; only a
    /// report that carries one is searched again for the first field (in key order) and its path.
    public func search(_ document: ReportDocument) -> (path: String, term: String)? {
        guard !folded.isEmpty else { return nil }
        return search(documentText: DocumentText(tree: DocumentCodec().encode(document)))
    }

    /// ``search(_:)-(ReportDocument)`` of a document given as the text it was decoded from
    /// (``SealedReport/documentAndText(codec:)``), which holds the same strings at the same
    /// paths: the node reads every report and need not encode it again.
    public func search(documentText text: DocumentText) -> (path: String, term: String)? {
        guard carriesTerm(text) else { return nil }
        return search(text.json)
    }

    /// Whether any string or key of `text` may carry a term: false only when
    /// `search(text.json)` finds none, read without building a field path for every string.
    func carriesTerm(_ text: DocumentText) -> Bool {
        guard !folded.isEmpty else { return false }
        var scratch = [UInt8](repeating: 0, count: Self.scratchCapacity)
        return text.mayContain { term(inUTF8: $0, scratch: &scratch) != nil }
    }

    /// Bytes the folding buffer starts with: most strings of a report are shorter.
    static let scratchCapacity = 256
}

/// A policy file that cannot be used; the message names the place.
public struct PolicyError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A police-internal label on one of the police's own reports (such as "vuurwapengevaarlijk"):
/// typed, one of the policy's `policeInternal.labels`, kept in the police daemon's store next
/// to the report. No report document has a field for it, so it is never sealed or sent.
public struct PoliceLabel: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public var description: String { name }

    init(checked name: String) { self.name = name }
}

extension PoliceInternalPolicy {
    /// The labels an operator of `organisation` attached to a report: only the police keeps
    /// them (E301 for anyone else), and each must be one of the policy's (E205).
    public func labels(_ names: [String], for organisation: OrganisationCode) throws(Problem) -> [PoliceLabel]
    {
        guard !names.isEmpty else { return [] }
        guard organisation == .police else {
            throw Problem(
                .notPermitted, field: "policeLabels",
                "only the police keeps police-internal labels, in its own daemon; \(organisation) cannot attach them"
            )
        }
        var result: [PoliceLabel] = []
        for name in names {
            guard let known = labels.first(where: { Self.fold($0) == Self.fold(name) }) else {
                throw Problem(
                    .unknownValue, field: "policeLabels",
                    "\"\(name.prefix(40))\" is not a police-internal label; the policy lists: \(labels.joined(separator: ", "))"
                )
            }
            if !result.contains(where: { $0.name == known }) { result.append(PoliceLabel(checked: known)) }
        }
        return result
    }
}
