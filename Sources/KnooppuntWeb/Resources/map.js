// The map's layers over the regions, on the desk and on the operator screen (one script for
// both): a point per incident (at its own point, else its municipality's centre; the server
// computes both in the map's coordinates as `mapPoint`), the outlines of municipalities (the
// selected incident's, a selected region's, the screen's own region's), and on the screen the
// point of a new incident. The outlines are loaded once, on first use, from
// /assets/municipalities.json (~130 KB; most visits to the desk never need them).
//
// The page's <svg id="map"> says how it is drawn: `data-projection` holds the server's
// projection (min longitude, max latitude, scale, longitude factor, margin), so a click
// becomes latitude/longitude by the server's formula; `data-zoom` says how much a focused map
// (the screen's region) is enlarged, so points and the marker keep their size on screen.
"use strict";
window.KMap = (function () {
  const { t } = window.K;
  const ns = "http://www.w3.org/2000/svg";
  // Layers drawn under the region labels (outlines); every other layer goes on top.
  const underLabels = ["region-municipalities", "municipality-outlines"];
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
  function zoom() { return Number(map().dataset.zoom) || 1; }
  // A layer of the map by id, made once, in the order regions → outlines → labels → points →
  // new point, so points stay on top (clickable) and outlines stay under the labels.
  function layer(id) {
    let node = document.getElementById(id);
    if (node) return node;
    node = svg("g", { id: id, class: id });
    const before = underLabels.includes(id) ? map().querySelector("g.labels")
      : id === "new-point" ? map().querySelector("text.attribution")
        : document.getElementById("new-point") || map().querySelector("text.attribution");
    if (id === "region-municipalities" && document.getElementById("municipality-outlines")) {
      map().insertBefore(node, document.getElementById("municipality-outlines"));
    } else {
      map().insertBefore(node, before);
    }
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

  // The server's projection (MapProjection): latitude/longitude ↔ map coordinates.
  function projection() {
    const [minLon, maxLat, scale, factor, margin] = (map().dataset.projection || "").split(" ").map(Number);
    return { minLon, maxLat, scale, factor, margin };
  }
  function project(lat, lon) {
    const p = projection();
    return { x: p.margin + (lon - p.minLon) * p.factor * p.scale, y: p.margin + (p.maxLat - lat) * p.scale };
  }
  function unproject(x, y) {
    const p = projection();
    return { lat: p.maxLat - (y - p.margin) / p.scale, lon: p.minLon + (x - p.margin) / (p.factor * p.scale) };
  }
  // Where a mouse event happened, in the map's coordinates (whatever its size on screen).
  function pointOf(event) {
    const matrix = map().getScreenCTM();
    if (!matrix) return null;
    const spot = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    return { x: spot.x, y: spot.y };
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
      const name = t("map.point", incident.title || t("withheld"), incident.municipalityName || incident.region || "") +
        (incident.exercise ? " · " + t("exercise.tag") : "");
      const point = svg("circle", {
        class: "incident-point" + (key === selected ? " selected" : ""), cx: incident.mapPoint.x,
        cy: incident.mapPoint.y, r: (key === selected ? 7 : 5) / zoom(), tabindex: 0, role: "button",
        "aria-label": name, "data-incident": incident.id, "data-key": "point-" + key,
        "data-municipality": incident.municipality || "", "aria-pressed": String(key === selected),
      });
      const title = svg("title");
      title.textContent = name;
      point.append(title);
      point.addEventListener("click", (event) => { event.stopPropagation(); choose(incident); });
      point.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(incident); }
      });
      group.append(point);
    }
  }

  // Outlines the municipalities `codes` (GM…) in `layerId` (the selection's layer unless
  // named); none clears the layer.
  function drawOutlines(codes, layerId, extraClass) {
    const group = layer(layerId || "municipality-outlines");
    group.setAttribute("aria-hidden", "true");
    const wanted = codes.filter(Boolean);
    group.dataset.municipalities = wanted.join(" ");
    if (!wanted.length) { group.replaceChildren(); return; }
    load().then((all) => {
      // A later selection may have replaced this one while the file was loading.
      if (!all || group.dataset.municipalities !== wanted.join(" ")) return;
      group.replaceChildren(...wanted.filter((code) => all[code]).map((code) => {
        const path = svg("path", { class: "municipality-outline" + (extraClass ? " " + extraClass : ""),
          "data-municipality": code, d: all[code].path, "fill-rule": "evenodd" });
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
  // A municipality's name and centre in map coordinates ({name, x, y}), once loaded.
  function municipality(code) { return outlines && outlines[code] ? outlines[code] : null; }

  // The point of a new incident: one focusable marker named by `label`, at map coordinates
  // (x, y); null removes it.
  function drawMarker(spot, label) {
    const group = layer("new-point");
    if (!spot) { group.replaceChildren(); return null; }
    let marker = document.getElementById("new-point-marker");
    if (!marker) {
      marker = svg("circle", { id: "new-point-marker", class: "new-point", tabindex: 0, role: "button" });
      marker.append(svg("title"));
      group.append(marker);
    }
    marker.setAttribute("cx", spot.x);
    marker.setAttribute("cy", spot.y);
    marker.setAttribute("r", 6 / zoom());
    marker.setAttribute("aria-label", label);
    marker.querySelector("title").textContent = label;
    return marker;
  }

  return { drawPoints, drawOutlines, municipalitiesOf, municipality, load, project, unproject, pointOf, drawMarker };
})();
