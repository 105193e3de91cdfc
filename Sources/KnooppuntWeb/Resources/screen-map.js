// The operator screen's map (map.js draws it, as on the desk): the region's own municipalities
// outlined, the incidents of the screen's picture as points (a click, Enter or space selects
// one and outlines its municipality), and the point of a new incident for the open form of
// screen-incident.js. Choosing the municipality puts the point at its centre; a click on the
// map puts it there; the arrow keys move it (Shift: further), and the latitude/longitude
// fields stay as the typed way. Whether the point lies in the chosen municipality is asked of
// the server (GET /api/v1/municipalities/at), which applies the same rule when the incident is
// opened, and said here in the page's language.
"use strict";
(function () {
  const { t } = window.K;
  const organisation = document.body.dataset.organisation;
  const map = document.getElementById("map");
  const probe = window.knooppuntIncidents;
  if (!map || !probe) return;
  // How far one arrow key moves the point (metres), and with Shift.
  const stepMetres = 100;
  const bigStepMetres = 1000;
  const metresPerDegree = 111320;
  // Decimals of a typed or placed coordinate (five: about a metre).
  const decimals = 5;
  const field = (id) => document.getElementById(id);
  const screenProbe = window.knooppuntMap = { selected: null, point: null, source: null, inside: null };
  let incidents = [];
  let selected = null;

  // The region's own municipalities, once the outlines are loaded.
  KMap.load().then(() => KMap.drawOutlines(KMap.municipalitiesOf(organisation), "region-municipalities", "own"));

  function keyOf(incident) { return incident.id + (incident.exercise ? "#x" : ""); }
  function draw() {
    KMap.drawPoints(incidents, selected, choose);
    const incident = incidents.find((i) => keyOf(i) === selected);
    KMap.drawOutlines(incident && incident.municipality ? [incident.municipality] : []);
  }
  // Selecting a point: the screen's own open incidents are also chosen in the panel below.
  function choose(incident) {
    selected = keyOf(incident);
    screenProbe.selected = incident.id;
    const chooser = field("manage-incident");
    const value = (incident.exercise ? "exercise/" : "") + incident.id;
    if (chooser && [...chooser.options].some((o) => o.value === value) && chooser.value !== value) {
      chooser.value = value;
      chooser.dispatchEvent(new Event("change"));
    }
    draw();
  }
  document.addEventListener("knooppunt:picture", (event) => {
    incidents = event.detail.incidents || [];
    if (selected && !incidents.some((i) => keyOf(i) === selected)) selected = null;
    draw();
  });
  document.addEventListener("change", (event) => {
    if (event.target.id !== "manage-incident") return;
    const incident = incidents.find((i) => (i.exercise ? "exercise/" : "") + i.id === event.target.value);
    if (incident && keyOf(incident) !== selected) { selected = keyOf(incident); draw(); }
  });

  // The point of a new incident.
  const round = (n) => Number(n.toFixed(decimals));
  function setPoint(lat, lon, source) {
    lat = round(lat);
    lon = round(lon);
    screenProbe.point = { lat, lon };
    screenProbe.source = source;
    field("open-lat").value = String(lat);
    field("open-lon").value = String(lon);
    const marker = KMap.drawMarker(KMap.project(lat, lon), t("map.marker", lat, lon));
    if (!marker.dataset.keys) {
      marker.dataset.keys = "1";
      marker.setAttribute("aria-describedby", "open-point-help");
      marker.addEventListener("keydown", move);
    }
    check();
  }
  function clearPoint() {
    screenProbe.point = null;
    screenProbe.source = null;
    screenProbe.inside = null;
    KMap.drawMarker(null);
    field("open-point-note").textContent = "";
    field("open-point-note").className = "point-note";
  }
  function move(event) {
    const steps = { ArrowUp: [1, 0], ArrowDown: [-1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[event.key];
    if (!steps || !screenProbe.point) return;
    event.preventDefault();
    const metres = event.shiftKey ? bigStepMetres : stepMetres;
    const { lat, lon } = screenProbe.point;
    setPoint(lat + steps[0] * metres / metresPerDegree,
      lon + steps[1] * metres / (metresPerDegree * Math.cos(lat * Math.PI / 180)), "keys");
    document.getElementById("new-point-marker").focus();
  }

  // Asks the server where the point lies; the answer to the latest question only is shown.
  let asked = 0;
  async function check() {
    const point = screenProbe.point;
    const chosen = probe.municipalityCode ? probe.municipalityCode() : "";
    const note = field("open-point-note");
    if (!point) return;
    const question = ++asked;
    const answer = await K.request("GET", "/api/v1/municipalities/at?lat=" + point.lat + "&lon=" + point.lon +
      (chosen ? "&municipality=" + encodeURIComponent(chosen) : "")).catch(() => null);
    if (question !== asked || !answer || !answer.ok) return;
    const found = answer.body.municipality;
    const chosenName = (KMap.municipality(chosen) || {}).name || chosen;
    // A click with no municipality chosen yet chooses the one it fell in.
    if (!chosen && found) {
      field("open-municipality").value = found.region === organisation ? found.name : found.code;
      return check();
    }
    screenProbe.inside = answer.body.inside === undefined ? null : answer.body.inside;
    const outside = answer.body.inside === false;
    note.className = "point-note" + (outside ? " bad" : "");
    note.textContent = outside ? t("map.outside", found ? found.name : t("map.nowhere"), chosenName)
      : found ? t("map.inside", found.name) : "";
    field("open-point").toggleAttribute("aria-invalid", outside);
  }

  map.addEventListener("click", (event) => {
    if (field("open-send") && field("open-send").disabled) return;
    const spot = KMap.pointOf(event);
    if (!spot) return;
    const { lat, lon } = KMap.unproject(spot.x, spot.y);
    setPoint(lat, lon, "click");
  });
  // Choosing the municipality puts the point at its centre, unless the operator placed it.
  async function municipalityChosen() {
    await KMap.load();
    const code = probe.municipalityCode ? probe.municipalityCode() : "";
    const known = KMap.municipality(code);
    if (!known) return;
    if (screenProbe.point && screenProbe.source !== "centre") return check();
    const { lat, lon } = KMap.unproject(known.x, known.y);
    setPoint(lat, lon, "centre");
  }
  field("open-municipality").addEventListener("change", municipalityChosen);
  field("open-municipality").addEventListener("input", municipalityChosen);
  // Typed coordinates move the marker.
  for (const id of ["open-lat", "open-lon"]) {
    field(id).addEventListener("change", () => {
      const lat = Number(field("open-lat").value.replace(",", "."));
      const lon = Number(field("open-lon").value.replace(",", "."));
      if (field("open-lat").value.trim() && field("open-lon").value.trim() && isFinite(lat) && isFinite(lon)) {
        setPoint(lat, lon, "typed");
      } else if (!field("open-lat").value.trim() && !field("open-lon").value.trim()) {
        clearPoint();
      }
    });
  }
  // Opened: the new incident shows as its own point; the form starts afresh.
  document.addEventListener("knooppunt:opened", () => {
    clearPoint();
    field("open-lat").value = "";
    field("open-lon").value = "";
  });
})();
