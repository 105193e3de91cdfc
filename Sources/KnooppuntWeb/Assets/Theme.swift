/// The stylesheet of every Knooppunt screen: a dark theme for night shifts and a light one,
/// system fonts only (nothing is fetched), and states that are always told in text or shape
/// as well as in colour.
enum Theme {
    static let css = """
        :root, [data-theme="dark"] {
          --bg: #0f1419; --panel: #171e26; --panel-2: #1f2832; --line: #2c3846; --text: #e6edf3;
          --muted: #9fb0c0; --accent: #6cb6ff; --focus: #ffd33d;
          --ok: #3fb950; --warn: #d29922; --bad: #f85149; --info: #58a6ff;
          --region: #27313c; --region-edge: #5c6b7a; --grip: #7ee0ff; --rijk: #d2a8ff;
          --t1: #3b4a2f; --t2: #7a6a1e; --t3: #a55a1a; --t4: #b8321f; --t5: #e0005a;
          --label: #ffffff; --label-halo: #0f1419;
          color-scheme: dark;
        }
        [data-theme="light"] {
          --bg: #f4f6f8; --panel: #ffffff; --panel-2: #eef2f5; --line: #cfd8e0; --text: #14202b;
          --muted: #4f6070; --accent: #0b5cad; --focus: #b35900;
          --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --info: #0969da;
          --region: #e3e8ed; --region-edge: #7d8b99; --grip: #003a8c; --rijk: #6f2dbd;
          --t1: #e8f1d8; --t2: #fbe39a; --t3: #f7b267; --t4: #ec6a4a; --t5: #b3003c;
          --label: #0d1a26; --label-halo: #ffffff;
          color-scheme: light;
        }
        * { box-sizing: border-box; }
        html, body { margin: 0; height: 100%; }
        body {
          background: var(--bg); color: var(--text);
          font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif;
        }
        a { color: var(--accent); }
        :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
        button, input, select, textarea {
          font: inherit; color: inherit; background: var(--panel-2); border: 1px solid var(--line);
          border-radius: 4px; padding: 4px 8px;
        }
        button { cursor: pointer; }
        button.primary { background: var(--accent); color: var(--bg); border-color: var(--accent); font-weight: 600; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        header.top {
          display: flex; align-items: center; gap: 16px; padding: 6px 14px; background: var(--panel);
          border-bottom: 1px solid var(--line);
        }
        header.top h1 { font-size: 17px; margin: 0; letter-spacing: .04em; }
        header.top .who { color: var(--muted); }
        header.top .spacer { flex: 1; }
        header.top .clock { font-variant-numeric: tabular-nums; font-size: 16px; }
        .banner {
          display: flex; gap: 10px; align-items: center; padding: 6px 14px; font-weight: 600;
          border-bottom: 1px solid var(--line);
        }
        .banner .icon { font-size: 16px; width: 1.4em; text-align: center; }
        .banner[data-state="live"] { background: color-mix(in srgb, var(--ok) 18%, var(--panel)); }
        .banner[data-state="connecting"] { background: color-mix(in srgb, var(--info) 20%, var(--panel)); }
        .banner[data-state="stale"], .banner[data-state="degraded"] {
          background: color-mix(in srgb, var(--warn) 30%, var(--panel));
        }
        .banner[data-state="unreachable"], .banner[data-state="desk-offline"] {
          background: var(--bad); color: #ffffff;
        }
        .exercise-banner {
          display: none; padding: 6px 14px; font-weight: 800; letter-spacing: .06em; color: #111;
          background: repeating-linear-gradient(-45deg, #ffd400 0 14px, #111 14px 28px);
        }
        .exercise-banner span { background: #ffd400; padding: 2px 10px; border-radius: 3px; }
        body[data-exercise="true"] .exercise-banner { display: block; }
        .tag-exercise {
          display: inline-block; font-weight: 800; font-size: 11px; letter-spacing: .06em; color: #111;
          padding: 0 6px; border-radius: 3px; border: 2px solid #111;
          background: repeating-linear-gradient(-45deg, #ffd400 0 6px, #fff3a0 6px 12px);
        }
        main.desk {
          display: grid; grid-template-columns: minmax(360px, 38fr) minmax(340px, 34fr) minmax(300px, 28fr);
          gap: 10px; padding: 10px; height: calc(100vh - 84px); min-height: 560px;
        }
        body[data-exercise="true"] main.desk { height: calc(100vh - 116px); }
        section.panel {
          background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
          overflow: auto; min-height: 0;
        }
        section.panel h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted);
          margin: 2px 0 8px; }
        .column { display: flex; flex-direction: column; gap: 10px; min-height: 0; }
        .column > section.panel { flex: 1 1 auto; }
        /* The map */
        .column > section.map-wrap { display: flex; flex-direction: column; gap: 6px; flex: 1 1 auto; overflow: hidden; }
        .column > section.threats-panel { flex: 0 0 auto; max-height: 26vh; }
        svg.map { flex: 1 1 0; min-height: 220px; width: 100%; height: 100%; display: block; }
        svg.map .region .area { fill: var(--region); stroke: var(--region-edge); stroke-width: .8; }
        svg.map .region:hover .area, svg.map .region:focus .area { stroke: var(--focus); stroke-width: 2.2; }
        svg.map .region[data-threat="1"] .area { fill: var(--t1); }
        svg.map .region[data-threat="2"] .area { fill: var(--t2); }
        svg.map .region[data-threat="3"] .area { fill: var(--t3); }
        svg.map .region[data-threat="4"] .area { fill: var(--t4); }
        svg.map .region[data-threat="5"] .area { fill: var(--t5); }
        svg.map .region[data-grip="1"] .area { stroke: var(--grip); stroke-width: 1.6; stroke-dasharray: 3 2; }
        svg.map .region[data-grip="2"] .area { stroke: var(--grip); stroke-width: 2.2; stroke-dasharray: 6 2; }
        svg.map .region[data-grip="3"] .area { stroke: var(--grip); stroke-width: 3; }
        svg.map .region[data-grip="4"] .area { stroke: var(--grip); stroke-width: 3.6; }
        svg.map .region[data-grip="5"] .area { stroke: var(--grip); stroke-width: 4.2; }
        svg.map .region[data-grip="RIJK"] .area { stroke: var(--rijk); stroke-width: 4.2; }
        svg.map .region.selected .area { stroke: var(--focus); stroke-width: 2.6; }
        svg.map .label text {
          fill: var(--label); font-size: 13px; font-weight: 700; paint-order: stroke; stroke: var(--label-halo);
          stroke-width: 3px; stroke-linejoin: round; pointer-events: none;
        }
        svg.map .label text.state { font-size: 11px; font-weight: 700; }
        svg.map .attribution { fill: var(--muted); font-size: 11px; }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; color: var(--muted); }
        .legend .swatch { display: inline-block; width: 14px; height: 12px; vertical-align: -2px;
          border: 1px solid var(--region-edge); margin-right: 4px; }
        .legend .swatch.t1 { background: var(--t1); } .legend .swatch.t2 { background: var(--t2); }
        .legend .swatch.t3 { background: var(--t3); } .legend .swatch.t4 { background: var(--t4); }
        .legend .swatch.t5 { background: var(--t5); }
        .column > section.incidents-panel { flex: 0 1 40%; }
        .column > section.detail-panel { flex: 1 1 60%; }
        .legend .line { display: inline-block; width: 22px; height: 0; vertical-align: 3px; margin-right: 4px;
          border-top: 3px solid var(--grip); }
        .view-toggle { display: flex; gap: 6px; align-items: center; font-size: 12px; }
        .view-toggle button[aria-pressed="true"] { background: var(--accent); color: var(--bg); }
        /* Lists */
        ul.plain { list-style: none; margin: 0; padding: 0; }
        .incident {
          display: block; width: 100%; text-align: left; margin: 0 0 6px; padding: 6px 8px;
          background: var(--panel-2); border: 1px solid var(--line); border-left: 5px solid var(--region-edge);
          border-radius: 4px;
        }
        .incident[aria-current="true"] { border-color: var(--accent); box-shadow: inset 0 0 0 1px var(--accent); }
        .incident .row1 { display: flex; gap: 8px; align-items: baseline; }
        .incident .title { font-weight: 600; flex: 1; }
        .incident .meta { color: var(--muted); font-size: 12px; }
        .badge {
          display: inline-block; min-width: 2.6em; text-align: center; font-weight: 700; font-size: 12px;
          padding: 0 5px; border-radius: 3px; border: 2px solid var(--grip); color: var(--text);
        }
        .badge.grip-none { border-style: dotted; border-color: var(--region-edge); color: var(--muted); }
        .badge.threat { border-color: var(--region-edge); }
        .badge.threat[data-level="4"], .badge.threat[data-level="5"] { background: var(--t5); color: #fff; }
        .badge.threat[data-level="3"] { background: var(--t3); color: #111; }
        .state-pill { font-size: 11px; font-weight: 700; padding: 0 6px; border-radius: 10px; border: 1px solid; }
        .state-up, .state-acknowledged, .state-accepted { color: var(--ok); }
        .state-late, .state-delivered, .state-queued, .state-waiting { color: var(--warn); }
        .state-down, .state-overdue, .state-rejected { color: var(--bad); }
        .state-unknown, .state-absent { color: var(--muted); }
        .sitrep { border-top: 1px solid var(--line); padding: 6px 0; }
        .sitrep h4 { margin: 0 0 4px; font-size: 13px; }
        .sitrep dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 8px; }
        .sitrep dt { font-weight: 700; color: var(--muted); }
        .sitrep dd { margin: 0; white-space: pre-wrap; }
        .withheld { color: var(--muted); font-style: italic; }
        table.board { width: 100%; border-collapse: collapse; font-size: 12px; }
        table.board th, table.board td { text-align: left; padding: 2px 4px; border-bottom: 1px solid var(--line); }
        table.board th { color: var(--muted); font-weight: 600; }
        .liveness { display: grid; grid-template-columns: repeat(auto-fill, minmax(108px, 1fr)); gap: 4px; }
        .liveness .cell { border: 1px solid var(--line); border-radius: 4px; padding: 2px 5px; font-size: 12px;
          background: var(--panel-2); }
        .liveness .cell b { display: block; }
        .empty { color: var(--muted); font-style: italic; }
        .grip-advice { color: var(--bad); font-weight: 700; margin-top: 2px; }
        .alarm { border: 2px solid var(--bad); border-radius: 4px; padding: 4px 6px; margin-bottom: 6px; }
        .alarm[data-state="acknowledged"] { border-color: var(--line); }
        table.measures { border-collapse: collapse; font-size: 12px; margin: 4px 0; }
        table.measures th, table.measures td { border: 1px solid var(--line); padding: 1px 5px; text-align: left; }
        table.measures td.has { color: var(--ok); font-weight: 700; }
        table.measures td.missing { color: var(--warn); }
        details.actions summary { cursor: pointer; font-weight: 700; }
        form.write { display: grid; gap: 6px; margin: 8px 0 12px; }
        form.write label { display: grid; gap: 2px; font-size: 12px; color: var(--muted); }
        form.write label.check { display: flex; gap: 6px; align-items: center; }
        .field-error { color: var(--bad); font-size: 12px; font-weight: 600; }
        [aria-invalid="true"] { border-color: var(--bad); outline: 1px solid var(--bad); }
        .result { font-weight: 600; }
        .result.ok { color: var(--ok); }
        .result.bad { color: var(--bad); }
        .result.wait { color: var(--warn); }
        /* Operator screen */
        main.screen { display: grid; grid-template-columns: minmax(420px, 55fr) minmax(320px, 45fr); gap: 10px;
          padding: 10px; }
        fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 8px; padding: 6px 10px; }
        legend { font-weight: 700; padding: 0 4px; }
        .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 10px; }
        textarea { width: 100%; min-height: 3.2em; resize: vertical; }
        input[type="text"], select { width: 100%; }
        .threat-box { font-size: 18px; font-weight: 800; padding: 8px 10px; border-radius: 6px;
          border: 2px solid var(--line); }
        .error-summary { border: 2px solid var(--bad); border-radius: 6px; padding: 6px 10px; display: none; }
        .error-summary.shown { display: block; }
        @media (max-width: 1100px) {
          main.desk { grid-template-columns: 1fr 1fr; height: auto; }
          main.screen { grid-template-columns: 1fr; }
        }
        """
}
