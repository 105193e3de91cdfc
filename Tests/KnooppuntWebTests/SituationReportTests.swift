import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@testable import KnooppuntWeb

@Suite("The printable situation report (BOB)")
struct SituationReportTests {
    static let policeText = "Verdachte vuurwapengevaarlijk, arrestatieteam onderweg"

    /// VR09's picture of an incident whose sitrep has a police-only section.
    static func sample(view: View) -> SamplePicture {
        var sample = SamplePicture(view: view)
        sample.add(Samples.incident(), from: .init("VR09")!)
        sample.add(Samples.grip("3"), from: .init("VR09")!)
        var sitrep = Samples.sitrep("Tramverkeer stilgelegd", police: policeText).objectValue!
        sitrep["oordeel"] = [
            "bottlenecks": ["Bereikbaarheid Oktoberplein"], "risks": ["Tweede dader"],
            "prognosis": "Afzetting blijft tot 18:00", "classification": "partners",
        ]
        sample.add(.object(sitrep), from: .init("VR09")!)
        return sample
    }

    @Test(
        "a region operator's printable report holds beeld, oordeel and besluiten, and no police-only section")
    func operatorReport() async throws {
        let people = try TestPeople(.init("VR09")!)
        let daemon = FakeDaemon(sample: Self.sample(view: .organisation(.init("VR09")!)))
        let gate = people.gate()
        var server = try await LocalServer.start { onStarted in
            try await OperatorScreen(
                backend: daemon, gate: gate, port: 0, logger: TestLog.logger, onStarted: onStarted
            ).run()
        }
        do {
            try await check(&server, people: people)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func check(_ server: inout LocalServer, people: TestPeople) async throws {
        let path = "/incidents/\(Samples.incidentID)/report"
        #expect(try await server.get(path).status == 401, "the report needs a login")
        server.headers = people.bearer(.viewer)
        let dutch = try await server.get(path)
        #expect(dutch.status == 200)
        #expect(dutch.headers["content-type"]?.hasPrefix("text/html") == true)
        let text = dutch.text
        for expected in [
            "Situatierapport", "<html lang=\"nl\"", "Beeld", "Oordeel", "Afzetting blijft tot 18:00",
            "Knelpunten", "Tweede dader", "Besluiten", "Multidisciplinair (MULTI)",
            "Tramverkeer stilgelegd", "Openbaar vervoer stilgelegd.", "Politie (POL)",
            "niet zichtbaar voor deze lezer", "Voor</th><td>VR09", "/assets/print.css",
        ] {
            #expect(text.contains(expected), "\(expected)")
        }
        #expect(!text.contains("vuurwapengevaarlijk") && !text.contains("arrestatieteam"))
        // Times in Europe/Amsterdam, with their offset.
        #expect(text.contains("+02:00") || text.contains("+01:00"))

        let english = try await server.get(path + "?lang=en")
        #expect(english.text.contains("Situation report") && english.text.contains("<html lang=\"en\""))
        #expect(!english.text.contains("vuurwapengevaarlijk"))
        #expect(try await server.get("/incidents/VR09-20990101-01/report").status == 404)
        #expect(try await server.get("/assets/print.css").status == 200)
    }

    @Test("the police's report of the same incident does show its police section")
    func policeReport() throws {
        let digest = Self.sample(view: .organisation(.police)).digest(withHistory: true)
        let incident = try #require(digest.incident(Samples.incidentID))
        let html = SituationReport.html(incident, reader: .police, now: digest.now, language: .dutch)
        #expect(html.contains(Self.policeText))
    }

    @Test("text from the picture is escaped, never read as HTML")
    func escaped() throws {
        var sample = SamplePicture(view: .organisation(.init("VR09")!))
        sample.add(Samples.incident(), from: .init("VR09")!)
        sample.add(Samples.sitrep("<script>alert(1)</script>"), from: .init("VR09")!)
        let digest = sample.digest(withHistory: true)
        let html = SituationReport.html(
            try #require(digest.incident(Samples.incidentID)), reader: .init("VR09")!, now: digest.now,
            language: .english)
        #expect(!html.contains("<script>alert") && html.contains("&lt;script&gt;"))
    }
}
