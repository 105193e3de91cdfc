import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@testable import KnooppuntWeb

/// The operator screen's map: the region framed, the one rule for "the point lies in the
/// municipality" (the page asks it, the open request applies it), and the titles of
/// acknowledgement requests whose subject left the picture.
@Suite("The operator screen's map and the titles of departed subjects")
struct ScreenMapTests {
    static let vr09 = OrganisationCode("VR09")!
    static let utrecht = GeoPoint(latitude: 52.0937, longitude: 5.1283)
    static let amersfoort = GeoPoint(latitude: 52.1561, longitude: 5.3878)
    let map = MunicipalityMap.netherlands

    @Test("a point lies in its own municipality and not in its neighbour's")
    func containment() {
        #expect(map.contains("GM0344", Self.utrecht))
        #expect(!map.contains("GM0344", Self.amersfoort))
        #expect(map.contains("GM0307", Self.amersfoort))
        #expect(map.municipality(at: Self.amersfoort)?.code == "GM0307")
        #expect(map.municipality(at: Self.utrecht)?.code == "GM0344")
        // In the North Sea: no municipality.
        #expect(map.municipality(at: GeoPoint(latitude: 52.6, longitude: 3.6)) == nil)
        #expect(!map.contains("GM9999", Self.utrecht))
    }

    @Test("every municipality's centre, the screen's default point, lies in that municipality")
    func centresInside() {
        #expect(map.municipalities.count == 342)
        let outside = map.municipalities.values.filter { municipality in
            let point = map.projection.unproject(x: municipality.centreX, y: municipality.centreY)
            return !map.contains(municipality.code, point)
        }
        #expect(outside.isEmpty, "\(outside.map(\.code))")
    }

    @Test("a point just outside the drawn outline counts as in it; one well outside does not")
    func tolerance() throws {
        let utrecht = try #require(map.municipalities["GM0344"])
        let corner = try #require(utrecht.rings.first?.first?.first)
        let onBorder = map.projection.unproject(x: corner.x, y: corner.y)
        #expect(map.contains("GM0344", onBorder))
        // 3 km north of the northernmost point of the outline.
        let north = utrecht.rings.flatMap { $0.flatMap { $0 } }.min { $0.y < $1.y }!
        let top = map.projection.unproject(x: north.x, y: north.y)
        #expect(!map.contains("GM0344", GeoPoint(latitude: top.latitude + 0.027, longitude: top.longitude)))
    }

    @Test("opening refuses a point outside the municipality at the point field (E220); inside is accepted")
    func openChecksThePoint() throws {
        let id = try #require(IncidentID("VR09-20261205-01"))
        var body = ScreenIncidentTests.opening.objectValue ?? [:]
        body["point"] = ["lat": .number(Self.amersfoort.latitude), "lon": .number(Self.amersfoort.longitude)]
        do {
            _ = try IncidentRequests.open(
                .object(body), organisation: Self.vr09, author: "Otto", id: id, now: ScreenIncidentTests.now)
            Issue.record("accepted a point in Amersfoort for Utrecht")
        } catch {
            #expect(error.problems.map(\.field) == ["point"])
            #expect(error.problems.first?.code == .invalidCombination)
            #expect(
                error.problems.first?.message.contains("Amersfoort (GM0307), not in Utrecht (GM0344)") == true
            )
        }
        body["point"] = ["lat": .number(Self.utrecht.latitude), "lon": .number(Self.utrecht.longitude)]
        let document = try IncidentRequests.open(
            .object(body), organisation: Self.vr09, author: "Otto", id: id, now: ScreenIncidentTests.now)
        guard case .incident(let incident) = document.body else {
            Issue.record("not an incident")
            return
        }
        #expect(incident.location.point == Self.utrecht)
        // The page's question gives the same answer.
        #expect(IncidentRequests.place(Self.amersfoort, in: "GM0344")["inside"] == .bool(false))
        #expect(
            IncidentRequests.place(Self.amersfoort, in: "GM0344")["municipality"]?["name"] == "Amersfoort")
        #expect(IncidentRequests.place(Self.utrecht, in: "GM0344")["inside"] == .bool(true))
    }

    @Test("the screen's map frames its region, its regions are scenery, its projection is the server's")
    func focusedMap() throws {
        let svg = RegionMap.netherlands.svg(title: "Kaart", focus: Self.vr09)
        #expect(svg.contains("data-focus=\"VR09\""))
        #expect(!svg.contains("role=\"button\""))
        #expect(svg.contains("CBS / PDOK"))
        let viewBox = try #require(svg.firstMatch(of: /viewBox="([^"]+)"/)).output.1.split(separator: " ")
            .compactMap { Double($0) }
        let zoomText = try #require(svg.firstMatch(of: /data-zoom="([^"]+)"/)).output.1
        let zoom = try #require(Double(zoomText))
        #expect(viewBox.count == 4 && zoom > 2)
        // Utrecht's centre is inside the framed view.
        let spot = RegionMap.netherlands.projection.project(Self.utrecht)
        #expect(spot.x > viewBox[0] && spot.x < viewBox[0] + viewBox[2])
        #expect(spot.y > viewBox[1] && spot.y < viewBox[1] + viewBox[3])
        // The page's formula (map.js) with the numbers the page gets gives the server's place.
        let numbers = try #require(svg.firstMatch(of: /data-projection="([^"]+)"/)).output.1.split(
            separator: " "
        )
        .compactMap { Double($0) }
        #expect(numbers.count == 5)
        let (minLon, maxLat, scale, factor, margin) = (
            numbers[0], numbers[1], numbers[2], numbers[3], numbers[4]
        )
        let x = margin + (Self.utrecht.longitude - minLon) * factor * scale
        let y = margin + (maxLat - Self.utrecht.latitude) * scale
        #expect(abs(x - spot.x) < 1e-6 && abs(y - spot.y) < 1e-6)
        // The desk's map stays whole and its regions buttons.
        #expect(RegionMap.netherlands.svg.contains("role=\"button\""))
        let page = ScreenPage.html(for: Self.vr09)
        #expect(page.contains("id=\"map\"") && page.contains("data-focus=\"VR09\""))
        #expect(page.contains("/assets/map.js") && page.contains("/assets/screen-map.js"))
    }

    @Test("a request about a closed incident's opening report is titled by the incident, marked closed")
    func departedSubject() throws {
        var sample = SamplePicture(view: .organisation(Self.vr09))
        let opening = sample.add(Samples.incident(), from: Self.vr09)
        let remembered = sample.entries
        sample.add(
            Samples.ackRequest(subject: opening, parties: ["VR09"], deadline: "2030-01-01T12:00:00+01:00"),
            from: .national)
        var closing = Samples.incident().objectValue ?? [:]
        closing["status"] = "closed"
        sample.add(.object(closing), from: Self.vr09)
        // Without what left the picture the server cannot say; the page then uses the request.
        let bare = sample.digest()
        #expect(bare.acknowledgements.first?.subjectSummary == nil)
        let memory = SubjectMemory()
        _ = memory.remember(remembered)
        let gone = memory.remember(sample.entries)
        #expect(gone.map(\.id) == [opening.rawValue])
        let digest = PictureDigest(
            entries: sample.entries, sequence: sample.picture.lastSequence, now: sample.now, remembered: gone)
        let request = try #require(digest.acknowledgements.first)
        #expect(
            request.subjectSummaries[.dutch]
                == "incident: Explosie in parkeergarage Jaarbeursplein (gesloten)")
        #expect(request.subjectSummary == "incident: Explosie in parkeergarage Jaarbeursplein (closed)")
        // The desk finds it in the earlier reports it keeps.
        let desk = sample.digest(withHistory: true)
        #expect(desk.acknowledgements.first?.subjectSummaries[.dutch]?.hasSuffix("(gesloten)") == true)
    }

    @Test("the screen serves the map's script and outlines, and says where a point lies")
    func routes() async throws {
        let people = try TestPeople(Self.vr09)
        let daemon = FakeDaemon(sample: SamplePicture(view: .organisation(Self.vr09)))
        var server = try await LocalServer.start { onStarted in
            try await OperatorScreen(
                backend: daemon, gate: people.gate(), port: 0, logger: TestLog.logger, onStarted: onStarted
            ).run()
        }
        server.headers = people.bearer(.operator)
        do {
            #expect(try await server.get("/assets/map.js").status == 200)
            #expect(try await server.get("/assets/screen-map.js").status == 200)
            #expect(try await server.get("/assets/municipalities.json").status == 200)
            let at = try await server.get(
                "/api/v1/municipalities/at?lat=\(Self.amersfoort.latitude)&lon=\(Self.amersfoort.longitude)&municipality=GM0344"
            )
            #expect(at.status == 200)
            #expect(at.json["municipality"]?["code"]?.stringValue == "GM0307")
            #expect(at.json["inside"]?.boolValue == false)
            #expect(try await server.get("/api/v1/municipalities/at?lat=x&lon=5").status == 400)
            // Ids the daemon's outbox holds (queued, not in the picture) are not handed out again.
            let first = try await server.request(
                "POST", "/api/v1/incidents/open", json: ScreenIncidentTests.opening)
            #expect(first.status == 202, "\(first.text)")
            let status = try await daemon.status()
            #expect(status["outbox"]?["recentIncidents"] == .array([first.json["incident"] ?? .null]))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("every word screen-map.js and map.js ask for (K.t) is on the screen's page")
    func scriptKeys() {
        for name in ["screen-map.js", "map.js"] {
            let script = WebAssets.text(name)
            let keys = script.matches(of: /(?:^|[^A-Za-z0-9_$])t\("([^"]+)"/).map { String($0.output.1) }
            #expect(keys.count >= 2, "\(name): the scan found the script's words")
            let missing = keys.filter { !ScreenPage.scriptWords.contains($0) }
            #expect(missing.isEmpty, "\(name) asks for \(missing)")
            let deskMissing = name == "map.js" ? keys.filter { !DeskWords.script.contains($0) } : []
            #expect(deskMissing.isEmpty, "the desk lacks \(deskMissing)")
        }
    }
}
