// The operator screen's script: builds the sitrep document from the form, sends it through
// the screen's API, shows every problem at its field, follows each report from "queued" to
// "accepted seq N" and its acknowledgements, and keeps the picture and the region's threat
// level current (polling the daemon once a second; it is on the same host).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const { el, replace, t, value } = window.K;
  const organisation = document.body.dataset.organisation;
  const form = $("sitrep-form");
  const disciplines = ["MULTI", "BRW", "POL", "GZ", "BZ", "CCOM", "DEF"];
  let lastApplied = -1;
  let pictureAt = 0;
  const probe = window.knooppuntScreen = { status: null, sequence: 0 };
  K.initTheme($("theme-toggle"));
  K.initSession($("session"), $("logout")).then(() =>
    K.limit($("sitrep-form"), "publish-own", t("may.publish")));
  const clockFormat = K.clockFormat(false);
  const tick = () => { $("clock").textContent = clockFormat.format(new Date()); };
  setInterval(tick, 1000);
  tick();

  const field = (id) => $(id).value;
  const lines = (id) => field(id).split("\n").map((l) => l.trim()).filter(Boolean);
  // A choice "kind:K" or "group:G" is an audience: every organisation of that kind or group
  // when the node builds a view (docs/PROTOCOL.md §3); the others are the fixed names.
  const classification = (path) => {
    const chosen = form.querySelector('[data-field="' + path + '"]').value;
    if (chosen.startsWith("kind:")) return { kinds: [chosen.slice(5)] };
    if (chosen.startsWith("group:")) return { groups: [chosen.slice(6)] };
    return chosen;
  };
  // Offers the network's kinds and groups (from the status, so an organisation added while the
  // screen runs shows up) in every classification choice of the form, once each.
  function offerAudiences(audiences) {
    if (!audiences) return;
    const choices = [...(audiences.kinds || []).map((k) => ["kind:" + k, t("cls.kind", k)]),
      ...(audiences.groups || []).map((g) => ["group:" + g, t("cls.group", g)])];
    for (const select of form.querySelectorAll('select[data-field$=".classification"]')) {
      const present = new Set([...select.options].map((o) => o.value));
      for (const [value, label] of choices) {
        if (!present.has(value)) select.append(el("option", { value: value, text: label }));
      }
    }
  }

  // A datetime-local value ("2025-06-11T11:30") as RFC 3339 with Amsterdam's offset then.
  function amsterdam(local) {
    if (!local) return "";
    const guess = new Date(local + ":00Z");
    const offset = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Amsterdam", timeZoneName: "longOffset" })
      .formatToParts(guess).find((p) => p.type === "timeZoneName").value.replace("GMT", "") || "+00:00";
    return local + ":00" + (offset.length === 3 ? offset + ":00" : offset);
  }

  function documentFromForm() {
    const doc = { type: "sitrep", incident: field("incident").trim(), confidence: field("confidence"),
      verification: field("verification"), beeld: {} };
    if ($("exercise").checked) doc.exercise = true;
    for (const d of disciplines) {
      const text = field("beeld-" + d + "-text");
      if (text.trim()) doc.beeld[d] = { text: text, classification: classification("beeld." + d + ".classification") };
    }
    if (field("oordeel-prognosis").trim() || lines("oordeel-bottlenecks").length || lines("oordeel-risks").length) {
      doc.oordeel = { prognosis: field("oordeel-prognosis"), bottlenecks: lines("oordeel-bottlenecks"),
        risks: lines("oordeel-risks"), classification: classification("oordeel.classification") };
    }
    if (lines("besluiten-items").length) {
      const by = field("besluiten-by").trim();
      doc.besluiten = { items: lines("besluiten-items").map((text) => by ? { text, decidedBy: by } : { text }),
        classification: classification("besluiten.classification") };
    }
    if (field("acties-text").trim() || field("acties-owner").trim() || field("acties-deadline")) {
      doc.acties = { items: [{ text: field("acties-text"), owner: field("acties-owner"),
        deadline: amsterdam(field("acties-deadline")) }], classification: classification("acties.classification") };
    }
    if (field("communicatie-core").trim() || field("communicatie-advice").trim()) {
      doc.communicatie = { coreMessage: field("communicatie-core"), actionAdvice: field("communicatie-advice"),
        targetArea: { regions: field("communicatie-regions").split(",").map((r) => r.trim().toUpperCase()).filter(Boolean) },
        classification: classification("communicatie.classification") };
    }
    return doc;
  }

  async function check() {
    const answer = await K.request("POST", "/api/v1/validate", documentFromForm());
    if (answer.ok) {
      K.clearProblems(form, $("error-summary"));
      result("ok", t("check.ok"));
    } else {
      K.showProblems(form, (answer.body || {}).problems || [answer.body], $("error-summary"));
      result("bad", t("check.bad"));
    }
  }

  async function send() {
    document.body.dataset.exercise = $("exercise").checked ? "true" : "false";
    result("wait", t("sending"));
    let answer;
    // The police's screen adds its internal labels beside the document (screen-incident.js).
    const sent = Object.assign(documentFromForm(),
      window.knooppuntPoliceLabels && window.knooppuntPoliceLabels().length
        ? { policeLabels: window.knooppuntPoliceLabels() } : {});
    try { answer = await K.request("POST", "/api/v1/sitreps", sent); }
    catch (_) { result("bad", t("send.noAnswer")); return; }
    const body = answer.body || {};
    if (answer.status === 202) {
      K.clearProblems(form, $("error-summary"));
      result("ok", t("send.queued", body.id, organisation, body.originSeq));
      remember({ id: body.id, type: body.type, at: new Date().toISOString(), state: "queued", originSeq: body.originSeq });
      follow(body.id);
    } else if (body.problems) {
      K.showProblems(form, body.problems, $("error-summary"));
      result("bad", t("send.problems", body.problems.length));
    } else {
      result("bad", t("notSent", K.failure(body)));
    }
  }

  function result(kind, text) {
    $("send-result").className = "result " + kind;
    $("send-result").textContent = text;
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
  $("check").addEventListener("click", check);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); send(); }
    if (event.altKey && (event.key === "c" || event.key === "C")) { event.preventDefault(); check(); }
  });

  // Reports sent from this tab, with where they stand.
  function reports() { return JSON.parse(sessionStorage.getItem("knooppunt.reports") || "[]"); }
  function remember(report) {
    const list = reports().filter((r) => r.id !== report.id);
    list.unshift(report);
    sessionStorage.setItem("knooppunt.reports", JSON.stringify(list.slice(0, 50)));
    renderDeliveries();
  }
  function renderDeliveries() {
    const list = reports();
    if (!list.length) {
      replace($("deliveries"), el("li", { class: "empty", text: t("delivery.none") }));
      return;
    }
    replace($("deliveries"), list.map((r) => {
      let words = r.state === "accepted" ? t("delivery.accepted", r.sequence)
        : r.state === "rejected" ? t("delivery.refused", K.failure(r))
        : t("delivery.queued", organisation, r.originSeq);
      if (r.acknowledgedBy && r.acknowledgedBy.length) {
        words += t("delivery.acknowledgedBy",
          r.acknowledgedBy.map((a) => a.code + (a.by ? " (" + a.by + ")" : "")).join(", "));
      }
      if (r.waitingFor && r.waitingFor.length) words += t("delivery.waitingFor", r.waitingFor.join(", "));
      return el("li", { class: "incident", "data-report": r.id, "data-state": r.state },
        el("div", { class: "row1" }, el("span", { class: "state-pill state-" + r.state, text: value("report", r.state) }),
          el("span", { class: "title", text: words })),
        el("div", { class: "meta", text: r.type + " · " + r.id }));
    }));
  }
  async function follow(id) {
    for (let i = 0; i < 3600; i++) {
      const answer = await K.request("GET", "/api/v1/reports/" + id).catch(() => null);
      if (answer && answer.ok) {
        const known = reports().find((r) => r.id === id) || { id };
        remember(Object.assign(known, answer.body));
        if (answer.body.state === "rejected") return;
        if (answer.body.state === "accepted" && !(answer.body.waitingFor || []).length && i > 0) return;
      }
      await new Promise((resolve) => setTimeout(resolve, answer && answer.body && answer.body.state === "accepted" ? 5000 : 1000));
    }
  }

  async function poll() {
    const answer = await K.request("GET", "/api/v1/status").catch(() => null);
    const status = answer && answer.body;
    probe.status = status;
    offerAudiences(status && status.audiences);
    const banner = $("banner");
    if (!status) {
      banner.dataset.state = "desk-offline";
      $("banner-icon").textContent = "✖";
      $("banner-text").textContent = t("banner.noAnswer");
    } else if (!status.reachable) {
      banner.dataset.state = "unreachable";
      $("banner-icon").textContent = "✖";
      $("banner-text").textContent = t("banner.noDaemon", organisation);
    } else {
      const node = status.daemon.node || {};
      const applied = status.daemon.mirror.applied;
      const queued = status.daemon.outbox.queued;
      const asOf = t("banner.asOf", applied) + (node.lastSequence !== undefined ? t("banner.nodeAt", node.lastSequence) : "");
      banner.dataset.state = node.connected ? "live" : "unreachable";
      $("banner-icon").textContent = node.connected ? "●" : "✖";
      $("banner-text").textContent = (node.connected ? t("banner.connected") : t("banner.unreachable", queued)) +
        asOf + (queued ? t("banner.queued", queued) : "");
      if (applied !== lastApplied || Date.now() - pictureAt > 10000) {
        lastApplied = applied;
        pictureAt = Date.now();
        const picture = await K.request("GET", "/api/v1/picture").catch(() => null);
        if (picture && picture.ok) renderPicture(picture.body);
      }
    }
    setTimeout(poll, 1000);
  }

  function renderPicture(picture) {
    probe.sequence = picture.sequence;
    document.body.dataset.sequence = picture.sequence;
    const own = picture.own || {};
    $("own-threat").dataset.level = own.threatLevel || "";
    $("own-threat").textContent = own.threatLevel
      ? t("threat.level", own.threatLevel, own.threatLevelName || "",
        own.threatArea + (own.threatStep ? ", " + value("step", own.threatStep) : ""))
      : t("threat.none", organisation);
    $("own-advice").textContent = own.actionAdvice ? t("threat.advice", own.actionAdvice) : "";
    const requests = own.acknowledgementRequests || [];
    replace($("own-requests"), requests.length ? requests.map((r) => {
      const mine = r.parties.find((p) => p.code === organisation) || {};
      const answer = el("span", { class: "result", "data-ack-result": r.subject, text: acked[r.subject] || "" });
      const button = mine.state && mine.state !== "acknowledged" && !acked[r.subject]
        ? el("button", { type: "button", class: "ack-give", "data-subject": r.subject,
            disabled: !K.may("give-acknowledgement"),
            onclick: () => acknowledge(r, answer) }, t("ack.give")) : null;
      return el("div", { class: "incident", "data-subject": r.subject, "data-state": mine.state || "" },
        el("b", { class: "subject-title", text: K.subjectTitle(r, picture.incidents) }),
        el("div", { class: "meta", title: K.exact(r.deadlineText) || undefined,
          text: t("ack.meta", r.requestedBy, K.when(r.deadlineText),
            value("party", mine.state) || "?") + (mine.by ? t("ack.by", mine.by) : "") }),
        button, answer);
    }) : el("p", { class: "empty", text: t("requests.none") }));
    replace($("regions"), picture.regions.map((r) => el("tr", { "data-region": r.code },
      el("td", { text: r.code + " " + r.name }), el("td", { text: r.grip ? "G" + r.grip : "–" }),
      el("td", { text: r.threatLevel ? "T" + r.threatLevel : "–" }), el("td", { text: r.openIncidents.length }))));
    const incidents = picture.incidents;
    replace($("incidents"), incidents.length ? incidents.map((i) => el("li", { class: "incident" },
      el("div", { class: "row1" }, el("span", { class: "badge" + (i.grip ? "" : " grip-none"),
        text: i.grip ? "G" + i.grip.level : t("noGRIP") }),
        i.exercise ? el("span", { class: "tag-exercise", text: t("exercise.tag") }) : null,
        el("span", { class: "title", text: i.title || t("withheld") })),
      el("div", { class: "meta", text: [i.id, i.region, value("status", i.status), t("sitreps.count", i.sitrepCount)]
        .filter(Boolean).join(" · ") }),
      el("a", { class: "report-link", target: "_blank",
        href: "/incidents/" + encodeURIComponent(i.id) + "/report?lang=" + K.lang + (i.exercise ? "&exercise=true" : ""),
        text: t("report.link") }),
      i.gripAdvice ? el("div", { class: "grip-advice", role: "alert", "data-advice": i.gripAdvice.target,
        title: K.exact(i.gripAdvice.sinceText) || undefined,
        text: t("advice.line", (i.gripAdvice.messages || {})[K.lang] || i.gripAdvice.message,
          K.when(i.gripAdvice.sinceText)) }) : null))
      : el("li", { class: "empty", text: t("incidents.none") }));
    replace($("incident-list"), incidents.filter((i) => !i.exercise).map((i) => el("option", { value: i.id, text: i.title || "" })));
    // The incident panel (screen-incident.js) follows the same picture.
    document.dispatchEvent(new CustomEvent("knooppunt:picture", { detail: picture }));
  }

  // The signed-in person acknowledges a message that must land (the screen names them).
  const acked = {};
  async function acknowledge(request, answerNode) {
    answerNode.className = "result wait";
    answerNode.textContent = t("sending");
    const answer = await K.request("POST", "/api/v1/acks",
      { subject: request.subject, exercise: request.exercise || undefined });
    const body = answer.body || {};
    if (answer.status === 202 || answer.status === 201) {
      acked[request.subject] = t("ack.handed", body.id);
      answerNode.className = "result ok";
      answerNode.textContent = acked[request.subject];
    } else {
      answerNode.className = "result bad";
      answerNode.textContent = t("notSent", K.failure(body));
    }
  }

  $("exercise").addEventListener("change", () => {
    document.body.dataset.exercise = $("exercise").checked ? "true" : "false";
  });
  // The incident panel (screen-incident.js) follows its reports here too.
  window.knooppuntFollow = (report) => {
    remember(Object.assign({ at: new Date().toISOString(), state: "queued" }, report));
    follow(report.id);
  };
  renderDeliveries();
  for (const r of reports()) if (r.state === "queued") follow(r.id);
  poll();
})();
