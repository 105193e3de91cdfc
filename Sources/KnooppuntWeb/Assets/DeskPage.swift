import KnooppuntDomain

/// The national desk's page. The map is drawn into the page once at startup; everything
/// else is filled in by `desk.js` from the live stream.
enum DeskPage {
    static let html: String = {
        let levels = (1...5).map { level -> String in
            let name = HTML.escape(ReferenceData.builtIn.threatLevels[level]?.name ?? "")
            return "<span><span class=\"swatch t\(level)\"></span>T\(level) \(name)</span>"
        }.joined()
        return """
            <!doctype html>
            <html lang="en" data-theme="dark">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Knooppunt · national desk</title>
            <link rel="stylesheet" href="/assets/knooppunt.css">
            <script src="/assets/common.js" defer></script>
            <script src="/assets/desk.js" defer></script>
            </head>
            <body data-exercise="false">
            <header class="top">
              <h1>KNOOPPUNT</h1>
              <span class="who">National desk · Landelijk knooppunt (NATIONAL)</span>
              <span class="spacer"></span>
              <span class="who" id="session" title="Signed in as"></span>
              <button type="button" id="logout">Log out</button>
              <span class="clock" id="clock" title="Europe/Amsterdam">--:--:--</span>
              <button type="button" id="theme-toggle" aria-label="Switch between dark and light theme">Light</button>
            </header>
            <div class="banner" id="banner" data-state="connecting" role="status" aria-live="polite">
              <span class="icon" id="banner-icon" aria-hidden="true">…</span>
              <span id="banner-text">Connecting to the desk…</span>
            </div>
            <div class="exercise-banner" id="exercise-banner" role="note">
              <span id="exercise-text">OEFENING · EXERCISE</span>
            </div>
            <main class="desk">
              <div class="column">
                <section class="panel map-wrap" aria-labelledby="map-heading">
                  <h2 id="map-heading">Safety regions</h2>
                  <div class="view-toggle" role="group" aria-label="Which picture the map shows">
                    <button type="button" id="view-real" aria-pressed="true">Real picture</button>
                    <button type="button" id="view-exercise" aria-pressed="false">Exercise picture</button>
                  </div>
                  \(RegionMap.netherlands.svg)
                  <div class="legend" aria-label="Legend">
                    <span>Fill: threat level (T)</span>\(levels)
                    <span><span class="line"></span>Outline: GRIP (G1 dashed … G3+ solid, thicker when higher)</span>
                    <span>Labels: code, T threat level, G GRIP</span>
                  </div>
                </section>
                <section class="panel threats-panel" aria-labelledby="threats-heading">
                  <h2 id="threats-heading">Threat levels</h2>
                  <ul class="plain" id="threats"><li class="empty">No threat levels in the picture.</li></ul>
                </section>
              </div>
              <div class="column">
                <section class="panel incidents-panel" aria-labelledby="incidents-heading">
                  <h2 id="incidents-heading">Incidents</h2>
                  <ul class="plain" id="incidents"><li class="empty">No incidents.</li></ul>
                </section>
                <section class="panel detail-panel" aria-labelledby="detail-heading">
                  <h2 id="detail-heading">Situation reports (BOB)</h2>
                  <div id="detail"><p class="empty">Choose an incident to see its sitrep timeline.</p></div>
                </section>
              </div>
              <div class="column">
                <section class="panel" aria-labelledby="acks-heading">
                  <h2 id="acks-heading">Acknowledgements</h2>
                  <div id="alarms" role="status" aria-live="assertive"></div>
                  <div id="acks"><p class="empty">No acknowledgement requests.</p></div>
                </section>
                <section class="panel measures-panel" aria-labelledby="measures-heading">
                  <h2 id="measures-heading">Measures per municipality</h2>
                  <div id="measures"><p class="empty">No measures reported.</p></div>
                </section>
                <section class="panel" aria-labelledby="live-heading">
                  <h2 id="live-heading">Liveness</h2>
                  <p class="meta" id="liveness-source"></p>
                  <div class="liveness" id="liveness"></div>
                </section>
                <section class="panel" aria-labelledby="actions-heading">
                  <details class="actions" id="actions">
                    <summary id="actions-heading">Desk actions (national advice, acknowledgement requests)</summary>
                    <form class="write" id="who-form" autocomplete="off">
                      <p class="meta" data-field="person">Every action is recorded under the name you are signed in with.</p>
                    </form>
                    <form class="write" id="advice-form" autocomplete="off">
                      <strong>National advice on an incident</strong>
                      <label>Incident <select id="advice-incident" data-field="incident"></select></label>
                      <label>Advice (beeld MULTI)
                        <textarea id="advice-text" data-field="text" maxlength="4000"></textarea></label>
                      <label>Action advice for the public (optional)
                        <textarea id="advice-action" data-field="actionAdvice" maxlength="4000"></textarea></label>
                      <button type="submit" class="primary">Publish advice</button>
                      <div class="result" id="advice-result" role="status" aria-live="polite"></div>
                    </form>
                    <form class="write" id="ack-form" autocomplete="off">
                      <strong>Request acknowledgement</strong>
                      <label>Report id to acknowledge
                        <input type="text" id="ack-subject" data-field="subject"></label>
                      <label>Parties (comma-separated, e.g. VR09, VR14, POLICE)
                        <input type="text" id="ack-parties" data-field="parties"></label>
                      <label>Deadline in minutes
                        <input type="text" id="ack-minutes" data-field="deadlineMinutes" value="30" inputmode="numeric"></label>
                      <label>Note <input type="text" id="ack-note" data-field="note" maxlength="4000"></label>
                      <button type="submit" class="primary">Request acknowledgement</button>
                      <div class="result" id="ack-result" role="status" aria-live="polite"></div>
                    </form>
                  </details>
                </section>
              </div>
            </main>
            </body>
            </html>
            """
    }()
}
