import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

/// An operator of VR09 handles a whole incident on the operator screen, without the command
/// line: open it, GRIP 1 → 3 following the node's advice, three sitreps, measures, an
/// acknowledgement request answered, close. The national desk, in a second tab of the same
/// real Chromium, shows each step as it happens. No page shows a bare report id as a title.
@Suite("The whole incident on the operator screen", .serialized)
struct ScreenIncidentBrowserTests {
    static let vr09 = OrganisationCode("VR09")!
    static let title = "Schietincident in tram 24 Oktoberplein"
    /// A report id (UUID) as the whole text of a title-like element.
    static let bareID = "/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i"

    /// Both tabs of the browser: the desk's and the screen's.
    struct Tabs {
        let desk: String
        let screen: String
    }

    @Test("an operator handles a whole incident on the screen while the desk follows it live")
    func wholeIncident() async throws {
        let network = try BrowserNetwork(name: "incident")
        defer {
            network.stopAll()
            network.removeFolder()
        }
        try await network.startNetwork([Self.vr09])
        let deskPort = try Ports.free()
        try await network.startDesk(port: deskPort)
        let officer = try network.addPerson(
            "jansen", name: "J. Jansen LOCC", role: "desk-officer", of: .national)
        let manager = try network.addPerson(
            "im", name: "Informatiemanager ROT Utrecht", role: "operator", of: Self.vr09)
        let screenPort = try Ports.free()
        try network.start("screen", ["screen", "--as", "VR09", "--port", String(screenPort)])
        try await waitUntil("the operator screen", timeout: 20) {
            (try? await HTTP.request(
                "GET", "http://127.0.0.1:\(screenPort)/api/v1/status",
                headers: ["Authorization": "Bearer \(manager.token)"]))?.json["reachable"]?.boolValue == true
        }
        let browser = try await Browser.start(width: 1366, height: 900, logs: network.logs)
        do {
            let tabs = try await signIn(
                browser, desk: deskPort, screen: screenPort, officer: officer.password,
                manager: manager.password)
            try await scenario(browser, tabs)
        } catch {
            print("screen log:\n\(network.log("screen").suffix(3000))")
            print("desk log:\n\(network.log("desk").suffix(2000))")
            await browser.quit()
            throw error
        }
        await browser.quit()
    }

    @Test("NCTV's screen takes the step plan's first steps; the police's screen sends its labels")
    func nctvAndPolice() async throws {
        let network = try BrowserNetwork(name: "steps")
        defer {
            network.stopAll()
            network.removeFolder()
        }
        try await network.startNetwork([Self.vr09, .nctv, .police])
        try network.publish(BrowserTests.incidentDocument(), as: Self.vr09)
        let nctv = try network.addPerson("dienst", name: "Dienstdoende NCTV", role: "desk-officer", of: .nctv)
        let police = try network.addPerson("agent", name: "P. de Vries", role: "operator", of: .police)
        let nctvPort = try Ports.free()
        try network.start("screen-nctv", ["screen", "--as", "NCTV", "--port", String(nctvPort)])
        let policePort = try Ports.free()
        try network.start("screen-police", ["screen", "--as", "POLICE", "--port", String(policePort)])
        func ask(
            _ port: Int, _ token: String, _ method: String, _ path: String, _ body: JSONValue? = nil
        )
            async throws -> HTTP.Reply
        {
            try await HTTP.request(
                method, "http://127.0.0.1:\(port)\(path)", json: body,
                headers: ["Authorization": "Bearer \(token)"])
        }
        for (port, token) in [(nctvPort, nctv.token), (policePort, police.token)] {
            try await waitUntil("the screen on \(port)", timeout: 20) {
                (try? await ask(port, token, "GET", "/api/v1/status"))?.json["reachable"]?.boolValue == true
            }
        }

        // Out of order: refused with E700 and what comes next.
        let early = try await ask(
            nctvPort, nctv.token, "POST", "/api/v1/threat-steps",
            ["area": "PV26", "step": "declare", "reason": "Dreiging", "exercise": true])
        #expect(early.status == 422 && early.json["code"]?.integerValue == 700, "\(early.json)")
        let proposed = try await ask(
            nctvPort, nctv.token, "POST", "/api/v1/threat-steps",
            ["area": "PV26", "step": "propose", "reason": "Concrete aanwijzingen", "exercise": true])
        #expect(proposed.status == 202, "\(proposed.json)")
        try await waitUntil("the proposal in NCTV's picture", timeout: 30) {
            let board = try await ask(nctvPort, nctv.token, "GET", "/api/v1/threat-steps?exercise=true")
            return board.json["areas"]?[0]?["step"]?.stringValue == "proposed"
        }
        let consulted = try await ask(
            nctvPort, nctv.token, "POST", "/api/v1/threat-steps",
            ["area": "PV26", "step": "consult", "deadlineMinutes": 30, "exercise": true])
        #expect(consulted.status == 202, "\(consulted.json)")
        #expect(consulted.json["reports"]?.arrayValue?.count == 2, "the step and its acknowledgement request")
        try await waitUntil("the consultation in NCTV's picture", timeout: 30) {
            let board = try await ask(nctvPort, nctv.token, "GET", "/api/v1/threat-steps?exercise=true")
            return board.json["areas"]?[0]?["step"]?.stringValue == "consulting"
        }

        // The police's screen offers the policy's labels; a sitrep with one is accepted, and an
        // unlisted label is refused by the police daemon with its code.
        let labels = try await ask(policePort, police.token, "GET", "/api/v1/police-labels")
        #expect(labels.json["labels"]?.arrayValue?.contains("vuurwapengevaarlijk") == true, "\(labels.json)")
        let sitrep: JSONValue = [
            "type": "sitrep", "incident": .string(BrowserTests.incident), "confidence": "medium",
            "verification": "unconfirmed",
            "beeld": ["POL": ["text": "Verdachte aangehouden", "classification": "police"]],
            "policeLabels": ["vuurwapengevaarlijk"],
        ]
        let sent = try await ask(policePort, police.token, "POST", "/api/v1/sitreps", sitrep)
        #expect(sent.status == 202, "\(sent.json)")
        let id = sent.json["id"]?.stringValue ?? ""
        try await waitUntil("the labelled sitrep accepted", timeout: 30) {
            try await ask(policePort, police.token, "GET", "/api/v1/reports/\(id)").json["state"]?.stringValue
                == "accepted"
        }
        var unlisted = sitrep.objectValue ?? [:]
        unlisted["policeLabels"] = ["geen-label"]
        let refused = try await ask(policePort, police.token, "POST", "/api/v1/sitreps", .object(unlisted))
        #expect(refused.status == 422 && refused.json["code"]?.integerValue == 205, "\(refused.json)")

        // On NCTV's page the panel chooses the plan's next step (declare) and takes it.
        let browser = try await Browser.start(width: 1366, height: 900, logs: network.logs)
        do {
            try await browser.open("http://127.0.0.1:\(nctvPort)/")
            try await logIn(browser, user: "dienst", password: nctv.password)
            try await browser.waitFor(
                "the step plan panel", timeout: 20, "return !!document.getElementById('step-form');")
            try await browser.clear("#step-area")
            try await browser.type("#step-area", "PV26")
            try await browser.click("#step-exercise")
            try await browser.waitFor(
                "the next step chosen", timeout: 20,
                """
                return !!document.querySelector('#step-board [data-area="PV26"][data-step="consulting"]')
                  && document.getElementById('step-step').value === 'declare';
                """)
            try await browser.type("#step-reason", "Dreigingsniveau 5 voor de provincie Utrecht")
            try await browser.click("#step-send")
            try await browser.waitFor(
                "the declaration on the board", timeout: 30,
                "return !!document.querySelector('#step-board [data-area=\"PV26\"][data-step=\"declared\"]');"
            )
            try await browser.screenshot(
                to: Paths.output.appendingPathComponent("screen-nctv-steps-1366x900.png"))
        } catch {
            print("NCTV screen log:\n\(network.log("screen-nctv").suffix(3000))")
            await browser.quit()
            throw error
        }
        await browser.quit()
    }

    /// The desk in the first tab, the screen in a second, each with its own person signed in.
    private func signIn(
        _ browser: Browser, desk: Int, screen: Int, officer: String, manager: String
    ) async throws -> Tabs {
        try await browser.open("http://127.0.0.1:\(desk)/")
        try await logIn(browser, user: "jansen", password: officer)
        try await browser.waitFor(
            "the desk's first state", timeout: 20, "return window.knooppuntDesk && knooppuntDesk.updates > 0")
        let deskTab = try await browser.command("GET", "/window").stringValue ?? ""
        let opened = try await browser.command("POST", "/window/new", ["type": "tab"])
        let screenTab = opened["handle"]?.stringValue ?? ""
        try await browser.command("POST", "/window", ["handle": .string(screenTab)])
        try await browser.open("http://127.0.0.1:\(screen)/")
        try await logIn(browser, user: "im", password: manager)
        try await browser.waitFor(
            "the screen's picture and incident panel", timeout: 20,
            "return window.knooppuntScreen && knooppuntScreen.sequence >= 0 && !!document.getElementById('open-send');"
        )
        return Tabs(desk: deskTab, screen: screenTab)
    }

    private func scenario(_ browser: Browser, _ tabs: Tabs) async throws {
        // Open: the municipality is found by its name in the region's own list (Utrecht, GM0344).
        try await browser.waitFor(
            "the region's municipalities to choose from", timeout: 20,
            """
            const options = [...document.querySelectorAll('#municipality-list option')];
            return options.length > 0 && options.some((o) => o.value === 'GM0344' && o.textContent === 'Utrecht');
            """)
        try await browser.type("#open-title", Self.title)
        try await browser.click("#open-kind option[value=\"possibleTerroristAttack\"]")
        try await browser.type("#open-municipality", "Utrecht")
        // The point: the municipality's centre, then a click outside it (refused in Dutch), a
        // click at the Oktoberplein, one step east with the arrow key.
        try await placePoint(browser)
        try await browser.type("#open-lead", "Burgemeester van Utrecht")
        try await browser.click("#open-send")
        try await browser.waitFor(
            "the incident opened", timeout: 30,
            "return !!document.getElementById('open-result').dataset.incident;")
        let incident =
            try await browser.run("return document.getElementById('open-result').dataset.incident;")
            .stringValue ?? ""
        let opening =
            try await browser.run("return document.getElementById('open-result').dataset.report;")
            .stringValue ?? ""
        #expect(incident.hasPrefix("VR09-"))
        try await onDesk(browser, tabs, "the incident with the GRIP 3 advice", incident) {
            "return !!i && i.textContent.includes(\(Self.quoted(Self.title))) && !!i.querySelector('.grip-advice[data-advice=\"3\"]');"
        }
        try await pointOnBothMaps(browser, tabs, incident)

        // The screen shows the node's advice for the incident and chooses GRIP 3 for the operator.
        try await browser.waitFor(
            "the advice on the screen", timeout: 30,
            """
            return document.getElementById('incident-manage').dataset.incident === \(Self.quoted(incident))
              && document.getElementById('manage-advice').dataset.advice === '3'
              && document.getElementById('grip-level').value === '3';
            """)
        // GRIP 1 goes against the advice: refused at the reason field, with the code.
        try await browser.click("#grip-level option[value=\"1\"]")
        try await browser.click("#grip-send")
        try await browser.waitFor(
            "the reason required", timeout: 20,
            "const n = document.getElementById('grip-reason-error'); return !!n && n.textContent.includes('E203');"
        )
        try await browser.type("#grip-reason", "Eerste melding; beeld nog onduidelijk")
        try await browser.click("#grip-send")
        try await browser.waitFor(
            "GRIP 1 queued", timeout: 20,
            "return document.getElementById('grip-result').classList.contains('ok');")
        try await onDesk(browser, tabs, "GRIP 1", incident) {
            "return !!i && i.querySelector('.badge').textContent === 'G1';"
        }
        // Then GRIP 3, as advised: no reason needed.
        try await browser.waitFor(
            "GRIP 1 on the screen", timeout: 30,
            "return document.getElementById('manage-state').textContent.includes('GRIP 1');")
        try await browser.click("#grip-level option[value=\"3\"]")
        try await browser.click("#grip-send")
        try await onDesk(browser, tabs, "GRIP 3 and the advice gone", incident) {
            "return !!i && i.querySelector('.badge').textContent === 'G3' && !i.querySelector('.grip-advice');"
        }

        // Three sitreps from the compose form, which the opened incident filled in.
        #expect(
            try await browser.run("return document.getElementById('incident').value;").stringValue == incident
        )
        for number in 1...3 {
            let text = "Situatie \(number): omgeving Oktoberplein afgezet"
            try await browser.clear("#beeld-MULTI-text")
            try await browser.type("#beeld-MULTI-text", text)
            try await browser.click("#send")
            try await browser.waitFor(
                "sitrep \(number) accepted", timeout: 30,
                "return [...document.querySelectorAll('#deliveries [data-state=\"accepted\"] .meta')].filter((n) => n.textContent.startsWith('sitrep ·')).length >= \(number);"
            )
            try await onDesk(browser, tabs, "sitrep \(number)", incident) {
                "return !!i && i.textContent.includes(\(Self.quoted("\(number) sitrep(s)")));"
            }
        }

        // Measures for the incident's municipality (filled in for the operator).
        #expect(
            try await browser.run("return document.getElementById('measure-municipalities').value;")
                .stringValue
                == "GM0344")
        try await browser.click("#measure-kind option[value=\"schoolsClosed\"]")
        try await browser.type("#measure-text", "Scholen in de binnenstad houden leerlingen binnen.")
        try await browser.click("#measure-send")
        try await onDesk(browser, tabs, "the measures", incident) {
            "return !!document.querySelector('#measures tr[data-municipality=\"GM0344\"] td.has[data-kind=\"schoolsClosed\"]');"
        }

        // The desk officer gives national advice on the incident and asks VR09 to acknowledge
        // it; the operator answers it by what it is about.
        try await browser.command("POST", "/window", ["handle": .string(tabs.desk)])
        _ = try await browser.run("document.getElementById('actions').open = true; return true;")
        try await browser.waitFor(
            "the incident to advise on", timeout: 20,
            "return !!document.querySelector('#advice-incident option[value=\"\(incident)\"]');")
        try await browser.click("#advice-incident option[value=\"\(incident)\"]")
        try await browser.type(
            "#advice-text", "Landelijk advies: houd de afzetting rond het Oktoberplein aan.")
        try await browser.click("#advice-form button[type=\"submit\"]")
        try await browser.waitFor(
            "the advice accepted", timeout: 30,
            "return document.getElementById('advice-result').classList.contains('ok');")
        let advice =
            try await browser.run(
                "return document.getElementById('advice-result').textContent.match(/[0-9a-f]{8}-[0-9a-f-]{27}/)[0];"
            ).stringValue ?? ""
        try await browser.type("#ack-subject", advice)
        try await browser.type("#ack-parties", "VR09")
        try await browser.click("#ack-form button[type=\"submit\"]")
        try await browser.waitFor(
            "the request on the desk", timeout: 30,
            "return !!document.querySelector('#acks [data-subject=\"\(advice)\"]');")
        try await expectNoBareIDs(browser, "the desk")
        try await browser.command("POST", "/window", ["handle": .string(tabs.screen)])
        let button = "#own-requests button.ack-give[data-subject=\"\(advice)\"]"
        try await browser.waitFor(
            "the request on the screen, titled by its subject", timeout: 30,
            """
            const request = document.querySelector('#own-requests [data-subject="\(advice)"]');
            return !!request && !!document.querySelector(\(Self.quoted(button)))
              && request.querySelector('b').textContent.includes(\(Self.quoted(Self.title)));
            """)
        try await expectNoBareIDs(browser, "the screen")
        try await browser.click(button)
        try await browser.waitFor(
            "the request acknowledged on the screen", timeout: 30,
            "return !!document.querySelector('#own-requests [data-subject=\"\(advice)\"][data-state=\"acknowledged\"]');"
        )
        try await onDesk(browser, tabs, "the acknowledgement", incident) {
            """
            const row = document.querySelector('#acks [data-subject="\(advice)"] tr[data-party="VR09"]');
            return !!row && row.textContent.includes('bevestigd');
            """
        }

        // The desk asks VR09 to acknowledge the incident's opening report, which leaves the
        // picture when the incident is closed (the closing report takes its place).
        try await requestAcknowledgement(browser, tabs, of: opening)

        // Closed: the desk shows it so; the screen no longer offers it.
        try await browser.click("#close-send")
        try await onDesk(browser, tabs, "the incident closed", incident) {
            "return !!i && i.textContent.includes('gesloten');"
        }
        try await browser.waitFor(
            "the closed incident gone from the screen's panel", timeout: 30,
            """
            return !(window.knooppuntIncidents.incidents || []).includes(\(Self.quoted(incident)))
              && getComputedStyle(document.getElementById('grip-form')).display === 'none';
            """)
        // Every report the operator handed over (incident, GRIP 1 and 3, three sitreps, the
        // measures, the closing) was accepted by the node.
        try await browser.waitFor(
            "every report of the scenario accepted", timeout: 30,
            """
            const states = [...document.querySelectorAll('#deliveries [data-state]')].map((n) => n.dataset.state);
            return states.length >= 8 && states.every((state) => state === 'accepted');
            """)
        try await closedSubjectTitled(browser, tabs, opening)
        try await expectNoBareIDs(browser, "the screen")
        try await browser.screenshot(to: Paths.output.appendingPathComponent("screen-incident-1366x900.png"))
        try await browser.command("POST", "/window", ["handle": .string(tabs.desk)])
        try await expectNoBareIDs(browser, "the desk")
        try await browser.screenshot(to: Paths.output.appendingPathComponent("desk-incident-1366x900.png"))
    }

    /// Switches to the desk, waits until `condition` (a script body with `i`, the incident's
    /// entry in the desk's list) holds, and switches back to the screen.
    func onDesk(
        _ browser: Browser, _ tabs: Tabs, _ what: String, _ incident: String, _ condition: () -> String
    ) async throws {
        try await browser.command("POST", "/window", ["handle": .string(tabs.desk)])
        try await browser.waitFor(
            "the desk: \(what)", timeout: 30,
            "const i = document.querySelector('#incidents [data-incident=\"\(incident)\"]');\n" + condition())
        try await browser.command("POST", "/window", ["handle": .string(tabs.screen)])
    }

    /// No heading, title or bold line of the page is a bare report id.
    func expectNoBareIDs(_ browser: Browser, _ page: String) async throws {
        let bare = try await browser.run(
            """
            const bare = \(Self.bareID);
            return [...document.querySelectorAll('h1, h2, h3, h4, b, strong, legend, .title, option, title')]
              .map((n) => n.textContent.trim()).filter((text) => bare.test(text));
            """)
        #expect(bare.arrayValue?.isEmpty == true, "bare report ids as titles on \(page): \(bare)")
    }

    static func quoted(_ text: String) -> String {
        String(decoding: JSONWriter.canonical(.string(text)), as: UTF8.self)
    }

    private func logIn(_ browser: Browser, user: String, password: String) async throws {
        try await browser.waitFor(
            "the login page", timeout: 20, "return !!document.getElementById('login-form');")
        try await browser.type("#login-user", user)
        try await browser.type("#login-password", password)
        try await browser.click("#login-submit")
    }
}
