// The operator screen's incident panel: open an incident (kind, municipality by search, an
// optional point, lead, classification), change its GRIP level with the node's advice in
// view, publish measures for its municipalities and close it. Every action goes through the
// screen's API to the daemon's outbox as the signed-in person; the answers' problems appear
// at their fields with the codes `knooppunt publish` prints. It follows the picture that
// screen.js fetches (the "knooppunt:picture" event) and builds its own part of the page.
"use strict";
(function () {
  const { el, replace, t, value } = window.K;
  const organisation = document.body.dataset.organisation;
  const panel = document.getElementById("incident-panel");
  const kinds = ["possibleTerroristAttack", "shooting", "stabbing", "explosion", "fire", "hostageSituation",
    "flood", "storm", "chemicalRelease", "nuclear", "infectiousDisease", "transportAccident",
    "infrastructureFailure", "cyberIncident", "publicOrder", "evacuation", "other"];
  const classes = ["partners", "public", "national", "police"];
  const levels = ["0", "1", "2", "3", "4", "5"];
  const measureKinds = ["stayInside", "buildingsClosed", "schoolsClosed", "publicTransportStopped",
    "roadsClosed", "eventsCancelled", "evacuation", "increasedSurveillance", "other"];
  let incidents = [];
  const probe = window.knooppuntIncidents = { incidents: [], selected: null };

  const labelled = (text, control) => el("label", {}, text + " ", control);
  const choice = (id, field, options, word) => el("select", { id, "data-field": field },
    options.map((o) => el("option", { value: o, text: word(o) })));
  const result = (id) => el("div", { class: "result", id, role: "status", "aria-live": "polite" });
  const summary = (id) => el("div", { class: "error-summary", id, role: "alert" });

  const openForm = el("form", { id: "incident-open-form", class: "write", autocomplete: "off", novalidate: true },
    el("h3", { text: t("inc.open.heading") }), summary("open-errors"),
    labelled(t("inc.title"), el("input", { type: "text", id: "open-title", "data-field": "title", maxlength: 200 })),
    labelled(t("inc.kind"), choice("open-kind", "kind", kinds, (k) => value("kind", k))),
    labelled(t("inc.municipality"), el("input", { type: "text", id: "open-municipality", "data-field": "municipality",
      list: "municipality-list" })),
    el("datalist", { id: "municipality-list" }),
    el("label", { class: "check" }, el("input", { type: "checkbox", id: "open-all" }), " " + t("inc.allMunicipalities")),
    el("fieldset", { "data-field": "point", id: "open-point", tabindex: "-1" }, el("legend", { text: t("inc.point") }),
      el("p", { class: "meta", id: "open-point-help", text: t("inc.pointHelp") }),
      el("div", { class: "grid2" },
        labelled(t("inc.lat"), el("input", { type: "text", inputmode: "decimal", id: "open-lat",
          "aria-describedby": "open-point-help" })),
        labelled(t("inc.lon"), el("input", { type: "text", inputmode: "decimal", id: "open-lon",
          "aria-describedby": "open-point-help" }))),
      el("p", { class: "point-note", id: "open-point-note", role: "status", "aria-live": "polite" })),
    labelled(t("inc.place"), el("input", { type: "text", id: "open-description", "data-field": "description" })),
    labelled(t("inc.lead"), el("input", { type: "text", id: "open-lead", "data-field": "lead", maxlength: 120 })),
    labelled(t("inc.classification"), choice("open-classification", "classification", classes, (c) => t("cls." + c))),
    el("label", { class: "check" }, el("input", { type: "checkbox", id: "open-exercise" }), " " + t("inc.exercise")),
    el("button", { type: "submit", class: "primary", id: "open-send", text: t("inc.open") }),
    result("open-result"));

  const chooser = el("select", { id: "manage-incident" });
  const gripForm = el("form", { id: "grip-form", class: "write", novalidate: true },
    el("h3", { text: t("inc.grip.heading") }), summary("grip-errors"),
    labelled(t("inc.grip.level"), el("select", { id: "grip-level", "data-field": "level" })),
    labelled(t("inc.grip.reason"), el("textarea", { id: "grip-reason", "data-field": "reason", maxlength: 2000 })),
    el("button", { type: "submit", id: "grip-send", text: t("inc.grip.send") }), result("grip-result"));
  const measureForm = el("form", { id: "measure-form", class: "write", novalidate: true },
    el("h3", { text: t("inc.measures.heading") }), summary("measure-errors"),
    labelled(t("inc.measures.municipalities"),
      el("input", { type: "text", id: "measure-municipalities", "data-field": "municipalities" })),
    el("fieldset", { "data-field": "measures", id: "measure-fields", tabindex: "-1" },
      el("legend", { text: t("inc.measures.heading") }),
      labelled(t("inc.measures.kind"), choice("measure-kind", "measures[0].kind", measureKinds,
        (k) => t("measureKind." + k))),
      labelled(t("inc.measures.text"), el("input", { type: "text", id: "measure-text", "data-field": "measures[0].text" }))),
    labelled(t("inc.classification"), choice("measure-classification", "classification", classes, (c) => t("cls." + c))),
    el("button", { type: "submit", id: "measure-send", text: t("inc.measures.send") }), result("measure-result"));
  const closeForm = el("form", { id: "close-form", class: "write", novalidate: true },
    el("h3", { text: t("inc.close.heading") }), summary("close-errors"),
    el("button", { type: "submit", id: "close-send", text: t("inc.close.send") }), result("close-result"));
  const state = el("p", { id: "manage-state", class: "meta" });
  const advice = el("p", { id: "manage-advice", class: "grip-advice", role: "status" });
  const manage = el("div", { id: "incident-manage" }, el("h3", { text: t("inc.manage.heading") }),
    labelled(t("inc.choose"), chooser), state, advice, gripForm, measureForm, closeForm);
  replace(panel, el("h2", { id: "incident-heading", text: t("inc.heading") }), openForm, manage);

  K.initSession(el("span"), el("button")).then(() => {
    for (const form of [openForm, gripForm, measureForm, closeForm]) K.limit(form, "publish-own", t("inc.may"));
  });

  // A municipality typed by its name ("Utrecht") is sent by its code (GM0344).
  let names = new Map();
  const municipalityCode = (text) => names.get(text.trim().toLowerCase()) || text.trim();
  // For the map (screen-map.js): the code of what the operator typed, and a name to show.
  probe.municipalityCode = () => municipalityCode(text("open-municipality"));
  async function municipalities() {
    const answer = await K.request("GET", "/api/v1/municipalities" + (document.getElementById("open-all").checked
      ? "?all=true" : "")).catch(() => null);
    if (!answer || !answer.ok) return;
    names = new Map(answer.body.municipalities.map((m) => [m.name.toLowerCase(), m.code]));
    replace(document.getElementById("municipality-list"), answer.body.municipalities.map((m) =>
      el("option", { value: m.code, label: m.name + (m.region === organisation ? "" : " (" + m.region + ")"),
        text: m.name })));
  }
  document.getElementById("open-all").addEventListener("change", municipalities);
  municipalities();

  // Sends `body` to `url`; shows the outcome in `out` and each problem at its field.
  async function send(form, errors, out, url, body) {
    out.className = "result wait";
    out.textContent = t("inc.sending");
    let answer;
    try { answer = await K.request("POST", url, body); } catch (_) {
      out.className = "result bad";
      out.textContent = t("inc.noAnswer");
      return null;
    }
    const reply = answer.body || {};
    if (answer.status === 202) {
      K.clearProblems(form, errors);
      out.className = "result ok";
      // Each report handed over is followed to "accepted" in the delivery list (screen.js).
      for (const report of reply.reports || [reply]) {
        if (window.knooppuntFollow) window.knooppuntFollow({ id: report.id, type: report.type, originSeq: report.originSeq });
      }
      return reply;
    }
    if (reply.problems) K.showProblems(form, reply.problems, errors);
    else K.clearProblems(form, errors);
    out.className = "result bad";
    out.textContent = t("inc.notSent", K.failure(reply.problems ? reply.problems[0] : reply));
    return null;
  }
  const text = (id) => document.getElementById(id).value;
  const exercise = () => { const i = selected(); return i && i.exercise ? true : undefined; };

  openForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { title: text("open-title"), kind: text("open-kind"), municipality: municipalityCode(text("open-municipality")),
      lead: text("open-lead"), classification: text("open-classification") };
    if (text("open-description").trim()) body.description = text("open-description");
    if (text("open-lat").trim() || text("open-lon").trim()) {
      body.point = { lat: Number(text("open-lat").replace(",", ".")), lon: Number(text("open-lon").replace(",", ".")) };
    }
    if (document.getElementById("open-exercise").checked) body.exercise = true;
    const out = document.getElementById("open-result");
    const reply = await send(openForm, document.getElementById("open-errors"), out, "/api/v1/incidents/open", body);
    if (!reply) return;
    out.textContent = t("inc.opened", reply.incident, reply.id);
    out.dataset.incident = reply.incident;
    out.dataset.report = reply.id;
    probe.selected = reply.incident;
    document.dispatchEvent(new CustomEvent("knooppunt:opened", { detail: reply }));
    const sitrepIncident = document.getElementById("incident");
    if (sitrepIncident) sitrepIncident.value = reply.incident;
  });

  gripForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const incident = selected();
    if (!incident) return;
    const body = { level: text("grip-level"), exercise: exercise() };
    if (text("grip-reason").trim()) body.reason = text("grip-reason");
    const out = document.getElementById("grip-result");
    const reply = await send(gripForm, document.getElementById("grip-errors"), out,
      "/api/v1/incidents/" + encodeURIComponent(incident.id) + "/grip", body);
    if (reply) {
      out.textContent = t("inc.queued", "GRIP " + body.level);
      document.getElementById("grip-reason").value = "";
    }
  });

  measureForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const incident = selected();
    if (!incident) return;
    const body = { municipalities: text("measure-municipalities").split(",").map((m) => m.trim()).filter(Boolean),
      measures: [{ kind: text("measure-kind"), text: text("measure-text") }],
      classification: text("measure-classification"), exercise: exercise() };
    const out = document.getElementById("measure-result");
    const reply = await send(measureForm, document.getElementById("measure-errors"), out,
      "/api/v1/incidents/" + encodeURIComponent(incident.id) + "/measures", body);
    if (reply) out.textContent = t("inc.queued", reply.reports.map((r) => r.municipality).join(", "));
  });

  closeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const incident = selected();
    if (!incident) return;
    const out = document.getElementById("close-result");
    const reply = await send(closeForm, document.getElementById("close-errors"), out,
      "/api/v1/incidents/" + encodeURIComponent(incident.id) + "/close", { exercise: exercise() });
    if (reply) out.textContent = t("inc.queued", value("status", "closed") + " · " + (incident.title || incident.id));
  });

  function selected() {
    return incidents.find((i) => (i.exercise ? "exercise/" : "") + i.id === chooser.value) || null;
  }
  chooser.addEventListener("change", () => { probe.selected = chooser.value; show(true); });

  // The incident chosen: its level and the node's advice; the advised level is chosen for
  // the operator, who must give a reason to choose another.
  function show(fresh) {
    const incident = selected();
    manage.dataset.incident = incident ? incident.id : "";
    // The forms' own display style would win over `hidden`: hide them by their style.
    for (const form of [gripForm, measureForm, closeForm]) {
      form.hidden = !incident;
      form.style.display = incident ? "" : "none";
    }
    if (!incident) {
      state.textContent = t("inc.noneOwn", organisation);
      replace(advice);
      return;
    }
    state.textContent = t("inc.current", incident.grip ? incident.grip.label || "GRIP " + incident.grip.level
      : t("inc.noGRIP"), value("status", incident.status) || "");
    const target = incident.gripAdvice ? incident.gripAdvice.target : null;
    advice.dataset.advice = target || "";
    advice.textContent = target ? t("inc.advice", (incident.gripAdvice.messages || {})[K.lang]
      || incident.gripAdvice.message) : t("inc.noAdvice");
    const level = document.getElementById("grip-level");
    const previous = level.value;
    replace(level, levels.map((l) => el("option", { value: l,
      text: l === target ? t("inc.grip.advised", "GRIP " + l) : "GRIP " + l })));
    level.value = fresh || !previous ? (target || previous || "1") : previous;
    const municipalities = document.getElementById("measure-municipalities");
    if (fresh || !municipalities.value) municipalities.value = incident.municipality || "";
  }

  document.addEventListener("knooppunt:picture", (event) => {
    const picture = event.detail;
    incidents = (picture.incidents || []).filter((i) =>
      (i.leadOrganisation === organisation || i.openedBy === organisation) && i.status !== "closed");
    probe.incidents = incidents.map((i) => i.id);
    const before = chooser.value;
    replace(chooser, incidents.map((i) => el("option", { value: (i.exercise ? "exercise/" : "") + i.id,
      text: (i.title || i.id) + (i.exercise ? " · " + t("inc.exercise") : "") })));
    const wanted = probe.selected && incidents.find((i) => i.id === probe.selected);
    chooser.value = wanted ? (wanted.exercise ? "exercise/" : "") + wanted.id : before;
    if (!chooser.value && incidents.length) chooser.value = chooser.options[0].value;
    show(chooser.value !== before);
  });

  // The police's screen: the labels its daemon keeps with a sitrep in its own store (never
  // sent to the node), offered beside the compose form's buttons.
  async function policeLabels() {
    if (organisation !== "POLICE") return;
    const answer = await K.request("GET", "/api/v1/police-labels").catch(() => null);
    const labels = (answer && answer.ok && answer.body.labels) || [];
    if (!labels.length) return;
    const send = document.getElementById("check").parentElement;
    send.insertAdjacentElement("beforebegin", el("fieldset", { id: "police-labels", "data-field": "policeLabels" },
      el("legend", { text: t("inc.policeLabels") }),
      labels.map((label) => el("label", { class: "check" },
        el("input", { type: "checkbox", class: "police-label", value: label }), " " + label))));
    window.knooppuntPoliceLabels = () =>
      [...document.querySelectorAll("#police-labels .police-label:checked")].map((n) => n.value);
  }
  policeLabels();

})();
