import KnooppuntDomain

/// The operator screen's page: a sitrep form in the BOB structure (beeld per discipline,
/// oordeel, besluiten, acties, crisis communication) whose fields carry the document path
/// they fill (`data-field`), so every validation problem appears next to its field.
enum ScreenPage {
    static let classifications = [
        ("partners", "partners (every organisation)"), ("public", "public"),
        ("national", "national (NATIONAL, NCTV)"),
        ("police", "police only"),
    ]

    static func html(for organisation: OrganisationCode) -> String {
        let name = HTML.escape(ReferenceData.builtIn.regions[organisation]?.name ?? organisation.rawValue)
        let code = organisation.rawValue
        func classification(_ path: String, _ chosen: String = "partners") -> String {
            let options = classifications.map { value, label in
                "<option value=\"\(value)\"\(value == chosen ? " selected" : "")>\(label)</option>"
            }.joined()
            let id = path.replacingOccurrences(of: ".", with: "-")
            return
                "<label>Classification <select id=\"\(id)\" data-field=\"\(path)\">\(options)</select></label>"
        }
        let disciplines: [(String, String)] = [
            ("MULTI", "Multidisciplinary"), ("BRW", "Fire service (BRW)"), ("POL", "Police (POL)"),
            ("GZ", "Medical (GZ)"), ("BZ", "Population care (BZ)"), ("CCOM", "Crisis communication (CCOM)"),
            ("DEF", "Defence (DEF)"),
        ]
        let beeld = disciplines.map { discipline, label in
            """
            <div class="grid2"><label>\(label)
              <textarea id="beeld-\(discipline)-text" data-field="beeld.\(discipline).text" maxlength="4000"></textarea></label>
              \(classification("beeld.\(discipline).classification", discipline == "POL" ? "police" : "partners"))</div>
            """
        }.joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="en" data-theme="dark">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Knooppunt · \(code) operator screen</title>
            <link rel="stylesheet" href="/assets/knooppunt.css">
            <script src="/assets/common.js" defer></script>
            <script src="/assets/screen.js" defer></script>
            </head>
            <body data-organisation="\(code)" data-exercise="false">
            <header class="top">
              <h1>KNOOPPUNT</h1>
              <span class="who">Operator screen · \(code) \(name)</span>
              <span class="spacer"></span>
              <span class="clock" id="clock" title="Europe/Amsterdam">--:--:--</span>
              <span class="who" id="session" title="Signed in as"></span>
              <button type="button" id="logout">Log out</button>
              <button type="button" id="theme-toggle" aria-label="Switch between dark and light theme">Light</button>
            </header>
            <div class="banner" id="banner" data-state="connecting" role="status" aria-live="polite">
              <span class="icon" id="banner-icon" aria-hidden="true">…</span>
              <span id="banner-text">Connecting to the daemon of \(code)…</span>
            </div>
            <div class="exercise-banner" role="note"><span>OEFENING · EXERCISE: this sitrep is marked as an exercise</span></div>
            <main class="screen">
              <section class="panel" aria-labelledby="compose-heading">
                <h2 id="compose-heading">Compose a sitrep (BOB)</h2>
                <div class="error-summary" id="error-summary" role="alert"></div>
                <form id="sitrep-form" class="write" autocomplete="off" novalidate>
                  <fieldset><legend>Report</legend>
                    <div class="grid2">
                      <label>Incident <input type="text" id="incident" data-field="incident" list="incident-list"
                        placeholder="\(code)-20250611-01"></label>
                      <label>Verification <select id="verification" data-field="verification">
                        <option value="unconfirmed">unconfirmed</option><option value="confirmed">confirmed</option>
                        <option value="retracted">retracted</option></select></label>
                      <label>Confidence <select id="confidence" data-field="confidence">
                        <option value="low">low</option><option value="medium" selected>medium</option>
                        <option value="high">high</option></select></label>
                    </div>
                    <label class="check"><input type="checkbox" id="exercise" data-field="exercise"> Exercise (oefening)</label>
                    <datalist id="incident-list"></datalist>
                  </fieldset>
                  <fieldset id="fieldset-beeld" tabindex="-1" data-field="beeld"><legend>Beeld (picture per discipline; at least one)</legend>
                  \(beeld)
                  </fieldset>
                  <fieldset id="fieldset-oordeel" tabindex="-1" data-field="oordeel"><legend>Oordeel (judgement)</legend>
                    <label>Prognosis <textarea id="oordeel-prognosis" data-field="oordeel.prognosis"></textarea></label>
                    <div class="grid2">
                      <label>Bottlenecks (one per line)
                        <textarea id="oordeel-bottlenecks" data-field="oordeel.bottlenecks"></textarea></label>
                      <label>Risks (one per line) <textarea id="oordeel-risks" data-field="oordeel.risks"></textarea></label>
                    </div>
                    \(classification("oordeel.classification"))
                  </fieldset>
                  <fieldset id="fieldset-besluiten" tabindex="-1" data-field="besluiten"><legend>Besluiten (decisions)</legend>
                    <label>Decisions (one per line) <textarea id="besluiten-items" data-field="besluiten.items"></textarea></label>
                    <label>Decided by <input type="text" id="besluiten-by" data-field="besluiten.items[0].decidedBy" maxlength="120"></label>
                    \(classification("besluiten.classification"))
                  </fieldset>
                  <fieldset id="fieldset-acties" tabindex="-1" data-field="acties"><legend>Acties (actions)</legend>
                    <div class="grid2">
                      <label>Action <input type="text" id="acties-text" data-field="acties.items[0].text"></label>
                      <label>Owner <input type="text" id="acties-owner" data-field="acties.items[0].owner" maxlength="120"></label>
                      <label>Deadline (Europe/Amsterdam) <input type="datetime-local" id="acties-deadline"
                        data-field="acties.items[0].deadline"></label>
                      \(classification("acties.classification"))
                    </div>
                  </fieldset>
                  <fieldset id="fieldset-communicatie" tabindex="-1" data-field="communicatie"><legend>Crisiscommunicatie</legend>
                    <label>Core message <textarea id="communicatie-core" data-field="communicatie.coreMessage"></textarea></label>
                    <label>Action advice for the public (handelingsperspectief)
                      <textarea id="communicatie-advice" data-field="communicatie.actionAdvice"></textarea></label>
                    <label>Target area: regions (comma-separated) <input type="text" id="communicatie-regions"
                      data-field="communicatie.targetArea" value="\(code)"></label>
                    \(classification("communicatie.classification", "public"))
                  </fieldset>
                  <div class="grid2">
                    <button type="button" id="check">Check (Alt+C)</button>
                    <button type="submit" class="primary" id="send">Send to the national node (Ctrl+Enter)</button>
                  </div>
                  <div class="result" id="send-result" role="status" aria-live="polite"></div>
                </form>
              </section>
              <div class="column">
                <section class="panel" aria-labelledby="threat-heading">
                  <h2 id="threat-heading">Threat level for \(code)</h2>
                  <div class="threat-box" id="own-threat">No threat level known yet.</div>
                  <p id="own-advice"></p>
                </section>
                <section class="panel" aria-labelledby="delivery-heading">
                  <h2 id="delivery-heading">My reports: delivery</h2>
                  <ul class="plain" id="deliveries"><li class="empty">Nothing sent from this screen yet.</li></ul>
                </section>
                <section class="panel" aria-labelledby="requests-heading">
                  <h2 id="requests-heading">Acknowledgements asked of \(code)</h2>
                  <div id="own-requests"><p class="empty">None.</p></div>
                </section>
                <section class="panel" aria-labelledby="national-heading">
                  <h2 id="national-heading">National picture (as \(code) sees it)</h2>
                  <table class="board"><thead><tr><th>Region</th><th>GRIP</th><th>Threat</th><th>Open</th></tr></thead>
                    <tbody id="regions"></tbody></table>
                  <h2>Incidents</h2>
                  <ul class="plain" id="incidents"><li class="empty">No incidents.</li></ul>
                </section>
              </div>
            </main>
            </body>
            </html>
            """
    }
}
