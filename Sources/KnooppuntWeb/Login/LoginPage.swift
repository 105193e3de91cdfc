import KnooppuntDomain

/// The login page: a user name, a password, and the answer. The script posts JSON (the
/// content policy forbids plain form posts) and goes to the page on success.
enum LoginPage {
    static func html(title: String, organisation: OrganisationCode) -> String {
        """
        <!doctype html>
        <html lang="en" data-theme="dark">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Knooppunt · log in · \(HTML.escape(title))</title>
        <link rel="stylesheet" href="/assets/knooppunt.css">
        <script src="/assets/login.js" defer></script>
        </head>
        <body>
        <header class="top">
          <h1>KNOOPPUNT</h1>
          <span class="who">\(HTML.escape(title)) (\(HTML.escape(organisation.rawValue)))</span>
        </header>
        <main class="login">
          <form class="write" id="login-form" autocomplete="on">
            <strong>Log in with your account of \(HTML.escape(organisation.rawValue))</strong>
            <label>User name <input type="text" id="login-user" autocomplete="username" required></label>
            <label>Password <input type="password" id="login-password" autocomplete="current-password" required></label>
            <button type="submit" id="login-submit">Log in</button>
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
            result.textContent = "Checking…";
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
            result.textContent = "E" + body.code + " " + body.name + ": " + body.message;
          });
        });
        """
}
