// The desk page's script: one WebSocket to `/live` that delivers the whole state on connect
// and after every change; it reconnects by itself (a restarted desk is caught up with the
// first message, no reload) and renders the map, lists and boards from each state.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const { el, replace, t, value } = window.K;
  // Read by the browser tests: what arrived, and when (performance.now()).
  const probe = window.knooppuntDesk = { version: 0, sequence: 0, receivedAt: 0, updates: 0, connected: false };
  let last = null;
  let view = "real";
  let regionFilter = null;
  let retry = 500;
  let offlineSince = null;
  const rendered = {};

  K.initTheme($("theme-toggle"));
  const clockFormat = K.clockFormat(true);
  let serverOffset = 0;
  function tick() { $("clock").textContent = clockFormat.format(new Date(Date.now() + serverOffset)); }
  setInterval(tick, 1000);
  tick();

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/live");
    socket.onopen = () => { retry = 500; probe.connected = true; offlineSince = null; };
    socket.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "state") render(data);
    };
    socket.onclose = () => {
      probe.connected = false;
      offlineSince = offlineSince || new Date();
      banner(null);
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 4000);
    };
  }

  function selected() {
    const params = new URLSearchParams(location.hash.slice(1));
    return params.get("incident") ? { id: params.get("incident"), exercise: params.has("exercise") } : null;
  }
  window.addEventListener("hashchange", () => { if (last) render(last); });

  function render(data) {
    last = data;
    probe.version = data.version;
    probe.sequence = data.picture.sequence;
    probe.receivedAt = performance.now();
    probe.updates += 1;
    serverOffset = data.picture.now - Date.now();
    document.body.dataset.sequence = data.picture.sequence;
    document.body.dataset.link = data.link.state;
    document.body.dataset.exercise = data.picture.exerciseEntries > 0 ? "true" : "false";
    $("exercise-text").textContent = t("exercise.banner", data.picture.exerciseEntries);
    banner(data.link);
    const shown = K.filterIncidents(data.picture.incidents, filter());
    renderMap(data.picture, shown);
    once("filters", [data.picture.regions.map((r) => r.code), data.picture.incidents.map((i) => i.kind)],
      () => renderFilterChoices(data.picture));
    once("incidents", [data.picture.incidents.map(summaryKey), filter(), location.hash],
      () => renderIncidents(data.picture, shown));
    once("detail", [location.hash, (current() || {}).lastSequence, data.picture.sequence > 0],
      () => renderDetail(current()));
    once("threats", data.picture.threats, () => renderThreats(data.picture.threats));
    once("alarms", [data.picture.alarms, titles(data.picture)], () => renderAlarms(data.picture.alarms));
    once("acks", [data.picture.acknowledgements, Math.floor(data.picture.now / 10000), titles(data.picture)],
      () => renderAcks(data.picture.acknowledgements));
    const measures = view === "exercise" ? data.picture.exerciseMeasuresSideBySide : data.picture.measuresSideBySide;
    once("measures", [view, measures], () => renderMeasures(measures));
    once("liveness", data.liveness, () => renderLiveness(data.liveness));
    once("choices", data.picture.incidents.map(summaryKey), () => renderChoices(data.picture.incidents));
    once("subjects", [titles(data.picture), data.picture.threats.map((x) => [x.id, x.level])],
      () => renderSubjects(data.picture));
  }

  // Re-renders a part only when what it shows changed, so focus and scroll stay put.
  function once(name, key, draw) {
    const text = JSON.stringify(key);
    if (rendered[name] === text) return;
    rendered[name] = text;
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.key : null;
    draw();
    if (focused) {
      const again = document.querySelector('[data-key="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
  }

  // What the acknowledgement boards need to title a request by its subject.
  function titles(picture) { return picture.incidents.map((i) => [i.id, i.title, (i.sitreps || []).length]); }
  function subjectTitle(request) { return K.subjectTitle(request, last ? last.picture.incidents : []); }

  // The incident filter: region (also chosen by clicking the map), kind, GRIP and a search
  // over the report text this desk's view holds (withheld parts never arrive).
  function filter() {
    return { region: $("filter-region").value, kind: $("filter-kind").value, grip: $("filter-grip").value,
      text: $("filter-text").value };
  }
  for (const id of ["filter-region", "filter-kind", "filter-grip", "filter-text"]) {
    $(id).addEventListener(id === "filter-text" ? "input" : "change", () => {
      regionFilter = $("filter-region").value || null;
      if (last) render(last);
    });
  }
  $("incident-filter").addEventListener("submit", (event) => event.preventDefault());
  function renderFilterChoices(picture) {
    const region = $("filter-region");
    const chosenRegion = region.value;
    // The first option ("all regions") comes with the page, in its language.
    replace(region, region.options[0],
      picture.regions.map((r) => el("option", { value: r.code, text: r.code + " " + r.name })));
    region.value = chosenRegion;
    const kind = $("filter-kind");
    const chosenKind = kind.value;
    const kinds = [...new Set(picture.incidents.map((i) => i.kind).filter(Boolean).concat(chosenKind ? [chosenKind] : []))].sort();
    replace(kind, kind.options[0],
      kinds.map((k) => el("option", { value: k, text: value("kind", k) })));
    kind.value = chosenKind;
  }

  function summaryKey(incident) {
    return [incident.id, incident.exercise, incident.lastSequence, incident.title, incident.status,
      incident.gripAdvice ? adviceText(incident.gripAdvice) : null];
  }

  function current() {
    const choice = selected();
    if (!choice || !last) return null;
    return last.picture.incidents.find((i) => i.id === choice.id && i.exercise === choice.exercise) || null;
  }

  function banner(link) {
    const node = $("banner");
    if (!link || !probe.connected) {
      const seq = last ? last.picture.sequence : 0;
      node.dataset.state = "desk-offline";
      $("banner-icon").textContent = "✖";
      $("banner-text").textContent = t("offline") +
        (offlineSince ? t("offline.since", clockFormat.format(offlineSince)) : "") + t("offline.rest", seq);
      return;
    }
    node.dataset.state = link.state;
    $("banner-icon").textContent = { live: "●", connecting: "…", stale: "▲", unreachable: "✖" }[link.state] || "?";
    $("banner-text").textContent = t("link.zone", linkLine(link));
  }

  // The banner line in the page's language, from the link's fields (the server's
  // `message` says the same in English).
  function linkLine(link) {
    const applied = link.applied || 0;
    const asOf = link.confirmedAtText ? t("link.asOfAt", applied, link.confirmedAtText) : t("link.asOf", applied);
    switch (link.state) {
      case "connecting": return t("link.connecting", asOf);
      case "live": return t("link.live", asOf);
      case "stale": return t("link.stale", asOf, link.nodeLastSequence || 0);
      case "unreachable": return t("link.unreachable", link.sinceText || "", asOf);
      default: return link.message;
    }
  }

  function regionsFor(picture) { return view === "exercise" ? picture.exerciseRegions : picture.regions; }

  function renderMap(picture, shown) {
    const choice = selected();
    const chosenKey = choice ? choice.id + (choice.exercise ? "#x" : "") : null;
    const points = shown.filter((i) => i.exercise === (view === "exercise"));
    once("points", [points.map((i) => [i.id, i.exercise, i.title, i.mapPoint, i.municipalityName]), chosenKey],
      () => KMap.drawPoints(points, chosenKey, choose));
    const incident = current();
    once("outlines", [incident ? incident.municipality : null, regionFilter], () => {
      if (incident && incident.municipality) KMap.drawOutlines([incident.municipality]);
      else if (regionFilter) KMap.load().then(() => KMap.drawOutlines(KMap.municipalitiesOf(regionFilter)));
      else KMap.drawOutlines([]);
    });
    const regions = regionsFor(picture);
    for (const region of regions) {
      const group = document.getElementById("region-" + region.code);
      const label = document.getElementById("label-" + region.code);
      if (!group || !label) continue;
      group.dataset.threat = region.threatLevel || "";
      group.dataset.grip = region.grip || "";
      group.classList.toggle("selected", regionFilter === region.code);
      const parts = [];
      if (region.threatLevel) parts.push("T" + region.threatLevel);
      if (region.grip) parts.push("G" + (region.grip === "RIJK" ? "R" : region.grip));
      label.querySelector("text.state").textContent = parts.length ? parts.join(" ") : "–";
      const words = t("region.words", region.code, region.name, region.threatLevel || t("region.noThreat"),
        region.gripLabel || t("noGRIP"), region.openIncidents.length);
      group.setAttribute("aria-label", words);
      group.querySelector("title").textContent = words;
    }
  }

  function toggleRegion(code) {
    regionFilter = regionFilter === code ? null : code;
    $("filter-region").value = regionFilter || "";
    if (last) render(last);
  }
  function choose(incident) {
    location.hash = "incident=" + encodeURIComponent(incident.id) + (incident.exercise ? "&exercise" : "");
  }
  for (const group of document.querySelectorAll("#map .region")) {
    group.addEventListener("click", () => toggleRegion(group.dataset.region));
    group.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggleRegion(group.dataset.region); }
    });
  }
  function setView(next) {
    view = next;
    $("view-real").setAttribute("aria-pressed", String(view === "real"));
    $("view-exercise").setAttribute("aria-pressed", String(view === "exercise"));
    document.getElementById("map").classList.toggle("exercise-view", view === "exercise");
    if (last) render(last);
  }
  $("view-real").addEventListener("click", () => setView("real"));
  $("view-exercise").addEventListener("click", () => setView("exercise"));

  function gripBadge(grip) {
    return grip && grip.label
      ? el("span", { class: "badge grip", title: grip.reason || "", text: grip.label.replace("GRIP ", "G") })
      : el("span", { class: "badge grip-none", text: t("noGRIP") });
  }
  function exerciseTag(flag) { return flag ? el("span", { class: "tag-exercise", text: t("exercise.tag") }) : null; }

  function renderIncidents(picture, list) {
    const choice = selected();
    const f = filter();
    const filtering = Boolean(f.region || f.kind || f.grip || f.text.trim());
    $("filter-count").textContent = filtering ? t("filter.count", list.length, picture.incidents.length) : "";
    if (!list.length) {
      replace($("incidents"), el("li", { class: "empty",
        text: !picture.incidents.length ? t("incidents.none")
          : f.region && !f.kind && !f.grip && !f.text.trim() ? t("incidents.noneIn", f.region) : t("incidents.noneMatch") }));
      return;
    }
    replace($("incidents"), list.map((incident) => {
      const key = incident.id + (incident.exercise ? "#x" : "");
      const isCurrent = choice && choice.id === incident.id && choice.exercise === incident.exercise;
      return el("li", {}, el("button", {
        type: "button", class: "incident", "data-key": key, "data-incident": incident.id,
        "aria-current": isCurrent ? "true" : "false",
        onclick: () => choose(incident),
      },
        el("div", { class: "row1" }, gripBadge(incident.grip), exerciseTag(incident.exercise),
          el("span", { class: "title", text: incident.title || t("withheld") }),
          el("span", { class: "meta" }, K.stamp(incident.lastCommittedAtText))),
        el("div", { class: "meta", text: [incident.id, incident.region, incident.municipalityName,
          value("status", incident.status), incident.lead ? t("lead", incident.lead) : null,
          t("sitreps.count", incident.sitrepCount)].filter(Boolean).join(" · ") }),
        adviceLine(incident.gripAdvice)));
    }));
  }

  // The node's GRIP advice (GRIP 3 for a possible terrorist attack, GRIP 5 across regions).
  function adviceLine(advice) {
    return advice ? el("div", { class: "grip-advice", role: "alert", "data-advice": advice.target,
      title: advice.sinceText || undefined, text: t("advice.line", adviceText(advice), K.when(advice.sinceText)) }) : null;
  }
  function adviceText(advice) { return (advice.messages || {})[K.lang] || advice.message; }

  function renderChoices(incidents) {
    const select = $("advice-incident");
    const chosen = select.value;
    replace(select, incidents.map((incident) => el("option", {
      value: incident.id + (incident.exercise ? "|exercise" : ""),
      text: (incident.exercise ? t("exercise.option") : "") + incident.id + " — " + (incident.title || "") })));
    if (chosen) select.value = chosen;
  }

  // The reports an acknowledgement can be asked for, by what they are about: the field
  // takes the report's id, the list shows its title (threat levels, sitreps per incident).
  function renderSubjects(picture) {
    const threats = picture.threats.map((x) => el("option", { value: x.id,
      label: t("subject.threat", x.level || "?", x.areaName || x.area) }));
    const sitreps = picture.incidents.flatMap((incident) => (incident.sitreps || []).map((sitrep) =>
      el("option", { value: sitrep.id, label: t("subject.sitrepAt", sitrep.origin, incident.title || incident.id,
        K.when(sitrep.committedAtText)) })));
    replace($("ack-subjects"), threats, sitreps);
  }

  function textBlock(label, value) {
    if (value === undefined) return [];
    return [el("dt", { text: label }), value === null
      ? el("dd", { class: "withheld", text: t("withheld.view") })
      : el("dd", {}, value)];
  }

  function sitrepView(sitrep) {
    const parts = sitrep.parts || {};
    const items = [];
    for (const picture of sitrep.beeld) items.push(...textBlock(t("part.beeld", picture.discipline), picture.text));
    if ("oordeel" in parts) items.push(...textBlock(t("part.oordeel"), parts.oordeel && [
      parts.oordeel.prognosis, (parts.oordeel.bottlenecks || []).length ? "\n" + t("part.knelpunten", parts.oordeel.bottlenecks.join("; ")) : "",
      (parts.oordeel.risks || []).length ? "\n" + t("part.risks", parts.oordeel.risks.join("; ")) : ""].join("")));
    if ("besluiten" in parts) items.push(...textBlock(t("part.besluiten"), parts.besluiten &&
      parts.besluiten.items.map((d) => "• " + d.text + (d.decidedBy ? " (" + d.decidedBy + ")" : "")).join("\n")));
    if ("acties" in parts) items.push(...textBlock(t("part.acties"), parts.acties &&
      parts.acties.items.map((a) => t("part.action", a.text, a.owner, K.when(a.deadline))).join("\n")));
    if ("communicatie" in parts) items.push(...textBlock(t("part.communicatie"), parts.communicatie &&
      (parts.communicatie.coreMessage + "\n" + t("part.handelingsperspectief", parts.communicatie.actionAdvice))));
    return el("article", { class: "sitrep", "data-sitrep": sitrep.id },
      el("h4", {}, sitrep.origin + " · seq " + sitrep.sequence + " · ", K.stamp(sitrep.committedAtText),
        sitrep.author ? " · " + sitrep.author : null),
      el("div", { class: "meta", text: [value("verification", sitrep.verification),
        sitrep.confidence ? t("confidence", value("confidence", sitrep.confidence)) : null]
        .filter(Boolean).join(" · ") }),
      el("dl", {}, items));
  }

  function renderDetail(incident) {
    if (!incident) {
      replace($("detail"), el("p", { class: "empty", text: t("detail.none") }));
      return;
    }
    const grips = (incident.gripHistory || []).slice().reverse().map((g) => el("li", {},
      el("b", { text: g.label || "GRIP ?" }), " · ", K.stamp(g.committedAtText), " · " + g.origin +
      (g.author ? " (" + g.author + ")" : "") + (g.reason ? ": " + g.reason : "")));
    const sitreps = (incident.sitreps || []).slice().reverse().map(sitrepView);
    replace($("detail"),
      el("h3", {}, exerciseTag(incident.exercise), " ", incident.title || incident.id),
      el("p", { class: "meta", text: [incident.id, value("kind", incident.kind), incident.region,
        incident.municipalityName, incident.place, t("started", K.when(incident.startedAtText)),
        value("status", incident.status), incident.lead ? t("lead", incident.lead) : null].filter(Boolean).join(" · ") }),
      el("p", {}, el("a", { class: "report-link", target: "_blank",
        href: "/incidents/" + encodeURIComponent(incident.id) + "/report?lang=" + K.lang +
          (incident.exercise ? "&exercise=true" : ""),
        text: t("report.link") })),
      el("h4", { text: "GRIP" }),
      adviceLine(incident.gripAdvice),
      incident.timeToGRIP3 ? el("p", { class: "meta", "data-field": "time-to-grip3",
        text: t("timeToGRIP3", (incident.timeToGRIP3Texts || {})[K.lang] || incident.timeToGRIP3) }) : null,
      grips.length ? el("ul", {}, grips) : el("p", { class: "empty", text: t("grip.none") }),
      el("h4", { text: t("timeline") }),
      sitreps.length ? sitreps : el("p", { class: "empty", text: t("sitreps.none") }));
  }

  function renderThreats(threats) {
    if (!threats.length) {
      replace($("threats"), el("li", { class: "empty", text: t("threats.none") }));
      return;
    }
    replace($("threats"), threats.map((level) => el("li", { class: "incident" },
      el("div", { class: "row1" },
        el("span", { class: "badge threat", "data-level": level.level, text: "T" + (level.level || "?") }),
        exerciseTag(level.exercise),
        el("span", { class: "title", text: (level.areaName || level.area) + " (" + level.area + ")" +
          (level.levelName ? " — " + level.levelName : "") }),
        el("span", { class: "meta" }, K.stamp(level.committedAtText))),
      el("div", { class: "meta", text: [value("step", level.step),
        level.inForce ? t("threat.inForce") : t("threat.notInForce"), level.reason,
        level.reviewAtText ? t("threat.review", K.when(level.reviewAtText)) : null].filter(Boolean).join(" · "),
        title: level.reviewAtText || undefined }),
      level.actionAdvice ? el("div", { text: t("threat.advice", level.actionAdvice) }) : null,
      level.reviewDue ? el("div", { class: "grip-advice review-due", role: "alert",
        title: level.reviewAtText, text: t("threat.reviewDue", K.when(level.reviewAtText)) }) : null,
      (level.steps || []).length > 1 ? el("div", { class: "meta steps", "data-steps": level.steps.map((s) => s.step).join(" "),
        text: t("threat.steps", level.steps.map((s) => value("step", s.step) + " " + K.when(s.committedAtText) +
          (s.override ? t("threat.override") : "")).join(" → ")) }) : null)));
  }

  function partyState(party) {
    let words = value("party", party.state);
    if (party.state === "acknowledged") {
      words += (party.by ? t("party.acknowledgedBy", party.by) : "") +
        (party.acknowledgedAtText ? t("party.acknowledgedAt", K.when(party.acknowledgedAtText)) : "");
    } else if (party.state === "overdue") {
      words += party.delivered ? t("party.overdueDelivered") : t("party.overdueNotDelivered");
    }
    return el("span", { class: "state-pill state-" + party.state, text: words });
  }

  // An overdue acknowledgement is an alarm a person must acknowledge: the desk officer
  // named in "Desk actions" does it here (an ack of the request, after its deadline).
  function renderAlarms(alarms) {
    replace($("alarms"), (alarms || []).map((request) => {
      const alarm = request.alarm;
      const open = alarm.state === "open";
      const result = el("span", { class: "result" });
      const note = el("input", { type: "text", "aria-label": t("alarm.what"), maxlength: "200",
        placeholder: t("alarm.placeholder") });
      const button = open ? el("button", { type: "button", class: "alarm-ack", "data-request": request.request,
        disabled: !K.may("give-acknowledgement"),
        onclick: () => write($("who-form"), result, "/api/v1/acks",
          { subject: request.request, note: note.value || undefined }) }, t("alarm.acknowledge")) : null;
      const by = alarm.acknowledgedBy;
      return el("div", { class: "alarm", "data-request": request.request, "data-state": alarm.state },
        el("div", { class: "row1" },
          el("span", { class: "state-pill state-" + (open ? "overdue" : "delivered"),
            text: open ? t("alarm.open") + (alarm.escalated ? t("alarm.escalated") : "") : t("alarm.done") }), " ",
          el("b", { class: "subject-title", text: subjectTitle(request) })),
        el("div", { class: "meta", title: K.exact(alarm.raisedAt), text: t("alarm.meta", request.requestedBy, K.when(alarm.raisedAt),
          alarm.missing.join(", ")) +
          (alarm.notDelivered.length ? t("alarm.notDelivered", alarm.notDelivered.join(", ")) : "") }),
        by ? el("div", { class: "meta", title: K.exact(by.at), text: t("alarm.by", by.by || "?", by.organisation, K.when(by.at)) +
          (by.note ? ": " + by.note : "") }) : null,
        open ? el("div", { class: "row1" }, note, button, result) : null);
    }));
  }

  function renderAcks(requests) {
    if (!requests.length) {
      replace($("acks"), el("p", { class: "empty", text: t("acks.none") }));
      return;
    }
    replace($("acks"), requests.map((request) => el("div", { class: "ack", "data-subject": request.subject },
      el("div", { class: "row1" }, exerciseTag(request.exercise),
        el("b", { class: "subject-title", text: subjectTitle(request) }),
        request.overdue.length ? el("span", { class: "state-pill state-overdue", text: t("acks.overdue", request.overdue.length) }) : null),
      el("div", { class: "meta", title: request.deadlineText || undefined, text: t("acks.requestedBy", request.requestedBy) +
        (request.author ? " (" + request.author + ")" : "") + t("acks.deadline", K.when(request.deadlineText)) +
        (request.note ? " · " + request.note : "") }),
      request.withheld ? el("p", { class: "withheld", text: t("acks.withheld") }) :
      el("table", { class: "board" },
        el("thead", {}, el("tr", {}, el("th", { text: t("acks.party") }), el("th", { text: t("acks.state") }))),
        el("tbody", {}, byKind(request.parties).map((part) => part.kind
          ? el("tr", { class: "kind-row", "data-kind": part.kind }, el("th", { colspan: "2", text: kindTitle(part.kind) }))
          : el("tr", { "data-party": part.code, "data-kind": part.partnerKind || undefined },
            el("td", { text: part.name ? part.code + " · " + part.name : part.code }),
            el("td", {}, partyState(part)))))))));
  }

  // A partner's kind in Dutch ("vitale infrastructuur"); a kind the network configured
  // beyond the named ones by its own name.
  function kindTitle(kind) {
    const key = "orgKind." + kind;
    const word = t(key);
    return t("partners.kind", word === key ? kind : word);
  }

  // The 28 as they come, then the partners (rows with a kind) under a heading row per kind,
  // in the order of their first appearance (the node's order: by kind, then by code).
  function byKind(parties) {
    const rows = parties.filter((p) => !p.kind);
    const kinds = [...new Set(parties.filter((p) => p.kind).map((p) => p.kind))];
    for (const kind of kinds) {
      rows.push({ kind: kind });
      for (const p of parties.filter((x) => x.kind === kind)) rows.push(Object.assign({ partnerKind: kind }, p, { kind: undefined }));
    }
    return rows;
  }

  // Measures side by side per threat level, so that municipalities under the same level
  // taking different measures stand out: one column per kind any of them took.
  function renderMeasures(comparison) {
    const groups = (comparison && comparison.groups) || [];
    if (!groups.length) {
      replace($("measures"), el("p", { class: "empty", text: t("measures.none") }));
      return;
    }
    replace($("measures"), groups.map((g) => el("div", { class: "measure-group", "data-level": g.level || "none" },
      el("h3", { text: g.level ? t("measures.level", g.level, g.areas.join(", ")) : t("measures.noLevel") }),
      g.municipalities.length ? el("table", { class: "measures" },
        el("thead", {}, el("tr", {}, el("th", { text: t("measures.municipality") }),
          g.kinds.map((k) => el("th", { text: value("measure", k) })))),
        el("tbody", {}, g.municipalities.map((m) => el("tr", { "data-municipality": m.code },
          el("th", { text: m.name + " (" + m.region + ")" }),
          g.kinds.map((k) => {
            const item = m.measures.find((x) => x.kind === k);
            return el("td", { class: item ? "has" : "missing", "data-kind": k,
              title: item ? item.text + " (" + item.origin + ")" : t("measures.notTaken"),
              text: item ? t("measures.yes") : "–" });
          }))))) : null,
      el("p", { class: "meta", text: t("measures.others", g.withoutMeasures) }))));
  }

  function renderLiveness(liveness) {
    $("liveness-source").textContent = liveness.source === "node"
      ? t("live.fromNode", liveness.node.role || "?", liveness.node.epoch || "?", liveness.node.lastSequence)
      : t("live.noBoard", K.ago(liveness.node.lastHeardMsAgo));
    const cell = (party) => {
      const detail = [];
      if (party.lag) detail.push(t("live.lag", party.lag));
      if (party.outboxBacklog) detail.push(t("live.backlog", party.outboxBacklog));
      if (party.state !== "unknown" && party.state !== "absent") detail.push(K.ago(party.lastHeardMsAgo));
      return el("div", { class: "cell", "data-party": party.code, title: party.name },
        el("b", { text: party.code }),
        party.partner ? el("div", { class: "meta", text: party.name }) : null,
        el("span", { class: "state-pill state-" + party.state,
          text: value("live", party.state) }),
        el("div", { class: "meta", text: detail.join(" · ") }));
    };
    // The 28 in their grid as always; each kind of partner in a section of its own after them.
    replace($("liveness"), liveness.parties.filter((party) => !party.partner).map(cell));
    replace($("liveness-partners"), (liveness.partnerKinds || []).map((group) =>
      el("section", { class: "partner-kind", "data-kind": group.kind },
        el("h3", { text: kindTitle(group.kind) }),
        el("div", { class: "liveness" }, liveness.parties.filter((party) => party.partner &&
          party.kind === group.kind).map(cell)))));
  }

  // Desk actions: the signed-in person (session cookie) is the author of every write.
  K.initSession($("session"), $("logout")).then(() => {
    K.limit($("advice-form"), "give-national-advice", t("may.advice"));
    K.limit($("ack-form"), "request-acknowledgement", t("may.ackRequest"));
  });

  async function write(form, resultNode, url, body) {
    K.clearProblems(form);
    K.clearProblems($("who-form"));
    resultNode.className = "result wait";
    resultNode.textContent = t("sending");
    const answer = await K.request("POST", url, body);
    const result = answer.body || {};
    if (answer.status === 201) {
      resultNode.className = "result ok";
      resultNode.textContent = t("write.accepted", result.sequence, result.id);
    } else if (answer.status === 202) {
      resultNode.className = "result wait";
      resultNode.textContent = t("write.queued", result.id);
      follow(resultNode, result.id);
    } else {
      resultNode.className = "result bad";
      const rest = K.showProblems(form, result.problems) || "";
      if ((result.problems || []).some((p) => p.field === "person")) K.showProblems($("who-form"), result.problems);
      resultNode.textContent = t("notSent", K.failure(result) + (rest ? " (" + rest + ")" : ""));
    }
  }
  async function follow(resultNode, id) {
    for (let i = 0; i < 600; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const answer = await K.request("GET", "/api/v1/reports/" + id).catch(() => null);
      const state = answer && answer.body ? answer.body.state : null;
      if (state === "accepted") {
        resultNode.className = "result ok";
        resultNode.textContent = t("write.accepted", answer.body.sequence, id);
        return;
      }
      if (state === "rejected") {
        resultNode.className = "result bad";
        resultNode.textContent = t("write.refused", K.failure(answer.body));
        return;
      }
    }
  }
  $("advice-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const [id, flag] = $("advice-incident").value.split("|");
    write($("advice-form"), $("advice-result"), "/api/v1/advice", {
      incident: id || "", exercise: flag === "exercise", text: $("advice-text").value,
      actionAdvice: $("advice-action").value || undefined });
  });
  $("ack-form").addEventListener("submit", (event) => {
    event.preventDefault();
    write($("ack-form"), $("ack-result"), "/api/v1/ack-requests", {
      subject: $("ack-subject").value.trim(),
      parties: $("ack-parties").value.split(",").map((p) => p.trim().toUpperCase()).filter(Boolean),
      deadlineMinutes: parseInt($("ack-minutes").value, 10) || 30,
      note: $("ack-note").value || undefined });
  });

  connect();
})();
