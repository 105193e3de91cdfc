// The "Signalen" page of the operator screen: the signals this organisation sent or received
// with each recipient's state (overdue highlighted), the content of one signal opened on
// purpose (every opening is the signed-in person's, on the server), acknowledging receipt and
// recording the follow-up, and the send form with the recipients the signal policy offers.
// The list is polled every few seconds; it never carries a signal's content.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const { el, replace, t, value } = window.K;
  const organisation = document.body.dataset.organisation;
  const form = $("signal-form");
  const pollMs = 3000;
  const followMs = 1000;
  const followTries = 60;
  const probe = window.knooppuntSignals = { loads: 0, signals: [], opened: null };
  let options = null;
  let shown = "";
  K.initTheme($("theme-toggle"));
  const session = K.initSession($("session"), $("logout"));
  const clockFormat = K.clockFormat(false);
  const tick = () => { $("clock").textContent = clockFormat.format(new Date()); };
  setInterval(tick, 1000);
  tick();

  const words = (kind, raw) => value(kind, raw) || raw;
  const result = (node, state, text) => { node.className = "result " + state; node.textContent = text; };

  // A write's answer: queued, then followed to the node's answer (accepted seq N, or refused
  // with its code in words).
  async function follow(node, answer) {
    const reply = (answer && answer.body) || {};
    if (!answer || answer.status !== 202) {
      result(node, "bad", answer ? t("sig.notSent", K.failure(reply)) : t("sig.noAnswer"));
      return false;
    }
    result(node, "wait", t("sig.queued", reply.id));
    for (let i = 0; i < followTries; i++) {
      await new Promise((resolve) => setTimeout(resolve, followMs));
      const state = await K.request("GET", "/api/v1/reports/" + reply.id).catch(() => null);
      const body = (state && state.body) || {};
      if (body.state === "accepted") {
        result(node, "ok", t("sig.accepted", body.sequence));
        refresh();
        return true;
      }
      if (body.state === "rejected") {
        result(node, "bad", t("sig.refused", K.failure(body)));
        return false;
      }
    }
    return true;
  }

  // ---- The list

  function stateItem(recipient) {
    const parts = [el("b", { text: recipient.party }), " ",
      el("span", { class: "state", "data-state": recipient.state, "data-party": recipient.party,
        text: recipient.overdue && recipient.state === "overdue" ? t("sig.overdue") : words("sigstate", recipient.state) })];
    if (recipient.acknowledgedBy) parts.push(" ", t("sig.by", recipient.acknowledgedBy));
    if (recipient.outcome) parts.push(" · ", words("sigoutcome", recipient.outcome));
    if (recipient.overdue && recipient.state !== "overdue") parts.push(" · ", el("b", { text: t("sig.overdue") }));
    return el("li", {}, parts);
  }

  function answerForm(signal, line) {
    const id = signal.id;
    const note = el("input", { type: "text", id: "note-" + id, maxlength: 4000 });
    const outcome = el("select", { id: "outcome-" + id },
      options.outcomes.map((o) => el("option", { value: o, text: words("sigoutcome", o) })));
    const basis = el("select", { id: "basis-" + id }, el("option", { value: "", text: "–" }),
      options.legalBases.map((b) => el("option", { value: b.code, text: b.code })));
    const status = el("div", { class: "result", role: "status", "aria-live": "polite" });
    const followUp = el("form", { class: "answer", id: "followup-" + id, novalidate: true, "aria-label": t("sig.followUp") + ": " + line },
      el("label", {}, t("sig.followUp.outcome") + " ", outcome),
      el("label", {}, t("sig.followUp.note") + " ", note),
      el("label", {}, t("sig.followUp.basis") + " ", basis),
      el("button", { type: "submit", id: "followup-send-" + id, text: t("sig.followUp") }), status);
    followUp.addEventListener("submit", async (event) => {
      event.preventDefault();
      result(status, "wait", t("sig.sending"));
      const answer = await K.request("POST", "/api/v1/signals/" + id + "/follow-up",
        { outcome: outcome.value, note: note.value || undefined, legalBasis: basis.value || undefined }).catch(() => null);
      await follow(status, answer);
    });
    return followUp;
  }

  function actions(signal) {
    const line = t("sig.line", signal.sender, K.when(signal.committedAtText));
    const cell = el("div", { class: "actions" });
    cell.append(el("button", { type: "button", id: "open-" + signal.id, "aria-label": t("sig.open.label", signal.sender, K.when(signal.committedAtText)),
      text: t("sig.open"), onclick: () => open(signal.id) }));
    if (signal.direction !== "received") return cell;
    const own = signal.ownState;
    if (own !== "acknowledged" && own !== "followedUp" && K.may("give-acknowledgement")) {
      const status = el("div", { class: "result", role: "status", "aria-live": "polite" });
      cell.append(el("button", { type: "button", id: "ack-" + signal.id, class: "primary",
        "aria-label": t("sig.ack.label", signal.sender, K.when(signal.committedAtText)), text: t("sig.ack"),
        onclick: async () => {
          result(status, "wait", t("sig.sending"));
          await follow(status, await K.request("POST", "/api/v1/signals/" + signal.id + "/ack", {}).catch(() => null));
        } }), status);
    }
    if ((own === "acknowledged" || own === "followedUp") && K.may("publish-own")) cell.append(answerForm(signal, line));
    return cell;
  }

  function row(signal) {
    return el("tr", { "data-signal": signal.id, "data-direction": signal.direction,
      "data-selected": probe.opened === signal.id ? "true" : undefined },
      el("td", {}, K.stamp(signal.committedAtText)),
      el("td", {}, el("b", { text: signal.sender }), " ", el("span", { class: "meta", text: t("sig." + signal.direction) }),
        signal.exercise ? [" ", el("span", { class: "tag-exercise", text: "OEFENING" })] : null),
      el("td", {}, el("ul", { class: "states" }, signal.recipients.map(stateItem))),
      el("td", {}, actions(signal)));
  }

  async function refresh() {
    const answer = await K.request("GET", "/api/v1/signals").catch(() => null);
    if (!answer || !answer.ok) {
      result($("list-result"), "bad", answer ? K.failure(answer.body) : t("sig.noAnswer"));
      return;
    }
    result($("list-result"), "", "");
    const signals = (answer.body.signals || []).slice().reverse();
    probe.signals = signals;
    probe.loads += 1;
    if (!options) return;
    const signature = JSON.stringify(signals);
    // Typing in an answer form is never interrupted: the list waits until it is left.
    const busy = $("signal-list").contains(document.activeElement) && document.activeElement.tagName !== "BUTTON";
    if (signature === shown || busy) return;
    shown = signature;
    replace($("signal-list"), signals.length ? signals.map(row)
      : el("tr", {}, el("td", { colspan: 4, class: "empty", text: t("sig.none", organisation) })));
  }

  // ---- The content: opened on purpose, through the server's one opening path.

  async function open(id) {
    const answer = await K.request("GET", "/api/v1/signals/" + id).catch(() => null);
    const target = $("signal-content");
    if (!answer || !answer.ok) {
      replace(target, el("p", { class: "result bad", text: answer ? K.failure(answer.body) : t("sig.noAnswer") }));
      return;
    }
    const body = answer.body;
    const content = body.content || {};
    probe.opened = id;
    const item = (label, text) => [el("dt", { text: label }), el("dd", { text: text })];
    replace(target,
      body.exercise ? el("p", {}, el("span", { class: "tag-exercise", text: "OEFENING" })) : null,
      el("dl", { class: "signal-content", "data-signal": id },
        item(t("sig.content.from"), body.sender),
        item(t("sig.content.kind"), words("sigkind", content.kind)),
        item(t("sig.content.person"), content.person),
        item(t("sig.content.assessment"), content.assessment),
        item(t("sig.content.basis"), content.legalBasis + (content.legalBasisDescription ? " — " + content.legalBasisDescription : "")),
        item(t("sig.content.asked"), words("sigasked", content.asked)),
        item(t("sig.content.retention"), t("sig.content.days", content.retentionDays)),
        item(t("sig.content.recipients"), (content.recipients || []).join(", ")),
        item(t("sig.content.answers"), (body.answers || []).map((a) => a.type === "signalAck"
          ? t("sig.answer.signalAck", a.party, K.when(a.at), a.by || "–")
          : t("sig.answer.signalFollowUp", a.party, words("sigoutcome", a.outcome), a.note || "–", a.by || "–")).join("\n") || "–")));
    for (const tr of document.querySelectorAll("#signal-list tr")) {
      if (tr.dataset.signal) tr.dataset.selected = tr.dataset.signal === id ? "true" : "false";
    }
    $("content-heading").focus();
  }

  // ---- The send form

  function recipients() {
    const kind = $("signal-kind").value;
    const checked = new Set([...document.querySelectorAll("#recipient-list input:checked")].map((i) => i.value));
    const offered = options.recipients.filter((r) => r.signalKinds.includes(kind));
    replace($("recipient-list"), offered.map((r) => el("label", {},
      el("input", { type: "checkbox", value: r.code, id: "recipient-" + r.code, checked: checked.has(r.code) }),
      r.code + " — " + r.name + " (" + (r.bases || []).join(", ") + ")")));
  }

  async function loadOptions() {
    const answer = await K.request("GET", "/api/v1/signals/options").catch(() => null);
    if (!answer || !answer.ok) return;
    options = answer.body;
    replace($("signal-kind"), options.kinds.map((k) => el("option", { value: k, text: words("sigkind", k) })));
    replace($("signal-asked"), options.asked.map((a) => el("option", { value: a, text: words("sigasked", a) })));
    replace($("signal-basis"), options.legalBases.map((b) => el("option", { value: b.code, text: b.code + " — " + b.description })));
    $("signal-retention").value = options.defaultRetentionDays;
    $("signal-retention").max = options.maximumRetentionDays;
    recipients();
    if (!options.recipients.length) {
      for (const control of form.querySelectorAll("input, select, textarea, button")) control.disabled = true;
      form.prepend(el("p", { class: "meta", text: t("sig.mayNotSend", organisation) }));
    }
  }

  $("signal-kind").addEventListener("change", recipients);
  $("signal-exercise").addEventListener("change", () => {
    document.body.dataset.exercise = $("signal-exercise").checked ? "true" : "false";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...document.querySelectorAll("#recipient-list input:checked")].map((i) => i.value);
    const body = { kind: $("signal-kind").value, person: $("signal-person").value.trim(),
      assessment: $("signal-assessment").value.trim(), legalBasis: $("signal-basis").value,
      recipients: chosen, retentionDays: Number($("signal-retention").value) || undefined,
      asked: $("signal-asked").value, exercise: $("signal-exercise").checked || undefined };
    K.clearProblems(form, $("send-errors"));
    if (!chosen.length) {
      K.showProblems(form, [{ code: 203, name: "missingField", field: "recipients", message: t("sig.noRecipients") }], $("send-errors"));
      result($("send-result"), "bad", t("sig.noRecipients"));
      return;
    }
    result($("send-result"), "wait", t("sig.sending"));
    const answer = await K.request("POST", "/api/v1/signals", body).catch(() => null);
    if (answer && answer.status === 422) K.showProblems(form, (answer.body || {}).problems || [answer.body], $("send-errors"));
    if (await follow($("send-result"), answer) && answer.status === 202) {
      $("signal-person").value = "";
      $("signal-assessment").value = "";
    }
  });

  session.then(async () => {
    K.limit(form, "publish-own", t("sig.may.send"));
    await loadOptions();
    await refresh();
    setInterval(refresh, pollMs);
  });
})();
