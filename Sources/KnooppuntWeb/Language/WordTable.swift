import StrictJSON

/// The fixed words of a page in both languages: `key → (Dutch, English)`. A page's HTML is
/// rendered with ``text(_:_:)``; the words its script needs travel as JSON in a data block
/// (`<script type="application/json" id="kp-words">`, never executed) that `K.t` reads.
///
/// Placeholders `{0}`, `{1}`, … are filled by the caller (`K.t("key", a, b)` on the page); a
/// word has the same placeholders in both languages (checked by the tests).
struct WordTable: Sendable {
    struct Entry: Sendable {
        let key: String
        let dutch: String
        let english: String

        func text(_ language: ScreenLanguage) -> String {
            switch language {
            case .dutch: dutch
            case .english: english
            }
        }
    }

    let entries: [Entry]
    private let index: [String: Int]

    init(_ words: [(String, String, String)]) {
        entries = words.map { Entry(key: $0.0, dutch: $0.1, english: $0.2) }
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() where index[entry.key] == nil {
            index[entry.key] = position
        }
        self.index = index
    }

    /// Several tables as one (a page's script uses the common words and its own).
    init(_ tables: WordTable...) {
        self.init(tables.flatMap { $0.entries.map { ($0.key, $0.dutch, $0.english) } })
    }

    var keys: [String] { entries.map(\.key) }

    func contains(_ key: String) -> Bool { index[key] != nil }

    /// The word for `key` with `{0}`, `{1}`, … filled in; a key missing from the table is a
    /// programmer error.
    func text(_ key: String, _ language: ScreenLanguage, _ arguments: String...) -> String {
        guard let position = index[key] else { preconditionFailure("no word for \(key)") }
        var text = entries[position].text(language)
        for (number, argument) in arguments.enumerated() {
            text = text.replacingOccurrences(of: "{\(number)}", with: argument)
        }
        return text
    }

    /// The words in one language as a JSON object, safe inside a `<script>` data block: `<`
    /// is written as `\u003c`, so no text can close the block.
    func json(_ language: ScreenLanguage) -> String {
        var object: [String: JSONValue] = [:]
        for entry in entries { object[entry.key] = .string(entry.text(language)) }
        let text = String(decoding: JSONWriter.canonical(.object(object)), as: UTF8.self)
        return text.replacingOccurrences(of: "<", with: "\\u003c")
    }
}
