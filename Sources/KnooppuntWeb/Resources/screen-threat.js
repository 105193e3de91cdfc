// NCTV's screen: the threat level step plan (propose → consult → declare → deliver → advise
// → review → lower; announce for levels 1–4), one step at a time, by the same rules as
// `knooppunt nctv level …`. The panel shows where each area's plan stands and what comes
// next; a step out of order comes back as E700 with what to do instead. Other
// organisations' screens do not show the panel.
"use strict";
(function () {
  if (document.body.dataset.organisation !== "NCTV") return;
  const { el, replace, t } = window.K;
  const steps = ["propose", "consult", "declare", "deliver", "advise", "review", "lower", "announce"];
  const areas = ["national"].concat(Array.from({ length: 12 }, (_, i) => "PV" + (20 + i)));
  const result = el("div", { class: "result", id: "step-result", role: "status", "aria-live": "polite" });
  const errors = el("div", { class: "error-summary", id: "step-errors", role: "alert" });
  const input = (id, field, attrs) => el("input", Object.assign({ type: "text", id, "data-field": field }, attrs || {}));
  const labelled = (text, control) => el("label", {}, text + " ", control);
  const form = el("form", { id: "step-form", class: "write", novalidate: true, autocomplete: "off" }, errors,
    labelled(t("thr.area"), input("step-area", "area", { list: "step-areas", value: "national" })),
    el("datalist", { id: "step-areas" }, areas.map((a) => el("option", { value: a }))),
    labelled(t("thr.step"), el("select", { id: "step-step", "data-field": "step" },
      steps.map((s) => el("option", { value: s, text: t("thr.step." + s) })))),
    labelled(t("thr.level"), input("step-level", "level", { inputmode: "numeric" })),
    labelled(t("thr.reason"), el("textarea", { id: "step-reason", "data-field": "reason" })),
    labelled(t("thr.advice"), el("textarea", { id: "step-advice", "data-field": "advice" })),
    labelled(t("thr.override"), input("step-override", "override")),
    el("div", { class: "grid2" },
      labelled(t("thr.deadline"), input("step-deadline", "deadlineMinutes", { inputmode: "numeric" })),
      labelled(t("thr.review"), input("step-review", "reviewInMinutes", { inputmode: "numeric" }))),
    el("label", { class: "check" }, el("input", { type: "checkbox", id: "step-exercise" }), " " + t("inc.exercise")),
    el("button", { type: "submit", class: "primary", id: "step-send", text: t("thr.send") }), result);
  const board = el("div", { id: "step-board" });
  const panel = el("section", { class: "panel", id: "threat-steps-panel", "aria-labelledby": "step-heading" },
    el("h2", { id: "step-heading", text: t("thr.heading") }), board, form);
  const anchor = document.getElementById("incident-panel");
  anchor.insertAdjacentElement("afterend", panel);

  const value = (id) => document.getElementById(id).value.trim();
  const number = (id) => (value(id) ? Number(value(id)) : undefined);

  async function refresh() {
    const exercise = document.getElementById("step-exercise").checked;
    const answer = await K.request("GET", "/api/v1/threat-steps" + (exercise ? "?exercise=true" : "")).catch(() => null);
    if (!answer || !answer.ok) return;
    const list = answer.body.areas || [];
    replace(board, list.length ? list.map((area) => el("div", { class: "incident", "data-area": area.area,
      "data-step": area.step || "" },
      el("b", { text: t("thr.line", area.area, area.levelInForce || "–", area.step ? t("thr.step." + stepWord(area.step)) : "–") }),
      el("div", { class: "meta", text: area.next || "" }))) : el("p", { class: "empty", text: t("thr.none") }));
    // The plan's next step for the area in the form is chosen for the person, once each time
    // the plan moves (a choice of their own stands until then).
    const current = list.find((area) => area.area === value("step-area").toUpperCase() || area.area === value("step-area"));
    if (current && seen !== current.area + "/" + current.step) {
      seen = current.area + "/" + current.step;
      document.getElementById("step-step").value = nextStep[current.step] || "propose";
    }
  }
  let seen = "";
  const nextStep = { proposed: "consult", consulting: "declare", declared: "deliver", delivered: "advise",
    adviceIssued: "review", review: "review", lowered: "propose", announced: "propose" };
  // The plan's recorded steps are past participles ("declared"); the commands are verbs.
  function stepWord(step) {
    return { proposed: "propose", consulting: "consult", declared: "declare", delivered: "deliver",
      adviceIssued: "advise", review: "review", lowered: "lower", announced: "announce" }[step] || step;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { area: value("step-area"), step: value("step-step"), reason: value("step-reason") || undefined,
      level: number("step-level"), advice: value("step-advice") || undefined,
      override: value("step-override") || undefined, deadlineMinutes: number("step-deadline"),
      reviewInMinutes: number("step-review"),
      exercise: document.getElementById("step-exercise").checked || undefined };
    result.className = "result wait";
    result.textContent = t("inc.sending");
    const answer = await K.request("POST", "/api/v1/threat-steps", body).catch(() => null);
    const reply = (answer && answer.body) || {};
    if (answer && answer.status === 202) {
      K.clearProblems(form, errors);
      result.className = "result ok";
      result.textContent = t("inc.queued", reply.reports.map((r) => r.summary).join(" · "));
      refresh();
      return;
    }
    if (reply.problems) K.showProblems(form, reply.problems, errors);
    result.className = "result bad";
    result.textContent = answer ? t("inc.notSent", K.failure(reply)) : t("inc.noAnswer");
  });
  document.getElementById("step-exercise").addEventListener("change", refresh);
  document.getElementById("step-area").addEventListener("change", refresh);
  K.initSession(el("span"), el("button")).then(() => K.limit(form, "publish-own", t("inc.may")));
  document.addEventListener("knooppunt:picture", refresh);
  refresh();
})();
