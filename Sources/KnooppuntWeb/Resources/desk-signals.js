// The national desk's signal board: how many signals about persons there are and where each
// recipient stands (delivered, acknowledged, followed up, overdue), never their content. It
// is polled from the desk's API; the panel sits below the acknowledgements.
"use strict";
(function () {
  const { el, replace, t, value } = window.K;
  const pollMs = 5000;
  const probe = window.knooppuntDeskSignals = { loads: 0, board: null };
  const counts = el("p", { class: "meta", id: "signal-counts", role: "status", "aria-live": "polite" });
  const list = el("ul", { class: "plain", id: "signal-board" });
  const panel = el("section", { class: "panel", id: "signal-board-panel", "aria-labelledby": "signal-board-heading" },
    el("h2", { id: "signal-board-heading", text: t("dsig.heading") }),
    el("p", { class: "meta", text: t("dsig.help") }), counts, list);
  const acks = document.getElementById("acks");
  (acks ? acks.closest("section") : document.querySelector("main")).insertAdjacentElement("afterend", panel);

  function recipient(r) {
    const word = value("sigstate", r.state) || r.state;
    return el("span", { class: "state", "data-party": r.party, "data-state": r.state }, r.party + ": " + word);
  }

  async function refresh() {
    // While the desk's live stream is down the desk itself is (restarting); ask again later.
    if (window.knooppuntDesk && !window.knooppuntDesk.connected && probe.loads > 0) return;
    const answer = await K.request("GET", "/api/v1/signal-board").catch(() => null);
    if (!answer || !answer.ok) return;
    const board = answer.body;
    probe.board = board;
    probe.loads += 1;
    const c = board.counts || {};
    const r = c.recipients || {};
    replace(counts, t("dsig.counts", c.signals || 0, c.overdue || 0, r.delivered || 0, r.acknowledged || 0,
      r.followedUp || 0, r.overdue || 0));
    const signals = board.signals || [];
    replace(list, signals.length ? signals.map((s) => el("li", { "data-signal": s.id },
      el("b", { text: s.sender }), " ", K.stamp(s.committedAtText), " ",
      s.exercise ? el("span", { class: "tag-exercise", text: "OEFENING" }) : null, " ",
      (s.recipients || []).map(recipient).flatMap((node, i) => i ? [" · ", node] : [node])))
      : el("li", { class: "empty", text: t("dsig.none") }));
  }
  refresh();
  setInterval(refresh, pollMs);
})();
