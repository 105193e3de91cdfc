import Foundation
import StrictJSON
import Testing

/// The map of the whole-incident scenario: the operator places the new incident's point on
/// the screen's map (the municipality's centre, a click, the arrow keys), the point shows on
/// the screen's map and on the desk's at the same place, and an acknowledgement request about
/// the opening report keeps a readable title once the incident is closed.
extension ScreenIncidentBrowserTests {
    /// A point outside the municipality of Utrecht (Amersfoort, same region) and one inside
    /// it (the Oktoberplein).
    static let amersfoort = (lat: 52.1561, lon: 5.3878)
    static let oktoberplein = (lat: 52.0937, lon: 5.1283)

    /// Where (`lat`, `lon`) is in the viewport, after scrolling the map into view.
    func onScreen(_ browser: Browser, _ lat: Double, _ lon: Double) async throws -> (x: Int, y: Int) {
        let spot = try await browser.run(
            """
            const map = document.getElementById('map');
            map.scrollIntoView({ block: 'center' });
            const p = KMap.project(arguments[0], arguments[1]);
            const c = new DOMPoint(p.x, p.y).matrixTransform(map.getScreenCTM());
            return [Math.round(c.x), Math.round(c.y)];
            """, [.number(lat), .number(lon)])
        return (Int(spot[0]?.doubleValue ?? -1), Int(spot[1]?.doubleValue ?? -1))
    }

    func placePoint(_ browser: Browser) async throws {
        try await browser.waitFor(
            "the point at the centre of Utrecht", timeout: 20,
            """
            return window.knooppuntMap.source === 'centre' && window.knooppuntMap.inside === true
              && !!document.getElementById('new-point-marker') && document.getElementById('open-lat').value !== '';
            """)
        let outside = try await onScreen(browser, Self.amersfoort.lat, Self.amersfoort.lon)
        try await browser.clickAt(x: outside.x, y: outside.y)
        try await browser.waitFor(
            "the screen saying the point is not in Utrecht", timeout: 20,
            """
            const note = document.getElementById('open-point-note');
            return window.knooppuntMap.source === 'click' && window.knooppuntMap.inside === false
              && note.textContent.includes('Amersfoort, niet in Utrecht');
            """)
        let inside = try await onScreen(browser, Self.oktoberplein.lat, Self.oktoberplein.lon)
        try await browser.clickAt(x: inside.x, y: inside.y)
        try await browser.waitFor(
            "the point in Utrecht", timeout: 20,
            """
            return window.knooppuntMap.source === 'click' && window.knooppuntMap.inside === true
              && document.getElementById('open-point-note').textContent.includes('Utrecht')
              && Math.abs(window.knooppuntMap.point.lat - \(Self.oktoberplein.lat)) < 0.01;
            """)
        let clicked = try await browser.run("return window.knooppuntMap.point.lon;").doubleValue ?? 0
        _ = try await browser.run("document.getElementById('new-point-marker').focus(); return true;")
        try await browser.press("\u{E014}")
        try await browser.waitFor(
            "the point moved east by the arrow key", timeout: 20,
            """
            return window.knooppuntMap.source === 'keys' && window.knooppuntMap.point.lon > \(clicked)
              && document.getElementById('open-lon').value === String(window.knooppuntMap.point.lon)
              && document.activeElement === document.getElementById('new-point-marker');
            """)
    }

    /// The opened incident's point on the screen's map where the operator put it, the same
    /// point on the desk's map, both reachable and named for a screen reader.
    func pointOnBothMaps(_ browser: Browser, _ tabs: Tabs, _ incident: String) async throws {
        let circle = "#incident-points circle[data-incident=\"\(incident)\"]"
        try await browser.waitFor(
            "the incident's point on the screen's map", timeout: 30,
            """
            const c = document.querySelector(\(Self.quoted(circle)));
            const sent = document.getElementById('open-result').dataset.incident === \(Self.quoted(incident));
            return !!c && sent && !document.getElementById('new-point-marker');
            """)
        let screen = try await browser.run(
            "const c = document.querySelector(\(Self.quoted(circle))); return [c.getAttribute('cx'), c.getAttribute('cy')];"
        )
        // Where the Oktoberplein is (the point went one step east of it).
        let near = try await browser.run(
            """
            const c = document.querySelector(\(Self.quoted(circle)));
            const p = KMap.project(\(Self.oktoberplein.lat), \(Self.oktoberplein.lon));
            return Math.abs(Number(c.getAttribute('cx')) - p.x) < 1 && Math.abs(Number(c.getAttribute('cy')) - p.y) < 1;
            """)
        #expect(near.boolValue == true, "the point is not where it was placed: \(screen)")
        // Keyboard: Enter on the point selects it and outlines its municipality.
        // The screen redraws its points on every picture: focus and key in one step.
        try await browser.press("\u{E007}", on: circle)
        try await browser.waitFor(
            "the point selected by the keyboard", timeout: 20,
            """
            const c = document.querySelector(\(Self.quoted(circle)));
            return window.knooppuntMap.selected === \(Self.quoted(incident)) && !!c && c.getAttribute('aria-pressed') === 'true'
              && !!document.querySelector('#municipality-outlines path[data-municipality="GM0344"]')
              && document.querySelectorAll('#region-municipalities path.own').length > 10;
            """)
        let named = try await browser.run(
            """
            const points = [...document.querySelectorAll('#map circle')];
            return points.length > 0 && points.every((p) => p.getAttribute('tabindex') === '0'
              && p.getAttribute('role') === 'button' && (p.getAttribute('aria-label') || '').includes('Incident'))
              && [...document.querySelectorAll('#map .region')].every((r) => !r.hasAttribute('tabindex'));
            """)
        #expect(named.boolValue == true, "the screen's map points are not all reachable and named")
        let problems = try await Accessibility.problems(browser)
        #expect(problems.isEmpty, "operator screen with its map: \(problems)")
        _ = try await onScreen(browser, Self.oktoberplein.lat, Self.oktoberplein.lon)
        try await browser.screenshot(to: Paths.output.appendingPathComponent("screen-map-1366x900.png"))
        try await browser.command("POST", "/window", ["handle": .string(tabs.desk)])
        try await browser.waitFor(
            "the same point on the desk's map", timeout: 30,
            """
            const c = document.querySelector(\(Self.quoted(circle)));
            return !!c && c.getAttribute('cx') === \(Self.quoted(screen[0]?.stringValue ?? "?"))
              && c.getAttribute('cy') === \(Self.quoted(screen[1]?.stringValue ?? "?"));
            """)
        try await browser.command("POST", "/window", ["handle": .string(tabs.screen)])
    }

    /// On the desk: asks VR09 to acknowledge `report`.
    func requestAcknowledgement(_ browser: Browser, _ tabs: Tabs, of report: String) async throws {
        try await browser.command("POST", "/window", ["handle": .string(tabs.desk)])
        try await browser.clear("#ack-subject")
        try await browser.type("#ack-subject", report)
        try await browser.clear("#ack-parties")
        try await browser.type("#ack-parties", "VR09")
        try await browser.click("#ack-form button[type=\"submit\"]")
        try await browser.waitFor(
            "the request about the opening report on the desk", timeout: 30,
            "return !!document.querySelector('#acks [data-subject=\"\(report)\"] .subject-title');")
        try await browser.command("POST", "/window", ["handle": .string(tabs.screen)])
    }

    /// Once the incident is closed its opening report has left the picture: the request
    /// about it is titled by the incident, marked closed, on the desk and on the screen.
    func closedSubjectTitled(_ browser: Browser, _ tabs: Tabs, _ report: String) async throws {
        try await browser.waitFor(
            "the request on the screen titled by the closed incident", timeout: 30,
            """
            const b = document.querySelector('#own-requests [data-subject="\(report)"] b');
            return !!b && b.textContent.includes(\(Self.quoted(Self.title))) && b.textContent.includes('gesloten');
            """)
        try await browser.command("POST", "/window", ["handle": .string(tabs.desk)])
        try await browser.waitFor(
            "the request on the desk titled by the closed incident", timeout: 30,
            """
            const b = document.querySelector('#acks [data-subject="\(report)"] .subject-title');
            return !!b && b.textContent.includes(\(Self.quoted(Self.title))) && b.textContent.includes('gesloten');
            """)
        try await browser.command("POST", "/window", ["handle": .string(tabs.screen)])
    }
}
