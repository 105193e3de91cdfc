// Helpers shared by the desk and the operator screen (plain JavaScript, no libraries).
// Pages build their DOM with `K.el`, which sets text with `textContent`: nothing from the
// picture is ever parsed as HTML.
//
// Words come from the page's `kp-words` data block, in the page's language (`K.t`); the
// page's `<html lang>` chooses the date formats (`nl-NL` or `en-GB`).
"use strict";
window.K = (function () {
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function replace(node, ...children) { node.replaceChildren(...children.flat().filter(Boolean)); }
  const lang = document.documentElement.lang === "en" ? "en" : "nl";
  const locale = lang === "en" ? "en-GB" : "nl-NL";
  let words = null;
  // The word for key in the page's language, with {0}, {1}, … filled in; the key
  // itself when the table lacks it (a test checks every key the scripts use).
  function t(key, ...args) {
    if (!words) {
      const block = document.getElementById("kp-words");
      words = block ? JSON.parse(block.textContent) : {};
    }
    const text = Object.prototype.hasOwnProperty.call(words, key) ? words[key] : key;
    return text.replace(/\{(\d+)\}/g, (all, n) => (args[n] === undefined ? all : String(args[n])));
  }
  // A value of the picture by name ("status", "closed" → "gesloten"); unknown values as sent.
  function value(kind, raw) {
    if (raw === undefined || raw === null || raw === "") return raw;
    const key = kind + "." + raw;
    const text = t(key);
    return text === key ? raw : text;
  }
  // "E210 invalidID (ongeldig kenmerk)": the code, its stable name, and what it means.
  function code(number, name) {
    const meaning = value("error", number);
    return "E" + number + (name ? " " + name : "") +
      (meaning !== undefined && String(meaning) !== String(number) ? " (" + meaning + ")" : "");
  }
  // An API error answer as one line: the code, its meaning, the server's message.
  function failure(body) {
    body = body || {};
    return code(body.code, body.name) + (body.message ? ": " + body.message : "");
  }
  // The clock's format: Europe/Amsterdam with its zone (CET/CEST), in the page's
  // language ("wo 15 jan 13:00:00 CET" on a Dutch page, "Wed 15 Jan …" on an English one).
  function clockFormat(withDay) {
    return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: "Europe/Amsterdam", hour: "2-digit",
      minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" },
      withDay ? { weekday: "short", day: "2-digit", month: "short" } : {}));
  }
  // Times as people read them: "ma 16 mrt 10:45" (Europe/Amsterdam, the page's language),
  // the year only when it is not this year's. One format for every time on the desk; the
  // exact time (RFC 3339, as the server sent it) goes in the title, see `stamp`.
  const readableParts = new Intl.DateTimeFormat(locale, { timeZone: "Europe/Amsterdam", weekday: "short",
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function when(text) {
    if (!text) return "–";
    const date = typeof text === "number" ? new Date(text) : new Date(text);
    if (isNaN(date.getTime())) return String(text);
    const parts = {};
    for (const part of readableParts.formatToParts(date)) parts[part.type] = part.value.replace(/\.$/, "");
    const thisYear = readableParts.formatToParts(new Date()).find((part) => part.type === "year").value;
    return parts.weekday + " " + parts.day + " " + parts.month + (parts.year === thisYear ? "" : " " + parts.year) +
      " " + parts.hour + ":" + parts.minute;
  }
  // The exact time for a title attribute: the server's RFC 3339 text, or an ISO time.
  function exact(text) {
    if (!text) return "";
    return typeof text === "number" ? new Date(text).toISOString() : String(text);
  }
  // A <time> element: the readable time, the exact one on hover and for machines.
  function stamp(text) {
    return el("time", { datetime: exact(text) || undefined, title: exact(text) || undefined, text: when(text) });
  }
  // A title people can read for what an acknowledgement request is about, never a bare
  // report id: the server's summary (with an incident's title instead of its id when the
  // page knows it), else the sitrep or incident it names in `incidents`, else "a report
  // outside your picture".
  function subjectTitle(request, incidents) {
    let text = (request.subjectSummaries || {})[lang] || request.subjectSummary || null;
    for (const incident of incidents || []) {
      if (text && incident.title && text.endsWith("· " + incident.id)) {
        return text.slice(0, -incident.id.length) + incident.title;
      }
      if (!text && incident.id === request.subject) return t("subject.incident", incident.title || incident.id);
      if (!text && (incident.sitreps || []).some((sitrep) => sitrep.id === request.subject)) {
        return t("subject.sitrep", incident.title || incident.id);
      }
    }
    if (text) return text;
    // The subject left the picture and the server could not say what it was: what the
    // request itself says, by whom.
    return request.note ? t("subject.note", request.requestedBy, request.note) : t("subject.unknown", request.requestedBy);
  }
  // Whether `text` (a search typed by the reader) occurs in what the reader's view holds of
  // an incident: its title, place, municipality, kind and every sitrep's visible text.
  // Withheld parts arrive as null and are never searched.
  function incidentText(incident) {
    const parts = [incident.id, incident.title, incident.place, incident.municipalityName, incident.kind,
      incident.lead, incident.status];
    const add = (value) => {
      if (value === null || value === undefined) return;
      if (typeof value === "string") parts.push(value);
      else if (Array.isArray(value)) value.forEach(add);
      else if (typeof value === "object") Object.values(value).forEach(add);
    };
    for (const sitrep of incident.sitreps || (incident.latestSitrep ? [incident.latestSitrep] : [])) {
      for (const picture of sitrep.beeld || []) add(picture.text);
      add(sitrep.parts || {});
    }
    return parts.filter((part) => typeof part === "string").join("\n").toLocaleLowerCase(locale);
  }
  // The incidents that pass a filter { region, kind, grip, text } (empty fields pass all).
  // `grip` is "none" for incidents without GRIP, else a level ("1".."5", "RIJK").
  function filterIncidents(incidents, filter) {
    const words = (filter.text || "").trim().toLocaleLowerCase(locale).split(/\s+/).filter(Boolean);
    return incidents.filter((incident) => {
      if (filter.region && incident.region !== filter.region) return false;
      if (filter.kind && incident.kind !== filter.kind) return false;
      if (filter.grip) {
        const level = incident.grip && incident.grip.level ? String(incident.grip.level) : "none";
        if (level !== filter.grip) return false;
      }
      if (!words.length) return true;
      const text = incidentText(incident);
      return words.every((word) => text.includes(word));
    });
  }
  function ago(ms) {
    if (ms === undefined || ms === null) return t("ago.never");
    if (ms < 1500) return t("ago.now");
    if (ms < 120000) return t("ago.seconds", Math.round(ms / 1000));
    return t("ago.minutes", Math.round(ms / 60000));
  }
  function initTheme(button) {
    const stored = localStorage.getItem("knooppunt.theme");
    const preferred = window.matchMedia && window.matchMedia("(prefers-color-scheme: light)").matches
      ? "light" : "dark";
    apply(stored || preferred);
    function apply(theme) {
      document.documentElement.dataset.theme = theme;
      button.textContent = theme === "dark" ? t("theme.toLight") : t("theme.toDark");
    }
    button.addEventListener("click", () => {
      const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
      localStorage.setItem("knooppunt.theme", next);
      apply(next);
    });
  }
  // Shows each problem next to the field it names ("beeld.BRW.text"); a path without its
  // own field ("acties.items[0].deadline") goes to the closest field that has one.
  function showProblems(form, problems, summary) {
    clearProblems(form, summary);
    const unplaced = [];
    for (const problem of problems || []) {
      let path = problem.field || "";
      let field = null;
      while (path && !field) {
        field = form.querySelector('[data-field="' + CSS.escape(path) + '"]');
        if (!field) path = path.replace(/(\[\d+\]|\.[^.\[]*)$/, "");
      }
      const text = t("problem.at", code(problem.code, problem.name), problem.field, problem.message);
      if (!field) { unplaced.push(text); continue; }
      field.setAttribute("aria-invalid", "true");
      const id = (field.id || "field") + "-error";
      let note = document.getElementById(id);
      if (!note) {
        note = el("div", { class: "field-error", id: id, role: "alert" });
        field.insertAdjacentElement("afterend", note);
        field.setAttribute("aria-describedby", id);
      }
      note.textContent = note.textContent ? note.textContent + " · " + text : text;
    }
    if (summary) {
      const items = (problems || []).map((problem) => {
        const target = form.querySelector('[aria-invalid="true"][data-field="' +
          CSS.escape(problem.field) + '"]') || null;
        const text = t("problem.line", problem.field, problem.message, code(problem.code));
        return el("li", {}, target && target.id
          ? el("a", { href: "#" + target.id, onclick: (event) => { event.preventDefault(); target.focus(); } }, text)
          : text);
      });
      replace(summary, el("strong", { text: t("problems.notSent") }), el("ul", {}, items));
      summary.classList.add("shown");
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    } else if (unplaced.length) {
      return unplaced.join("; ");
    }
    return unplaced.join("; ");
  }
  function clearProblems(form, summary) {
    for (const node of form.querySelectorAll(".field-error")) node.remove();
    for (const node of form.querySelectorAll('[aria-invalid="true"]')) {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("aria-describedby");
    }
    if (summary) { summary.classList.remove("shown"); replace(summary); }
  }
  async function request(method, url, body, headers) {
    const response = await fetch(url, {
      method: method, headers: Object.assign({ "Content-Type": "application/json" }, headers || {}),
      body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
    });
    let json = null;
    try { json = await response.json(); } catch (_) { json = null; }
    // The session ended (idle, logged out elsewhere, account changed): log in again.
    if (response.status === 401) window.location.assign("/login");
    return { status: response.status, ok: response.ok, body: json };
  }
  // Who is signed in (every action is recorded under their name), and logging out.
  let person = null;
  async function initSession(node, button) {
    const me = await request("GET", "/api/v1/me");
    if (me.ok && me.body) {
      person = me.body;
      node.textContent = t("session.who", me.body.name, me.body.user, value("role", me.body.role));
      node.dataset.role = me.body.role;
      document.body.dataset.role = me.body.role;
    }
    button.addEventListener("click", async () => {
      await request("POST", "/api/v1/logout", {});
      window.location.assign("/login");
    });
    return me.body;
  }
  // Whether the signed-in person's role allows an action ("publish-own", …). The server
  // decides (E805); the page only avoids offering what would be refused.
  function may(action) { return !person || (person.may || []).includes(action); }
  // Disables a form the person's role may not use, and says why.
  function limit(form, action, phrase) {
    if (may(action)) return;
    for (const control of form.querySelectorAll("input, select, textarea, button")) control.disabled = true;
    form.prepend(el("p", { class: "meta role-note", "data-role-note": action,
      text: t("role.note", value("role", person.role), phrase) }));
  }
  return { el, replace, lang, locale, t, value, code, failure, clockFormat, when, exact, stamp,
    subjectTitle, incidentText, filterIncidents, ago, initTheme, showProblems,
    clearProblems, request, initSession, may, limit };
})();
