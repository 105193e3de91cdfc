import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

/// The "Signalen" page on three real operator screens of one real network: DJI's Meldpunt
/// Radicalisering sends a signal from its form; the municipality's screen sees it, opens its
/// content, acknowledges receipt and records the MAR; DJI's screen sees the states change;
/// VR09's screen, not a recipient, shows no signal and cannot open it.
@Suite("Signals on the operator screen", .serialized)
struct SignalsBrowserTests {
    static let dji = OrganisationCode("DJI")!
    static let gemeente = OrganisationCode("GEM-UTRECHT")!
    static let vr09 = OrganisationCode("VR09")!
    static let person = "DJI-BROWSER-4471"
    static let assessment = "BEOORDELING-BROWSER-MARKER uitingen in de inrichting"
    static let note = "MAR-BROWSER-MARKER gehouden op dinsdag"

    struct Screens {
        let dji: Int
        let gemeente: Int
        let region: Int
    }

    @Test("DJI sends, the municipality acknowledges and records a MAR, DJI sees it; VR09 sees nothing")
    func signalLandsAndIsFollowedUp() async throws {
        let network = try BrowserNetwork(name: "signals")
        defer {
            network.stopAll()
            network.removeFolder()
        }
        for (code, kind, name) in [
            ("DJI", "justice", "DJI Meldpunt Radicalisering"),
            ("GEM-UTRECHT", "municipality", "Gemeente Utrecht"),
        ] {
            let added = try network.run(["org", "add", code, "--kind", kind, "--name", name])
            #expect(added.status == 0, "\(added.output)")
        }
        // A deployment's own policy: recipients have one minute to acknowledge, so a signal
        // nobody acknowledges turns overdue while the test runs (the answered one never does).
        let builtIn = try String(
            contentsOf: Paths.repository.appendingPathComponent("config/signals.yaml"), encoding: .utf8)
        try builtIn.replacingOccurrences(
            of: "acknowledgeWithinMinutes: 1440", with: "acknowledgeWithinMinutes: 1"
        )
        .write(to: network.root.appendingPathComponent("signals.yaml"), atomically: true, encoding: .utf8)
        try await network.startNetwork([Self.dji, Self.gemeente, Self.vr09])
        let meldpunt = try network.addPerson(
            "meldpunt", name: "Analist Meldpunt", role: "operator", of: Self.dji)
        let zorg = try network.addPerson(
            "vz", name: "Adviseur Veiligheid en Zorg", role: "operator", of: Self.gemeente)
        let kijker = try network.addPerson(
            "kijker", name: "Meekijker gemeente", role: "viewer", of: Self.gemeente)
        let regio = try network.addPerson("regio", name: "Operator VR09", role: "operator", of: Self.vr09)
        let deskPort = try Ports.free()
        try await network.startDesk(port: deskPort)
        let officer = try network.addPerson("lcc", name: "Officier LCC", role: "desk-officer", of: .national)
        let screens = Screens(dji: try Ports.free(), gemeente: try Ports.free(), region: try Ports.free())
        for (name, code, port, token) in [
            ("screen-dji", Self.dji, screens.dji, meldpunt.token),
            ("screen-gemeente", Self.gemeente, screens.gemeente, zorg.token),
            ("screen-vr09", Self.vr09, screens.region, regio.token),
        ] {
            try network.start(name, ["screen", "--as", code.rawValue, "--port", String(port)])
            try await waitUntil("the screen of \(code)", timeout: 30) {
                (try? await Self.ask(port, token, "GET", "/api/v1/status"))?.json["reachable"]?.boolValue
                    == true
            }
        }

        // The policy as the form offers it to DJI: the municipality and the police, not VR09.
        let options = try await Self.ask(screens.dji, meldpunt.token, "GET", "/api/v1/signals/options")
        let offered = (options.json["recipients"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
        #expect(
            offered.contains("GEM-UTRECHT") && offered.contains("POLICE") && !offered.contains("VR09"),
            "\(offered)")
        // A refused signal is refused at once with its code: to a safety region, E310.
        let refused = try await Self.ask(
            screens.dji, meldpunt.token, "POST", "/api/v1/signals",
            [
                "kind": "radicalisation", "person": "DJI-X-1", "assessment": "x", "legalBasis": "WJSG-39F",
                "recipients": ["VR09"], "asked": "inform",
            ])
        #expect(refused.status == 422 && refused.json["code"]?.integerValue == 310, "\(refused.json)")

        let browser = try await Browser.start(width: 1366, height: 900, logs: network.logs)
        do {
            let djiTab = try await browser.command("GET", "/window").stringValue ?? ""
            try await open(browser, port: screens.dji, user: "meldpunt", password: meldpunt.password)
            try await send(browser)
            let id = try await browser.run("return knooppuntSignals.signals[0].id;").stringValue ?? ""
            #expect(!id.isEmpty)

            // A viewer of the municipality may not acknowledge (E805), nor may the sender (E314).
            let byViewer = try await Self.ask(
                screens.gemeente, kijker.token, "POST", "/api/v1/signals/\(id)/ack", [:])
            #expect(byViewer.status == 403 && byViewer.json["code"]?.integerValue == 805, "\(byViewer.json)")
            let bySender = try await Self.ask(
                screens.dji, meldpunt.token, "POST", "/api/v1/signals/\(id)/ack", [:])
            #expect(bySender.status == 403 && bySender.json["code"]?.integerValue == 314, "\(bySender.json)")

            let opened = try await browser.command("POST", "/window/new", ["type": "tab"])
            try await browser.command("POST", "/window", ["handle": opened["handle"] ?? .null])
            try await open(browser, port: screens.gemeente, user: "vz", password: zorg.password)
            try await answer(browser, id: id)

            // The list carries states, never content: the content is opened on purpose.
            let list = try await Self.ask(screens.gemeente, zorg.token, "GET", "/api/v1/signals")
            let listText = String(decoding: list.body, as: UTF8.self)
            #expect(list.status == 200 && listText.contains(id), "\(listText)")
            for marker in [Self.person, "BEOORDELING-BROWSER-MARKER", "MAR-BROWSER-MARKER"] {
                #expect(!listText.contains(marker), "\(marker) in the list")
            }

            try await browser.command("POST", "/window", ["handle": .string(djiTab)])
            try await browser.waitFor(
                "DJI's screen sees the municipality's follow-up", timeout: 60,
                """
                const state = document.querySelector('#signal-list tr[data-signal="\(id)"] .state[data-party="GEM-UTRECHT"]');
                return !!state && state.dataset.state === 'followedUp';
                """)
            try await browser.screenshot(
                to: Paths.output.appendingPathComponent("screen-signals-dji-1366x900.png"))
            let djiProblems = try await Accessibility.problems(browser)
            #expect(djiProblems.isEmpty, "DJI's signals page: \(djiProblems)")

            // The national desk: the signal's states, never its content.
            var board = HTTP.Reply(status: 0, body: [])
            try await waitUntil("the desk's signal board with the follow-up", timeout: 60) {
                board = try await HTTP.request(
                    "GET", "http://127.0.0.1:\(deskPort)/api/v1/signal-board",
                    headers: ["Authorization": "Bearer \(officer.token)"])
                let signal = board.json["signals"]?.arrayValue?.first { $0["id"]?.stringValue == id }
                return signal?["recipients"]?[0]?["state"]?.stringValue == "followedUp"
            }
            let boardText = String(decoding: board.body, as: UTF8.self)
            #expect(board.json["counts"]?["recipients"]?["followedUp"]?.integerValue == 1, "\(boardText)")
            for marker in [Self.person, "BEOORDELING-BROWSER-MARKER", "MAR-BROWSER-MARKER"] {
                #expect(!boardText.contains(marker), "\(marker) on the desk's board")
            }

            // A signal to the police, whose daemon is not even running: nobody acknowledges it,
            // and after the policy's minute DJI's page shows it overdue, in words and shape.
            let unanswered = try await Self.ask(
                screens.dji, meldpunt.token, "POST", "/api/v1/signals",
                [
                    "kind": "radicalisation", "person": "DJI-TELAAT-2",
                    "assessment": "Geen antwoord verwacht",
                    "legalBasis": "WJSG-39F", "recipients": ["POLICE"], "asked": "inform",
                ])
            #expect(unanswered.status == 202, "\(unanswered.json)")
            try await browser.waitFor(
                "the police overdue on DJI's page", timeout: 240,
                """
                const state = document.querySelector('#signal-list .state[data-party="POLICE"][data-state="overdue"]');
                return !!state && state.textContent === 'TE LAAT';
                """)
            try await browser.screenshot(
                to: Paths.output.appendingPathComponent("screen-signals-overdue-1366x900.png"))

            // VR09: no signal in its list, nothing of the content on its page, and the content
            // cannot be opened there.
            let third = try await browser.command("POST", "/window/new", ["type": "tab"])
            try await browser.command("POST", "/window", ["handle": third["handle"] ?? .null])
            try await open(browser, port: screens.region, user: "regio", password: regio.password)
            try await browser.waitFor(
                "VR09's list loaded", timeout: 30,
                "return window.knooppuntSignals && knooppuntSignals.loads > 1;")
            let regionPage =
                try await browser.run(
                    "return JSON.stringify(knooppuntSignals.signals) + document.body.innerText;"
                ).stringValue ?? ""
            #expect(try await browser.run("return knooppuntSignals.signals.length;").integerValue == 0)
            for marker in [Self.person, "BEOORDELING-BROWSER-MARKER", "MAR-BROWSER-MARKER"] {
                #expect(!regionPage.contains(marker), "\(marker) on VR09's page")
            }
            let foreign = try await Self.ask(screens.region, regio.token, "GET", "/api/v1/signals/\(id)")
            #expect(foreign.status == 404, "\(foreign.json)")
            let regionProblems = try await Accessibility.problems(browser)
            #expect(regionProblems.isEmpty, "VR09's signals page: \(regionProblems)")
        } catch {
            print("DJI screen log:\n\(network.log("screen-dji").suffix(3000))")
            print("municipality screen log:\n\(network.log("screen-gemeente").suffix(3000))")
            await browser.quit()
            throw error
        }
        await browser.quit()
    }

    /// Logs in on a screen and opens its "Signalen" page.
    private func open(_ browser: Browser, port: Int, user: String, password: String) async throws {
        try await browser.open("http://127.0.0.1:\(port)/")
        try await browser.waitFor(
            "the login page", timeout: 20, "return !!document.getElementById('login-form');")
        try await browser.type("#login-user", user)
        try await browser.type("#login-password", password)
        try await browser.click("#login-submit")
        try await browser.waitFor(
            "the operator screen with its link to the signals", timeout: 30,
            "return !!document.getElementById('nav-signals');")
        try await browser.click("#nav-signals")
        try await browser.waitFor(
            "the signals page with its options", timeout: 30,
            "return window.knooppuntSignals && knooppuntSignals.loads > 0 && document.querySelectorAll('#signal-kind option').length > 0;"
        )
    }

    /// DJI's form: radicalisation, a pseudonym, its assessment, WJSG-39F, to the municipality,
    /// asking for a MAR; followed to "accepted".
    private func send(_ browser: Browser) async throws {
        try await browser.click("#signal-kind option[value=\"radicalisation\"]")
        try await browser.type("#signal-person", Self.person)
        try await browser.type("#signal-assessment", Self.assessment)
        try await browser.click("#signal-basis option[value=\"WJSG-39F\"]")
        try await browser.click("#recipient-GEM-UTRECHT")
        try await browser.click("#signal-asked option[value=\"discussMAR\"]")
        try await browser.click("#signal-send")
        try await browser.waitFor(
            "the signal accepted by the node", timeout: 60,
            "return document.getElementById('send-result').className.includes('ok');")
        try await browser.waitFor(
            "the signal in DJI's list", timeout: 60,
            "return knooppuntSignals.signals.length === 1 && !!document.querySelector('#signal-list tr[data-signal]');"
        )
    }

    /// The municipality's page: the signal arrives, its content opens, receipt is acknowledged,
    /// the MAR recorded.
    private func answer(_ browser: Browser, id: String) async throws {
        try await browser.waitFor(
            "the signal on the municipality's page", timeout: 60,
            "return !!document.getElementById('ack-\(id)');")
        try await browser.click("#open-\(id)")
        try await browser.waitFor(
            "the content opened", timeout: 30,
            """
            const text = document.getElementById('signal-content').innerText;
            return text.includes('\(Self.person)') && text.includes('BEOORDELING-BROWSER-MARKER') && text.includes('WJSG-39F');
            """)
        try await browser.click("#ack-\(id)")
        try await browser.waitFor(
            "the follow-up form after the acknowledgement", timeout: 60,
            "return !!document.getElementById('followup-\(id)');")
        try await browser.click("#outcome-\(id) option[value=\"caseMeeting\"]")
        try await browser.type("#note-\(id)", Self.note)
        try await browser.click("#followup-send-\(id)")
        try await browser.waitFor(
            "the municipality's own state followed up", timeout: 60,
            """
            const state = document.querySelector('#signal-list tr[data-signal="\(id)"] .state[data-party="GEM-UTRECHT"]');
            return !!state && state.dataset.state === 'followedUp';
            """)
        try await browser.screenshot(
            to: Paths.output.appendingPathComponent("screen-signals-gemeente-1366x900.png"))
    }

    static func ask(
        _ port: Int, _ token: String, _ method: String, _ path: String, _ body: JSONValue? = nil
    ) async throws -> HTTP.Reply {
        try await HTTP.request(
            method, "http://127.0.0.1:\(port)\(path)", json: body,
            headers: ["Authorization": "Bearer \(token)"])
    }
}
