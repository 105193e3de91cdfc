/// A page from `Resources/` with its placeholders, filled in one pass:
/// - `{{key}}` is text (a word in the page's language, an organisation code), HTML-escaped
///   here and nowhere else;
/// - `{{{name}}}` is markup the page builds itself (the words block, the language switch, the
///   map), inserted as it is.
///
/// The HTML stays a file that tools can read; the Swift side only supplies the values. A page
/// loads its scripts from `/assets` only (the content policy allows no inline script); the
/// words its script reads (`K.t`) travel in a JSON data block, `{{{words}}}`, which is never
/// executed and in which `WordTable.json` writes `<` as `\u003c`, so no word can close it.
struct PageTemplate: Sendable {
    enum Part: Sendable, Equatable {
        case literal(String)
        case text(String)
        case markup(String)
    }

    let parts: [Part]

    /// The page of `Resources/` called `name`. Its final line break is dropped, so a page ends
    /// with `</html>` as it always has.
    init(named name: String) {
        var source = WebAssets.text(name)
        if source.hasSuffix("\n") { source.removeLast() }
        self.init(source)
    }

    init(_ source: String) {
        var parts: [Part] = []
        var rest = Substring(source)
        while let open = rest.firstRange(of: "{{") {
            parts.append(.literal(String(rest[..<open.lowerBound])))
            let inside = rest[open.upperBound...]
            let isMarkup = inside.hasPrefix("{")
            let body = isMarkup ? inside.dropFirst() : inside
            guard let close = body.firstRange(of: isMarkup ? "}}}" : "}}") else {
                preconditionFailure("a placeholder in a page template is not closed: \(body.prefix(40))")
            }
            let name = String(body[..<close.lowerBound])
            parts.append(isMarkup ? .markup(name) : .text(name))
            rest = body[close.upperBound...]
        }
        parts.append(.literal(String(rest)))
        self.parts = parts
    }

    /// The names of the `{{key}}` placeholders, in order (the tests check each has a word).
    var textKeys: [String] {
        parts.compactMap { if case .text(let key) = $0 { key } else { nil } }
    }

    /// The names of the `{{{name}}}` placeholders, in order.
    var markupNames: [String] {
        parts.compactMap { if case .markup(let name) = $0 { name } else { nil } }
    }

    /// The page in `language`. Every page knows `{{{lang}}}`, `{{{words}}}` (the JSON of
    /// `scriptWords` for `K.t`) and `{{{switchLink}}}`; `markup` supplies the page's own
    /// fragments. A placeholder nobody knows is a programmer error.
    func render(
        _ language: ScreenLanguage, scriptWords: WordTable, text: (String) -> String,
        markup: (String) -> String? = { _ in nil }
    ) -> String {
        var page = ""
        for part in parts {
            switch part {
            case .literal(let literal): page += literal
            case .text(let key): page += HTML.escape(text(key))
            case .markup("lang"): page += language.rawValue
            case .markup("words"): page += scriptWords.json(language)
            case .markup("switchLink"): page += language.switchLink
            case .markup(let name):
                guard let fragment = markup(name) else {
                    preconditionFailure("no markup for {{{\(name)}}} in a page template")
                }
                page += fragment
            }
        }
        return page
    }
}
