// The desk map's layers over the regions: a point per incident (at its own point, else its
// municipality's centre; the server computes both in the map's coordinates as `mapPoint`)
// and the outlines of municipalities: the selected incident's, or every municipality of a
// selected region. The outlines are loaded once, on first use, from
// /assets/municipalities.json (~130 KB; most visits never need them).
"use strict";
window.DeskMap = (function () {
  const { t } = window.K;
  const ns = "http://www.w3.org/2000/svg";
  let outlines = null;
  let loading = null;

  function svg(tag, attrs) {
    const node = document.createElementNS(ns, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(key, String(value));
    }
    return node;
  }
  function map() { return document.getElementById("map"); }
  // A layer of the map by id, made once, in the order regions → outlines → labels → points,
  // so points stay on top (clickable) and outlines stay under the labels.
  function layer(id) {
    let node = document.getElementById(id);
    if (node) return node;
    node = svg("g", { id: id, class: id });
    const labels = map().querySelector("g.labels");
    if (id === "municipality-outlines") map().insertBefore(node, labels);
    else map().insertBefore(node, map().querySelector("text.attribution"));
    return node;
  }
  function load() {
    if (!loading) {
      loading = fetch("/assets/municipalities.json", { cache: "force-cache" })
        .then((response) => response.json())
        .then((json) => { outlines = json; return json; })
        .catch(() => { loading = null; return null; });
    }
    return loading;
  }

  // One circle per incident with a place; `selected` is the key ("id" or "id#x") of the
  // chosen incident, `choose(incident)` selects one (click, Enter or space).
  function drawPoints(incidents, selected, choose) {
    const group = layer("incident-points");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t("map.points"));
    group.replaceChildren();
    for (const incident of incidents) {
      if (!incident.mapPoint) continue;
      const key = incident.id + (incident.exercise ? "#x" : "");
      const name = t("map.point", incident.title || t("withheld"), incident.municipalityName || incident.region || "");
      const point = svg("circle", {
        class: "incident-point" + (key === selected ? " selected" : ""), cx: incident.mapPoint.x,
        cy: incident.mapPoint.y, r: key === selected ? 7 : 5, tabindex: 0, role: "button",
        "aria-label": name, "data-incident": incident.id, "data-key": "point-" + key,
        "data-municipality": incident.municipality || "", "aria-pressed": String(key === selected),
      });
      const title = svg("title");
      title.textContent = name;
      point.append(title);
      point.addEventListener("click", () => choose(incident));
      point.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(incident); }
      });
      group.append(point);
    }
  }

  // Outlines the municipalities `codes` (GM…); none clears the layer.
  function drawOutlines(codes) {
    const group = layer("municipality-outlines");
    group.setAttribute("aria-hidden", "true");
    const wanted = codes.filter(Boolean);
    group.dataset.municipalities = wanted.join(" ");
    if (!wanted.length) { group.replaceChildren(); return; }
    load().then((all) => {
      // A later selection may have replaced this one while the file was loading.
      if (!all || group.dataset.municipalities !== wanted.join(" ")) return;
      group.replaceChildren(...wanted.filter((code) => all[code]).map((code) => {
        const path = svg("path", { class: "municipality-outline", "data-municipality": code, d: all[code].path,
          "fill-rule": "evenodd" });
        const title = svg("title");
        title.textContent = all[code].name;
        path.append(title);
        return path;
      }));
    });
  }

  // The municipalities of a region, once the outlines are loaded (an empty list before).
  function municipalitiesOf(region) {
    if (!outlines) { load(); return []; }
    return Object.keys(outlines).filter((code) => outlines[code].region === region).sort();
  }

  return { drawPoints, drawOutlines, municipalitiesOf, load };
})();
