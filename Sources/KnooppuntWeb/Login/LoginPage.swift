import KnooppuntDomain

/// The login page (`Resources/login.html`): a user name, a password, and the answer. The script posts JSON (the
/// content policy forbids plain form posts; `login.js`) and goes to the page on success.
enum LoginPage {
    /// Which screen the login page opens.
    enum Screen: String, Sendable {
        case desk, operatorScreen
    }

    static let words = WordTable([
        ("screen.desk", "Landelijk knooppunt", "National desk"),
        ("screen.operatorScreen", "Operatorscherm", "Operator screen"),
        ("title", "Knooppunt · inloggen · {0}", "Knooppunt · log in · {0}"),
        ("heading", "Inloggen met uw account van {1}", "Log in with your account of {1}"),
        ("user", "Gebruikersnaam", "User name"),
        ("password", "Wachtwoord", "Password"),
        ("submit", "Inloggen", "Log in"),
    ])

    static let scriptWords = WordTable(
        CommonWords.script,
        WordTable([("checking", "Controleren…", "Checking…")]))

    static let template = PageTemplate(named: "login.html")

    static func html(screen: Screen, organisation: OrganisationCode, language: ScreenLanguage) -> String {
        let title = words.text("screen.\(screen.rawValue)", language)
        return template.render(language, scriptWords: scriptWords) { key in
            switch key {
            case "screen": title
            case "organisation": organisation.rawValue
            default: words.text(key, language, title, organisation.rawValue)
            }
        }
    }
}
