import KnooppuntDomain

/// The national desk's page, in Dutch or English. The map is drawn into the page once at
/// startup; everything else is filled in by `desk.js` from the live stream.
enum DeskPage {
    static func html(_ language: ScreenLanguage) -> String {
        let t = { (key: String) in HTML.escape(DeskWords.page.text(key, language)) }
        let levels = (1...5).map { level -> String in
            let name = HTML.escape(ReferenceData.builtIn.threatLevels[level]?.name ?? "")
            return "<span><span class=\"swatch t\(level)\"></span>T\(level) \(name)</span>"
        }.joined()
        let map = RegionMap.netherlands.svg(title: DeskWords.page.text("map.title", language))
        return """
            \(HTML.head(language, title: t("title"), words: DeskWords.script, script: "desk.js"))
            <body data-exercise="false">
            <header class="top">
              <h1>KNOOPPUNT</h1>
              <span class="who">\(t("who"))</span>
              <span class="spacer"></span>
              <span class="who" id="session" title="\(t("signedInAs"))"></span>
              <button type="button" id="logout">\(t("logout"))</button>
              \(language.switchLink)
              <span class="clock" id="clock" title="Europe/Amsterdam">--:--:--</span>
              <button type="button" id="theme-toggle" aria-label="\(t("themeToggle"))">\(t("light"))</button>
            </header>
            <div class="banner" id="banner" data-state="connecting" role="status" aria-live="polite">
              <span class="icon" id="banner-icon" aria-hidden="true">…</span>
              <span id="banner-text">\(t("connecting"))</span>
            </div>
            <div class="exercise-banner" id="exercise-banner" role="note">
              <span id="exercise-text">\(t("exercise"))</span>
            </div>
            <main class="desk">
              <div class="column">
                <section class="panel map-wrap" aria-labelledby="map-heading">
                  <h2 id="map-heading">\(t("map.heading"))</h2>
                  <div class="view-toggle" role="group" aria-label="\(t("map.views"))">
                    <button type="button" id="view-real" aria-pressed="true">\(t("map.real"))</button>
                    <button type="button" id="view-exercise" aria-pressed="false">\(t("map.exercise"))</button>
                  </div>
                  \(map)
                  <div class="legend" aria-label="\(t("legend"))">
                    <span>\(t("legend.fill"))</span>\(levels)
                    <span><span class="line"></span>\(t("legend.outline"))</span>
                    <span>\(t("legend.labels"))</span>
                  </div>
                </section>
                <section class="panel threats-panel" aria-labelledby="threats-heading">
                  <h2 id="threats-heading">\(t("threats.heading"))</h2>
                  <ul class="plain" id="threats"><li class="empty">\(t("threats.none"))</li></ul>
                </section>
              </div>
              <div class="column">
                <section class="panel incidents-panel" aria-labelledby="incidents-heading">
                  <h2 id="incidents-heading">\(t("incidents.heading"))</h2>
                  <ul class="plain" id="incidents"><li class="empty">\(t("incidents.none"))</li></ul>
                </section>
                <section class="panel detail-panel" aria-labelledby="detail-heading">
                  <h2 id="detail-heading">\(t("detail.heading"))</h2>
                  <div id="detail"><p class="empty">\(t("detail.none"))</p></div>
                </section>
              </div>
              <div class="column">
                <section class="panel" aria-labelledby="acks-heading">
                  <h2 id="acks-heading">\(t("acks.heading"))</h2>
                  <div id="alarms" role="status" aria-live="assertive"></div>
                  <div id="acks"><p class="empty">\(t("acks.none"))</p></div>
                </section>
                <section class="panel measures-panel" aria-labelledby="measures-heading">
                  <h2 id="measures-heading">\(t("measures.heading"))</h2>
                  <div id="measures"><p class="empty">\(t("measures.none"))</p></div>
                </section>
                <section class="panel" aria-labelledby="live-heading">
                  <h2 id="live-heading">\(t("live.heading"))</h2>
                  <p class="meta" id="liveness-source"></p>
                  <div class="liveness" id="liveness"></div>
                </section>
                <section class="panel" aria-labelledby="actions-heading">
                  <details class="actions" id="actions">
                    <summary id="actions-heading">\(t("actions.heading"))</summary>
                    <form class="write" id="who-form" autocomplete="off">
                      <p class="meta" data-field="person">\(t("actions.person"))</p>
                    </form>
                    <form class="write" id="advice-form" autocomplete="off">
                      <strong>\(t("advice.heading"))</strong>
                      <label>\(t("advice.incident")) <select id="advice-incident" data-field="incident"></select></label>
                      <label>\(t("advice.text"))
                        <textarea id="advice-text" data-field="text" maxlength="4000"></textarea></label>
                      <label>\(t("advice.action"))
                        <textarea id="advice-action" data-field="actionAdvice" maxlength="4000"></textarea></label>
                      <button type="submit" class="primary">\(t("advice.submit"))</button>
                      <div class="result" id="advice-result" role="status" aria-live="polite"></div>
                    </form>
                    <form class="write" id="ack-form" autocomplete="off">
                      <strong>\(t("ack.heading"))</strong>
                      <label>\(t("ack.subject"))
                        <input type="text" id="ack-subject" data-field="subject"></label>
                      <label>\(t("ack.parties"))
                        <input type="text" id="ack-parties" data-field="parties"></label>
                      <label>\(t("ack.minutes"))
                        <input type="text" id="ack-minutes" data-field="deadlineMinutes" value="30" inputmode="numeric"></label>
                      <label>\(t("ack.note")) <input type="text" id="ack-note" data-field="note" maxlength="4000"></label>
                      <button type="submit" class="primary">\(t("ack.submit"))</button>
                      <div class="result" id="ack-result" role="status" aria-live="polite"></div>
                    </form>
                  </details>
                </section>
              </div>
            </main>
            </body>
            </html>
            """
    }
}
