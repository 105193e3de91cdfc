import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

/// The desk in a real browser with a partner in the network (issue 17).
extension BrowserTests {
    @Test(
        "the desk shows a running partner in a section of its kind, in Dutch, with its name, after the 28, on the liveness board and in an acknowledgement list; the map keeps the 25 regions; a partner added while the desk runs appears under its kind"
    )
    func deskPartnerByKind() async throws {
        let network = try BrowserNetwork(name: "desk-partner")
        defer {
            network.stopAll()
            network.removeFolder()
        }
        let added = try network.run([
            "org", "add", "RWS", "--kind", "infrastructure", "--name", "Rijkswaterstaat", "--group",
            "vital-infrastructure",
        ])
        #expect(added.status == 0, "\(added.output)")
        try await network.startNetwork([.init("VR09")!, .init("RWS")!, .nctv])
        let port = try Ports.free()
        try await network.startDesk(port: port)
        let officer = try network.addPerson(
            "jansen", name: "J. Jansen LOCC", role: "desk-officer", of: .national)
        let browser = try await Browser.start(width: 1366, height: 768, logs: network.logs)
        do {
            try await browser.open("http://127.0.0.1:\(port)/")
            try await browser.waitFor(
                "the login page", timeout: 20, "return !!document.getElementById('login-form');")
            try await browser.type("#login-user", "jansen")
            try await browser.type("#login-password", officer.password)
            try await browser.click("#login-submit")
            try await browser.waitFor(
                "RWS up under vitale infrastructuur", timeout: 30,
                """
                const section = document.querySelector('#liveness-partners section[data-kind="infrastructure"]');
                const cell = section && section.querySelector('[data-party="RWS"]');
                return !!cell && section.querySelector('h3').textContent.includes('vitale infrastructuur')
                  && cell.textContent.includes('Rijkswaterstaat')
                  && !!cell.querySelector('.state-pill.state-up');
                """)
            let grid = try await browser.run(
                "return [...document.querySelectorAll('#liveness > .cell')].map((c) => c.dataset.party);")
            let codes = grid.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(codes.count == 27 && codes.first == "NCTV" && !codes.contains("RWS"), "\(codes)")
            let regions = try await browser.run("return document.querySelectorAll('#map .region').length;")
            #expect(regions.integerValue == 25)

            // An acknowledgement asked of a region and the partner: the region's row as always,
            // then a row naming the kind, then the partner with its name.
            let subject = UUID().uuidString.lowercased()
            var incident = try #require(Self.incidentDocument().objectValue)
            incident["id"] = .string(subject)
            _ = try network.publish(.object(incident), as: .init("VR09")!)
            let deadline = Timestamp(
                millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000)
            _ = try network.publish(
                [
                    "type": "ackRequest", "subject": .string(subject), "parties": ["VR09", "RWS"],
                    "deadline": .string(deadline.inAmsterdam.rfc3339Seconds), "classification": "partners",
                ], as: .nctv)
            try await browser.waitFor(
                "the acknowledgement list with RWS under its kind", timeout: 30,
                """
                const rows = [...document.querySelectorAll('#acks table.board tbody tr')];
                const kinds = rows.map((r) => r.dataset.party || ('kind:' + r.dataset.kind));
                return kinds.join(',') === 'VR09,kind:infrastructure,RWS'
                  && rows[1].textContent.includes('vitale infrastructuur')
                  && rows[2].textContent.includes('RWS · Rijkswaterstaat');
                """)

            // A partner added while the desk runs: its section appears without a restart.
            let board = try network.run([
                "org", "add", "WS-HDSR", "--kind", "waterBoard", "--name",
                "Hoogheemraadschap De Stichtse Rijnlanden",
            ])
            #expect(board.status == 0, "\(board.output)")
            try await browser.waitFor(
                "WS-HDSR under waterschap after org add", timeout: 30,
                """
                const section = document.querySelector('#liveness-partners section[data-kind="waterBoard"]');
                return !!section && section.querySelector('h3').textContent.includes('waterschap')
                  && !!section.querySelector('[data-party="WS-HDSR"]')
                  && section.textContent.includes('Hoogheemraadschap De Stichtse Rijnlanden');
                """)
            let order = try await browser.run(
                "return [...document.querySelectorAll('#liveness-partners section')].map((s) => s.dataset.kind);"
            )
            #expect(order.arrayValue?.compactMap(\.stringValue) == ["infrastructure", "waterBoard"])
        } catch {
            print("desk log:\n\(network.log("desk").suffix(3000))")
            await browser.quit()
            throw error
        }
        await browser.quit()
    }
}
