import KnooppuntDomain

/// The login page: a user name, a password, and the answer. The script posts JSON (the
/// content policy forbids plain form posts) and goes to the page on success.
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

    static func html(screen: Screen, organisation: OrganisationCode, language: ScreenLanguage) -> String {
        let title = words.text("screen.\(screen.rawValue)", language)
        let t = { (key: String) in
            HTML.escape(words.text(key, language, title, organisation.rawValue))
        }
        return """
            \(HTML.head(language, title: t("title"), words: scriptWords, script: "login.js"))
            <body>
            <header class="top">
              <h1>KNOOPPUNT</h1>
              <span class="who">\(HTML.escape(title)) (\(HTML.escape(organisation.rawValue)))</span>
              <span class="spacer"></span>
              \(language.switchLink)
            </header>
            <main class="login">
              <form class="write" id="login-form" autocomplete="on">
                <strong>\(t("heading"))</strong>
                <label>\(t("user")) <input type="text" id="login-user" autocomplete="username" required></label>
                <label>\(t("password")) <input type="password" id="login-password" autocomplete="current-password" required></label>
                <button type="submit" id="login-submit">\(t("submit"))</button>
                <p class="result" id="login-result" role="status" aria-live="polite"></p>
              </form>
            </main>
            </body>
            </html>
            """
    }

    static let script = """
        "use strict";
        document.addEventListener("DOMContentLoaded", () => {
          const form = document.getElementById("login-form");
          const result = document.getElementById("login-result");
          form.addEventListener("submit", async (event) => {
            event.preventDefault();
            result.className = "result wait";
            result.textContent = K.t("checking");
            const response = await fetch("/api/v1/login", {
              method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
              body: JSON.stringify({
                user: document.getElementById("login-user").value.trim(),
                password: document.getElementById("login-password").value,
              }),
            });
            document.getElementById("login-password").value = "";
            if (response.ok) {
              window.location.assign("/");
              return;
            }
            const body = await response.json().catch(() => ({}));
            result.className = "result bad";
            result.textContent = K.failure(body);
          });
        });
        """
}
