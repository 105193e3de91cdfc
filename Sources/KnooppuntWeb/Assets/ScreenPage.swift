import KnooppuntDomain

/// The operator screen's page: a sitrep form in the BOB structure (beeld per discipline,
/// oordeel, besluiten, acties, crisis communication) whose fields carry the document path
/// they fill (`data-field`), so every validation problem appears next to its field.
enum ScreenPage {
    static let classifications = ["partners", "public", "national", "police"]
    static let disciplines = ["MULTI", "BRW", "POL", "GZ", "BZ", "CCOM", "DEF"]

    static func html(for organisation: OrganisationCode, language: ScreenLanguage = .dutch) -> String {
        // Escaped once, with the word it is put in.
        let name = ReferenceData.builtIn.regions[organisation]?.name ?? organisation.rawValue
        let code = organisation.rawValue
        let t = { (key: String) in HTML.escape(ScreenWords.page.text(key, language, code, name)) }
        func classification(_ path: String, _ chosen: String = "partners") -> String {
            let options = classifications.map { value in
                "<option value=\"\(value)\"\(value == chosen ? " selected" : "")>\(t("class." + value))</option>"
            }.joined()
            let id = path.replacingOccurrences(of: ".", with: "-")
            return
                "<label>\(t("classification")) <select id=\"\(id)\" data-field=\"\(path)\">\(options)</select></label>"
        }
        func options(_ kind: String, _ values: [String], chosen: String) -> String {
            values.map { value in
                let word = HTML.escape(CommonWords.script.text("\(kind).\(value)", language))
                return "<option value=\"\(value)\"\(value == chosen ? " selected" : "")>\(word)</option>"
            }.joined()
        }
        let beeld = disciplines.map { discipline in
            """
            <div class="grid2"><label>\(t("discipline." + discipline))
              <textarea id="beeld-\(discipline)-text" data-field="beeld.\(discipline).text" maxlength="4000"></textarea></label>
              \(classification("beeld.\(discipline).classification", discipline == "POL" ? "police" : "partners"))</div>
            """
        }.joined(separator: "\n")
        return """
            \(HTML.head(language, title: t("title"), words: ScreenWords.script, script: "screen.js"))
            <body data-organisation="\(code)" data-exercise="false">
            <header class="top">
              <h1>KNOOPPUNT</h1>
              <span class="who">\(t("who"))</span>
              <span class="spacer"></span>
              <span class="clock" id="clock" title="Europe/Amsterdam">--:--:--</span>
              <span class="who" id="session" title="\(t("signedInAs"))"></span>
              <button type="button" id="logout">\(t("logout"))</button>
              \(language.switchLink)
              <button type="button" id="theme-toggle" aria-label="\(t("themeToggle"))">\(t("light"))</button>
            </header>
            <div class="banner" id="banner" data-state="connecting" role="status" aria-live="polite">
              <span class="icon" id="banner-icon" aria-hidden="true">…</span>
              <span id="banner-text">\(t("connecting"))</span>
            </div>
            <div class="exercise-banner" role="note"><span>\(t("exercise"))</span></div>
            <main class="screen">
              <section class="panel" aria-labelledby="compose-heading">
                <h2 id="compose-heading">\(t("compose.heading"))</h2>
                <div class="error-summary" id="error-summary" role="alert"></div>
                <form id="sitrep-form" class="write" autocomplete="off" novalidate>
                  <fieldset><legend>\(t("report"))</legend>
                    <div class="grid2">
                      <label>\(t("incident")) <input type="text" id="incident" data-field="incident" list="incident-list"
                        placeholder="\(code)-20250611-01"></label>
                      <label>\(t("verification")) <select id="verification" data-field="verification">
                        \(options("verification", ["unconfirmed", "confirmed", "retracted"], chosen: "unconfirmed"))</select></label>
                      <label>\(t("confidence")) <select id="confidence" data-field="confidence">
                        \(options("confidence", ["low", "medium", "high"], chosen: "medium"))</select></label>
                    </div>
                    <label class="check"><input type="checkbox" id="exercise" data-field="exercise"> \(t("exercise.check"))</label>
                    <datalist id="incident-list"></datalist>
                  </fieldset>
                  <fieldset id="fieldset-beeld" tabindex="-1" data-field="beeld"><legend>\(t("beeld"))</legend>
                  \(beeld)
                  </fieldset>
                  <fieldset id="fieldset-oordeel" tabindex="-1" data-field="oordeel"><legend>\(t("oordeel"))</legend>
                    <label>\(t("prognosis")) <textarea id="oordeel-prognosis" data-field="oordeel.prognosis"></textarea></label>
                    <div class="grid2">
                      <label>\(t("bottlenecks"))
                        <textarea id="oordeel-bottlenecks" data-field="oordeel.bottlenecks"></textarea></label>
                      <label>\(t("risks")) <textarea id="oordeel-risks" data-field="oordeel.risks"></textarea></label>
                    </div>
                    \(classification("oordeel.classification"))
                  </fieldset>
                  <fieldset id="fieldset-besluiten" tabindex="-1" data-field="besluiten"><legend>\(t("besluiten"))</legend>
                    <label>\(t("decisions")) <textarea id="besluiten-items" data-field="besluiten.items"></textarea></label>
                    <label>\(t("decidedBy")) <input type="text" id="besluiten-by" data-field="besluiten.items[0].decidedBy" maxlength="120"></label>
                    \(classification("besluiten.classification"))
                  </fieldset>
                  <fieldset id="fieldset-acties" tabindex="-1" data-field="acties"><legend>\(t("acties"))</legend>
                    <div class="grid2">
                      <label>\(t("action")) <input type="text" id="acties-text" data-field="acties.items[0].text"></label>
                      <label>\(t("owner")) <input type="text" id="acties-owner" data-field="acties.items[0].owner" maxlength="120"></label>
                      <label>\(t("deadline")) <input type="datetime-local" id="acties-deadline"
                        data-field="acties.items[0].deadline"></label>
                      \(classification("acties.classification"))
                    </div>
                  </fieldset>
                  <fieldset id="fieldset-communicatie" tabindex="-1" data-field="communicatie"><legend>\(t("communicatie"))</legend>
                    <label>\(t("coreMessage")) <textarea id="communicatie-core" data-field="communicatie.coreMessage"></textarea></label>
                    <label>\(t("actionAdvice"))
                      <textarea id="communicatie-advice" data-field="communicatie.actionAdvice"></textarea></label>
                    <label>\(t("targetArea")) <input type="text" id="communicatie-regions"
                      data-field="communicatie.targetArea" value="\(code)"></label>
                    \(classification("communicatie.classification", "public"))
                  </fieldset>
                  <div class="grid2">
                    <button type="button" id="check">\(t("check"))</button>
                    <button type="submit" class="primary" id="send">\(t("send"))</button>
                  </div>
                  <div class="result" id="send-result" role="status" aria-live="polite"></div>
                </form>
              </section>
              <div class="column">
                <section class="panel" aria-labelledby="threat-heading">
                  <h2 id="threat-heading">\(t("threat.heading"))</h2>
                  <div class="threat-box" id="own-threat">\(t("threat.none"))</div>
                  <p id="own-advice"></p>
                </section>
                <section class="panel" aria-labelledby="delivery-heading">
                  <h2 id="delivery-heading">\(t("delivery.heading"))</h2>
                  <ul class="plain" id="deliveries"><li class="empty">\(t("delivery.none"))</li></ul>
                </section>
                <section class="panel" aria-labelledby="requests-heading">
                  <h2 id="requests-heading">\(t("requests.heading"))</h2>
                  <div id="own-requests"><p class="empty">\(t("requests.none"))</p></div>
                </section>
                <section class="panel" aria-labelledby="national-heading">
                  <h2 id="national-heading">\(t("national.heading"))</h2>
                  <table class="board"><thead><tr><th>\(t("col.region"))</th><th>\(t("col.grip"))</th><th>\(t("col.threat"))</th><th>\(t("col.open"))</th></tr></thead>
                    <tbody id="regions"></tbody></table>
                  <h2>\(t("incidents"))</h2>
                  <ul class="plain" id="incidents"><li class="empty">\(t("incidents.none"))</li></ul>
                </section>
              </div>
            </main>
            </body>
            </html>
            """
    }
}
