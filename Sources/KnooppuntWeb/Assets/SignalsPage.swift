import KnooppuntDomain

/// The operator screen's "Signalen" page (`Resources/signals.html`): the signals the
/// organisation sent or received with each recipient's state, the content opened on purpose,
/// and the send form. Everything on it is filled in by `signals.js` from the screen's API.
enum SignalsPage {
    static let template = PageTemplate(named: "signals.html")

    static func html(for organisation: OrganisationCode, language: ScreenLanguage = .dutch) -> String {
        template.render(language, scriptWords: SignalWords.script) { key in
            text(key, organisation, language)
        }
    }

    /// `{{organisation}}` is the code; a word of the page gets the code and the organisation's
    /// name as `{0}` and `{1}`.
    static func text(_ key: String, _ organisation: OrganisationCode, _ language: ScreenLanguage) -> String {
        let code = organisation.rawValue
        if key == "organisation" { return code }
        let name = OrganisationRegistry.installed.organisation(organisation)?.name ?? code
        return SignalWords.page.text(key, language, code, name)
    }
}
