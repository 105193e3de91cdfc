import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

@testable import KnooppuntWeb

@Suite("What happens where: municipality map, readable times, the BOB report's parts")
struct DeskViewTests {
    // MARK: the municipality map

    @Test("the built-in outlines hold every municipality of the reference data, each with a path")
    func everyMunicipality() {
        let map = MunicipalityMap.netherlands
        let known = Set(ReferenceData.builtIn.municipalities.keys.map(\.rawValue))
        #expect(Set(map.municipalities.keys) == known)
        #expect(map.municipalities.values.allSatisfy { $0.path.hasPrefix("M") && $0.path.hasSuffix("Z") })
    }

    @Test("each municipality's centre lies in its own safety region")
    func centresInTheirRegion() {
        let map = MunicipalityMap.netherlands
        var wrong: [String] = []
        for municipality in map.municipalities.values {
            let point = map.projection.unproject(x: municipality.centreX, y: municipality.centreY)
            if ReferenceData.builtIn.region(containing: point) != municipality.region {
                wrong.append(municipality.code)
            }
        }
        #expect(wrong.isEmpty, "centres outside their region: \(wrong.sorted())")
    }

    @Test("an incident is drawn at its own point, else at its municipality's centre, else nowhere")
    func place() throws {
        let map = MunicipalityMap.netherlands
        let utrecht = try #require(map.municipalities["GM0344"])
        let centre = try #require(map.place(municipality: "GM0344", point: nil))
        #expect(centre.x == utrecht.centreX && centre.y == utrecht.centreY)
        let hilversum = GeoPoint(latitude: 52.2232, longitude: 5.1763)
        let own = try #require(map.place(municipality: "GM0344", point: hilversum))
        #expect(own.x == map.projection.project(hilversum).x && own.y < centre.y)
        #expect(map.place(municipality: nil, point: nil) == nil)
        #expect(map.place(municipality: "GM9999", point: GeoPoint(latitude: 10, longitude: 10)) == nil)
    }

    @Test("the browser's JSON names each municipality with its region, path and centre")
    func json() throws {
        let json = try JSONParser.parse(MunicipalityMap.netherlands.json)
        let utrecht = try #require(json["GM0344"])
        #expect(utrecht["name"]?.stringValue == "Utrecht" && utrecht["region"]?.stringValue == "VR09")
        #expect(utrecht["x"]?.doubleValue != nil && utrecht["path"]?.stringValue?.hasPrefix("M") == true)
        #expect(MunicipalityMap.netherlands.json.count < 200_000, "the outlines stay small")
    }

    // MARK: readable times

    static func ms(_ text: String) -> Int64 { AmsterdamTime.milliseconds(rfc3339: text)! }

    @Test("times read as people read them, in Europe/Amsterdam, the year only when it is another")
    func readableTimes() {
        let now = Self.ms("2026-12-05T12:00:00+01:00")
        #expect(ReadableTime.text(Self.ms("2026-03-16T09:45:00Z"), .dutch, now: now) == "ma 16 mrt 10:45")
        #expect(ReadableTime.text(Self.ms("2026-03-16T09:45:00Z"), .english, now: now) == "Mon 16 Mar 10:45")
        // Summer time: UTC+2.
        #expect(ReadableTime.text(Self.ms("2026-06-11T08:42:00Z"), .dutch, now: now) == "do 11 jun 10:42")
        #expect(
            ReadableTime.text(Self.ms("2019-03-18T10:45:00+01:00"), .dutch, now: now)
                == "ma 18 mrt 2019 10:45")
        // Just after midnight in Amsterdam is still the previous day in UTC.
        #expect(ReadableTime.text(Self.ms("2026-12-31T23:30:00Z"), .dutch, now: now) == "vr 1 jan 2027 00:30")
        let html = ReadableTime.html(Self.ms("2026-03-16T09:45:00Z"), .dutch, now: now)
        #expect(
            html
                == "<time datetime=\"2026-03-16T10:45:00+01:00\" title=\"2026-03-16T10:45:00+01:00\">ma 16 mrt 10:45</time>"
        )
    }

    @Test("a time typed on the report's page is read in Europe/Amsterdam, winter and summer")
    func parse() {
        #expect(ReadableTime.parse("2026-03-16T10:45") == Self.ms("2026-03-16T10:45:00+01:00"))
        #expect(ReadableTime.parse("2026-06-11T10:42") == Self.ms("2026-06-11T10:42:00+02:00"))
        #expect(ReadableTime.parse("2026-06-11T08:42:00.250Z") == Self.ms("2026-06-11T08:42:00.250Z"))
        #expect(ReadableTime.parse("gisteren") == nil && ReadableTime.parse("2026-13-40T10:00") == nil)
        #expect(ReadableTime.localField(Self.ms("2026-06-11T08:42:00Z")) == "2026-06-11T10:42")
    }

    // MARK: the BOB report

    /// VR09's incident with three sitreps, a minute apart.
    static func threeSitreps() throws -> (PictureDigest, PictureDigest.Incident) {
        var sample = SamplePicture(view: .organisation(.init("VR09")!))
        sample.add(Samples.incident(), from: .init("VR09")!)
        sample.add(Samples.sitrep("Eerste beeld: tram stilgelegd"), from: .init("VR09")!)
        sample.add(Samples.sitrep("Tweede beeld: afzetting uitgebreid"), from: .init("VR09")!)
        sample.add(Samples.sitrep("Derde beeld: tweede locatie veilig"), from: .init("VR09")!)
        let digest = sample.digest(withHistory: true)
        return (digest, try #require(digest.incident(Samples.incidentID)))
    }

    static func ids(in html: String, section: String) -> [String] {
        guard let start = html.range(of: "<section id=\"\(section)\"") else { return [] }
        let rest = html[start.upperBound...]
        let body = rest[
            ..<(rest.range(of: "\n</section>\n<section id=") ?? rest.range(of: "</main>")!).lowerBound]
        return body.matches(of: /class="sitrep" data-id="([^"]+)"/).map { String($0.1) }
    }

    @Test("'gewijzigd sinds' holds exactly the sitreps after the chosen time; the history holds all")
    func changedSince() throws {
        let (digest, incident) = try Self.threeSitreps()
        let sitreps = incident.sitreps.sorted { $0.sequence < $1.sequence }
        #expect(sitreps.count == 3)
        let options = SituationReport.Options(
            reader: .init("VR09")!, now: digest.now, language: .dutch, since: sitreps[0].committedAt)
        let html = SituationReport.html(incident, options)
        #expect(Self.ids(in: html, section: "changed") == sitreps.dropFirst().map(\.id))
        #expect(Self.ids(in: html, section: "history") == sitreps.map(\.id))
        // The current picture first, with the latest beeld only.
        let current = try #require(html.range(of: "<section id=\"current\""))
        let changed = try #require(html.range(of: "<section id=\"changed\""))
        let history = try #require(html.range(of: "<section id=\"history\""))
        #expect(current.lowerBound < changed.lowerBound && changed.lowerBound < history.lowerBound)
        let currentPart = String(html[current.lowerBound..<changed.lowerBound])
        #expect(currentPart.contains("Derde beeld") && !currentPart.contains("Eerste beeld"))
        // Nothing after the last one; no time chosen: the hint, no sitreps.
        let none = SituationReport.html(
            incident,
            .init(reader: .init("VR09")!, now: digest.now, language: .dutch, since: sitreps[2].committedAt))
        #expect(
            Self.ids(in: none, section: "changed").isEmpty && none.contains("Geen nieuwe situatierapporten"))
        let unchosen = SituationReport.html(
            incident, .init(reader: .init("VR09")!, now: digest.now, language: .dutch))
        #expect(
            Self.ids(in: unchosen, section: "changed").isEmpty
                && unchosen.contains("laatste crisisteam-overleg"))
    }

    @Test("the report shows no ISO time as text, and the PDF version carries its style sheets inline")
    func readableReport() throws {
        let (digest, incident) = try Self.threeSitreps()
        let html = SituationReport.html(
            incident, .init(reader: .init("VR09")!, now: digest.now, language: .dutch))
        let text = html.replacing(/<[^>]*>/, with: " ")
        #expect(text.firstMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/) == nil, "an ISO time shown as text")
        #expect(html.contains("since-form") && html.contains("report.pdf?lang=nl"))
        let pdf = SituationReport.html(
            incident, .init(reader: .init("VR09")!, now: digest.now, language: .dutch, forPDF: true))
        #expect(!pdf.contains("/assets/") && pdf.contains("<style>") && !pdf.contains("<form"))
    }

    @Test("without Chromium the PDF route says so; KNOOPPUNT_CHROMIUM must name a program")
    func browserLookup() {
        #expect(ReportPDF.browser(environment: ["PATH": "/nonexistent"]) == nil)
        #expect(ReportPDF.browser(environment: ["KNOOPPUNT_CHROMIUM": "/nonexistent/chromium"]) == nil)
        #expect(ReportPDF.browser(environment: ["KNOOPPUNT_CHROMIUM": "/bin/sh"]) == "/bin/sh")
        #expect(
            ReportPDFText.noBrowser.dutch.contains("Chromium")
                && ReportPDFText.noBrowser.rawValue == "pdfUnavailable")
    }

    @Test("with Chromium installed the report prints to a real PDF", .enabled(if: ReportPDF.browser() != nil))
    func printsPDF() async throws {
        let (digest, incident) = try Self.threeSitreps()
        let html = SituationReport.html(
            incident, .init(reader: .init("VR09")!, now: digest.now, language: .dutch, forPDF: true))
        let bytes = try await ReportPDF.print(html: html, browser: try #require(ReportPDF.browser()))
        #expect(bytes.starts(with: Array("%PDF".utf8)) && bytes.count > 1000)
    }
}
