import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

/// What happens where, on the desk in a real headless Chromium against real processes:
/// incidents as points on the map and their municipality's outline, the filter and the
/// search (never over withheld text), readable titles and times, the BOB report's
/// "gewijzigd sinds" part and its PDF, and the WCAG checks on the desk, a screen and the
/// report.
@Suite("The desk's map, filters, titles, times and BOB report in a real browser", .serialized)
struct DeskViewBrowserTests {
    static let tram = "VR09-20250611-01"
    static let fire = "VR14-20250611-01"
    /// Text only VR09 and VR14 may read: the national desk's view never holds it.
    static let secret = "Geheimwoord\(UUID().uuidString.prefix(6))"
    /// "ma 16 mrt 10:45", the year only when it is not this year's.
    static let dutchTime =
        #"^(ma|di|wo|do|vr|za|zo) \d{1,2} (jan|feb|mrt|apr|mei|jun|jul|aug|sep|okt|nov|dec)( \d{4})? \d{2}:\d{2}$"#
    static let exactTime = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#

    static func incident(_ id: String, title: String, kind: String, location: JSONValue) -> JSONValue {
        [
            "type": "incident", "incident": .string(id), "title": .string(title), "kind": .string(kind),
            "location": location, "startedAt": "2025-06-11T10:42:00+02:00",
            "lead": ["organisation": .string(String(id.prefix(4))), "function": "Operationeel Leider"],
            "status": "open", "classification": "partners",
        ]
    }

    static func sitrep(_ text: String, hidden: String? = nil) -> JSONValue {
        var beeld: [String: JSONValue] = ["MULTI": ["text": .string(text), "classification": "partners"]]
        if let hidden {
            beeld["BRW"] = ["text": .string(hidden), "classification": ["parties": ["VR09", "VR14"]]]
        }
        return [
            "type": "sitrep", "incident": .string(tram), "author": "Informatiemanager ROT Utrecht",
            "confidence": "medium", "verification": "unconfirmed", "beeld": .object(beeld),
        ]
    }

    @Test("points, outlines, filter, search, titles, times, the BOB report and its PDF, and WCAG checks")
    func deskView() async throws {
        let network = try BrowserNetwork(name: "deskview")
        defer {
            network.stopAll()
            network.removeFolder()
        }
        try await network.startNetwork([.init("VR09")!, .init("VR14")!])
        let port = try Ports.free()
        try await network.startDesk(port: port)
        let officer = try network.addPerson(
            "jansen", name: "J. Jansen LOCC", role: "desk-officer", of: .national)
        try network.publish(
            Self.incident(
                Self.tram, title: "Schietincident in tram Oktoberplein", kind: "possibleTerroristAttack",
                location: ["municipality": "GM0344"]), as: .init("VR09")!)
        try network.publish(
            Self.incident(
                Self.fire, title: "Brand in studio Hilversum", kind: "fire",
                location: ["municipality": "GM0402", "point": ["lat": 52.2232, "lon": 5.1763]]),
            as: .init("VR14")!)
        try network.publish(Self.sitrep("Tramverkeer stilgelegd", hidden: Self.secret), as: .init("VR09")!)
        let browser = try await Browser.start(width: 1366, height: 900, logs: network.logs)
        do {
            try await scenario(network, browser, port: port, officer: officer)
        } catch {
            print("desk log:\n\(network.log("desk").suffix(3000))")
            await browser.quit()
            throw error
        }
        await browser.quit()
    }

    private func scenario(
        _ network: BrowserNetwork, _ browser: Browser, port: Int, officer: (password: String, token: String)
    ) async throws {
        let base = "http://127.0.0.1:\(port)"
        try await browser.open(base + "/")
        try await logIn(browser, user: "jansen", password: officer.password)
        try await browser.waitFor(
            "both incidents in the list", timeout: 30,
            """
            return !!document.querySelector('#incidents [data-incident="\(Self.tram)"]')
              && !!document.querySelector('#incidents [data-incident="\(Self.fire)"]');
            """)

        // Both incidents are points on the map, inside the map's box.
        try await browser.waitFor(
            "two points on the map", timeout: 20,
            """
            const box = document.getElementById('map').viewBox.baseVal;
            const points = [...document.querySelectorAll('#incident-points circle.incident-point')];
            return points.length === 2 && points.every((p) => p.cx.baseVal.value > 0 && p.cx.baseVal.value < box.width
              && p.cy.baseVal.value > 0 && p.cy.baseVal.value < box.height);
            """)
        // Hilversum lies north-east of Utrecht: its point is further right and higher up.
        let places =
            try await browser.run(
                """
                const at = (id) => document.querySelector('#incident-points [data-incident="' + id + '"]');
                return [at('\(Self.tram)').cx.baseVal.value, at('\(Self.tram)').cy.baseVal.value,
                  at('\(Self.fire)').cx.baseVal.value, at('\(Self.fire)').cy.baseVal.value];
                """
            ).arrayValue?.compactMap(\.doubleValue) ?? []
        #expect(places.count == 4 && places[2] > places[0] && places[3] < places[1], "\(places)")

        // Selecting the tram incident's point (by keyboard) outlines Utrecht, and only Utrecht.
        _ = try await browser.run(
            """
            const point = document.querySelector('#incident-points [data-incident="\(Self.tram)"]');
            point.focus();
            point.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
            return document.activeElement === point;
            """)
        try await browser.waitFor(
            "Utrecht's outline", timeout: 20,
            """
            const paths = [...document.querySelectorAll('#municipality-outlines path.municipality-outline')];
            return paths.length === 1 && paths[0].dataset.municipality === 'GM0344'
              && paths[0].getAttribute('d').length > 20 && location.hash.includes('\(Self.tram)');
            """)

        // The filter: by kind, by GRIP, and by region (the map's click sets the same filter).
        try await setFilter(browser, "filter-kind", "fire")
        try await expectList(browser, [Self.fire], "kind fire")
        try await setFilter(browser, "filter-kind", "")
        try await setFilter(browser, "filter-region", "VR09")
        try await expectList(browser, [Self.tram], "region VR09")
        // A region chosen and no incident: the region's municipalities are outlined.
        let utrechtRegion = ReferenceData.builtIn.municipalities.values.filter {
            $0.region.rawValue == "VR09"
        }
        _ = try await browser.run("location.hash = ''; return true;")
        try await browser.waitFor(
            "the outlines of VR09's \(utrechtRegion.count) municipalities", timeout: 20,
            """
            const codes = [...document.querySelectorAll('#municipality-outlines path')].map((p) => p.dataset.municipality);
            return codes.length === \(utrechtRegion.count) && codes.includes('GM0344');
            """)
        try await setFilter(browser, "filter-region", "")
        try await browser.waitFor(
            "no outlines without a choice", timeout: 20,
            "return document.querySelectorAll('#municipality-outlines path').length === 0;")
        _ = try await browser.run("location.hash = 'incident=\(Self.tram)'; return true;")
        try await setFilter(browser, "filter-grip", "3")
        try await expectList(browser, [], "GRIP 3")
        try await setFilter(browser, "filter-grip", "none")
        try await expectList(browser, [Self.fire, Self.tram], "no GRIP")
        try await setFilter(browser, "filter-grip", "")

        // The search finds visible report text and never the withheld section.
        try await browser.type("#filter-text", "tramverkeer")
        try await expectList(browser, [Self.tram], "search 'tramverkeer'")
        try await browser.clear("#filter-text")
        try await browser.type("#filter-text", Self.secret)
        try await expectList(browser, [], "search for withheld text")
        let leaked = try await browser.run(
            "return document.body.innerText.includes(arguments[0]) || JSON.stringify(window.knooppuntDesk).includes(arguments[0]);",
            [.string(Self.secret)])
        #expect(leaked.boolValue == false, "withheld text on the desk")
        try await browser.clear("#filter-text")
        try await expectList(browser, [Self.fire, Self.tram], "no filter")

        // An acknowledgement request about the sitrep: titled by what it is about.
        let sitreps = try await HTTP.request(
            "GET", base + "/api/v1/incidents/\(Self.tram)/sitreps",
            headers: ["Authorization": "Bearer \(officer.token)"])
        let firstSitrep = try #require(sitreps.json["sitreps"]?.arrayValue?.first)
        let sitrepID = try #require(firstSitrep["id"]?.stringValue)
        let request = try await HTTP.request(
            "POST", base + "/api/v1/ack-requests",
            json: ["subject": .string(sitrepID), "parties": ["VR09"], "deadlineMinutes": 30],
            headers: ["Authorization": "Bearer \(officer.token)"])
        #expect([201, 202].contains(request.status), "ack request: \(request.status) \(request.json)")
        try await browser.waitFor(
            "the acknowledgement request on the board", timeout: 30,
            "return !!document.querySelector('#acks .ack .subject-title');")
        let title = try await browser.run(
            "return document.querySelector('#acks .ack .subject-title').textContent;")
        #expect(title.stringValue?.contains(sitrepID) == false, "titled by id: \(title)")
        #expect(
            title.stringValue?.contains("Schietincident") == true
                || title.stringValue?.contains("VR09") == true)
        let bareIDs = try await browser.run(
            "return (document.body.innerText.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) || []);"
        )
        #expect(bareIDs.arrayValue?.isEmpty == true, "bare report ids visible: \(bareIDs)")

        // Times in the Dutch form, the exact time on hover.
        let times =
            try await browser.run(
                """
                return [...document.querySelectorAll('#incidents time, #detail time')].map((t) => [t.textContent, t.title]);
                """
            ).arrayValue ?? []
        #expect(times.count >= 3, "times: \(times)")
        for pair in times {
            let readable = pair.arrayValue?.first?.stringValue ?? ""
            let exact = pair.arrayValue?.last?.stringValue ?? ""
            #expect(readable.wholeMatch(of: try Regex(Self.dutchTime)) != nil, "readable: \(readable)")
            #expect(exact.wholeMatch(of: try Regex(Self.exactTime)) != nil, "exact: \(exact)")
        }

        let problems = try await Accessibility.problems(browser)
        #expect(problems.isEmpty, "desk: \(problems)")

        try await reportScenario(network, browser, base: base, officer: officer, firstSitrep: firstSitrep)
        try await screenScenario(network, browser)
    }

    /// Two more sitreps after a chosen time: "gewijzigd sinds" holds exactly those, the
    /// history all three; the PDF is a PDF.
    private func reportScenario(
        _ network: BrowserNetwork, _ browser: Browser, base: String,
        officer: (password: String, token: String),
        firstSitrep: JSONValue
    ) async throws {
        let since = Int64(try #require(firstSitrep["committedAt"]?.doubleValue))
        try network.publish(Self.sitrep("Afzetting Oktoberplein uitgebreid"), as: .init("VR09")!)
        try network.publish(Self.sitrep("Tweede locatie onderzocht, niets gevonden"), as: .init("VR09")!)
        var later: [String] = []
        try await waitUntil("three sitreps at the desk", timeout: 30) {
            let answer = try await HTTP.request(
                "GET", base + "/api/v1/incidents/\(Self.tram)/sitreps",
                headers: ["Authorization": "Bearer \(officer.token)"])
            let all = answer.json["sitreps"]?.arrayValue ?? []
            later = all.filter { ($0["committedAt"]?.doubleValue ?? 0) > Double(since) }.compactMap {
                $0["id"]?.stringValue
            }
            return all.count == 3
        }
        #expect(later.count == 2)
        let sinceText = Timestamp(millisecondsSinceEpoch: since).inAmsterdam.rfc3339
            .replacingOccurrences(of: "+", with: "%2B")
        let query = "?since=\(sinceText)"
        try await browser.open(base + "/incidents/\(Self.tram)/report\(query)")
        try await browser.waitFor("the report", timeout: 20, "return !!document.getElementById('history');")
        let answer = try await browser.run(
            """
            const ids = (css) => [...document.querySelectorAll(css)].map((s) => s.dataset.id);
            return [ids('#changed section.sitrep'), ids('#history section.sitrep'),
              document.querySelector('#current').textContent.includes('Tweede locatie onderzocht'),
              [...document.querySelectorAll('section, h2')].map((n) => n.id).filter(Boolean)];
            """)
        let parts = answer.arrayValue ?? []
        #expect(parts.count == 4, "\(answer)")
        guard parts.count == 4 else { return }
        #expect(parts[0].arrayValue?.compactMap(\.stringValue) == later, "changed since: \(parts)")
        #expect(parts[1].arrayValue?.count == 3, "history: \(parts)")
        #expect(parts[2].boolValue == true, "the current beeld is the latest")
        // The order of the BOB report: current picture, changed since, history.
        let order = parts[3].arrayValue?.compactMap(\.stringValue).filter {
            ["current", "changed", "history"].contains($0)
        }
        #expect(order == ["current", "changed", "history"])
        let problems = try await Accessibility.problems(browser)
        #expect(problems.isEmpty, "report: \(problems)")

        let pdf = try await HTTP.request(
            "GET", base + "/incidents/\(Self.tram)/report.pdf\(query)",
            headers: ["Authorization": "Bearer \(officer.token)"])
        if Browser.chromium != nil {
            #expect(pdf.status == 200 && pdf.body.starts(with: Array("%PDF".utf8)), "PDF: \(pdf.status)")
        } else {
            #expect(pdf.status == 503 && String(decoding: pdf.body, as: UTF8.self).contains("Chromium"))
        }
    }

    /// The operator screen passes the same WCAG checks.
    private func screenScenario(_ network: BrowserNetwork, _ browser: Browser) async throws {
        let port = try Ports.free()
        let operatorAccount = try network.addPerson(
            "im", name: "Informatiemanager ROT Utrecht", role: "operator", of: .init("VR09")!)
        try network.start("screen", ["screen", "--as", "VR09", "--port", String(port)])
        try await waitUntil("the operator screen", timeout: 20) {
            (try? await HTTP.request(
                "GET", "http://127.0.0.1:\(port)/api/v1/status",
                headers: ["Authorization": "Bearer \(operatorAccount.token)"]))?.json["reachable"]?.boolValue
                == true
        }
        try await browser.open("http://127.0.0.1:\(port)/")
        try await logIn(browser, user: "im", password: operatorAccount.password)
        try await browser.waitFor(
            "the screen's picture", timeout: 20,
            "return window.knooppuntScreen && knooppuntScreen.sequence >= 1")
        let problems = try await Accessibility.problems(browser)
        #expect(problems.isEmpty, "operator screen: \(problems)")
    }

    private func setFilter(_ browser: Browser, _ id: String, _ value: String) async throws {
        _ = try await browser.run(
            """
            const select = document.getElementById(arguments[0]);
            select.value = arguments[1];
            select.dispatchEvent(new Event('change', { bubbles: true }));
            return select.value === arguments[1];
            """, [.string(id), .string(value)])
    }

    /// Waits until the incident list shows exactly `ids` (sorted).
    private func expectList(_ browser: Browser, _ ids: [String], _ what: String) async throws {
        let expected = String(
            decoding: JSONWriter.canonical(.array(ids.sorted().map(JSONValue.string))), as: UTF8.self)
        try await browser.waitFor(
            "the list for \(what): \(expected)", timeout: 20,
            """
            const ids = [...document.querySelectorAll('#incidents [data-incident]')].map((b) => b.dataset.incident).sort();
            return JSON.stringify(ids) === '\(expected)';
            """)
    }

    private func logIn(_ browser: Browser, user: String, password: String) async throws {
        try await browser.waitFor(
            "the login page", timeout: 20, "return !!document.getElementById('login-form');")
        try await browser.type("#login-user", user)
        try await browser.type("#login-password", password)
        try await browser.click("#login-submit")
    }
}
