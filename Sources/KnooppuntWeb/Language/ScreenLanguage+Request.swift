import Hummingbird

/// Which language a page is served in: `?lang=nl|en` chooses it and keeps the choice in a
/// cookie; without the query the cookie decides; otherwise Dutch.
///
/// The cookie is no secret (it is readable by the page, and names only a language); it is
/// shared by the desk and the screens on one host, so a person chooses once.
extension ScreenLanguage {
    static let cookieName = "knooppunt_lang"
    /// A year: the choice outlives sessions and shifts.
    static let cookieMaxAge = 365 * 24 * 3600

    /// The language a request asks for, and the `Set-Cookie` value when it chose one by query.
    static func chosen(by request: Request) -> (language: ScreenLanguage, setCookie: String?) {
        if let asked = request.uri.queryParameters.get("lang").flatMap(ScreenLanguage.init(rawValue:)) {
            return (asked, asked.cookie)
        }
        return (stored(in: request) ?? .dutch, nil)
    }

    /// The language the request's cookie holds, if any.
    static func stored(in request: Request) -> ScreenLanguage? {
        request.cookie(cookieName).flatMap(ScreenLanguage.init(rawValue:))
    }

    /// `Set-Cookie` that keeps this language.
    var cookie: String {
        "\(Self.cookieName)=\(rawValue); Path=/; Max-Age=\(Self.cookieMaxAge); SameSite=Strict"
    }

    /// The other language, offered by the switch in every page's header.
    var other: ScreenLanguage { self == .dutch ? .english : .dutch }

    /// The other language's own name ("English" on a Dutch page, "Nederlands" on an English one).
    var name: String { self == .dutch ? "Nederlands" : "English" }

    /// The header's switch to the other language: a plain link, so it needs no script.
    var switchLink: String {
        let to = other
        return
            "<a class=\"lang-switch\" id=\"lang-switch\" href=\"?lang=\(to.rawValue)\" lang=\"\(to.rawValue)\" "
            + "hreflang=\"\(to.rawValue)\">\(to.name)</a>"
    }
}

extension HTTPReply {
    /// A page in each language, rendered once; served in the request's language.
    static func page(
        _ pages: [ScreenLanguage: String], for request: Request
    ) -> Response {
        let (language, setCookie) = ScreenLanguage.chosen(by: request)
        var response = asset(pages[language] ?? "", type: "text/html; charset=utf-8")
        if let setCookie { response.headers[.setCookie] = setCookie }
        return response
    }

    /// Renders `render` in every language.
    static func pages(_ render: (ScreenLanguage) -> String) -> [ScreenLanguage: String] {
        Dictionary(uniqueKeysWithValues: ScreenLanguage.allCases.map { ($0, render($0)) })
    }
}
