import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Synchronization
import Testing

@testable import KnooppuntWeb

/// The screen's incident actions: the documents they build (the same codec as `knooppunt
/// publish`), and the routes that hand them to the daemon as the signed-in person.
@Suite("The operator screen's incident workflow")
struct ScreenIncidentTests {
    static let vr09 = OrganisationCode("VR09")!
    /// 5 December 2026, 15:00 in Amsterdam.
    static let now: Int64 = 1_796_479_200_000

    static let opening: JSONValue = [
        "title": "Schietincident in tram Oktoberplein", "kind": "possibleTerroristAttack",
        "municipality": "GM0344", "lead": "Burgemeester van Utrecht", "classification": "partners",
    ]

    @Test("opening builds the incident the command line would publish, led by the screen's organisation")
    func openBuildsIncident() throws {
        let id = try #require(IncidentID("VR09-20261205-01"))
        let document = try IncidentRequests.open(
            Self.opening, organisation: Self.vr09, author: "Otto (otto)", id: id, now: Self.now)
        guard case .incident(let incident) = document.body else {
            Issue.record("not an incident: \(document.body.type)")
            return
        }
        #expect(incident.id == id)
        #expect(incident.kind == .possibleTerroristAttack)
        #expect(incident.location.municipality == MunicipalityCode("GM0344"))
        #expect(incident.lead == LeadAuthority(organisation: Self.vr09, function: "Burgemeester van Utrecht"))
        #expect(incident.status == .open)
        #expect(document.author == "Otto (otto)")
        #expect(incident.startedAt.inAmsterdam.rfc3339Seconds.hasPrefix("2026-12-05T15:00:00"))
    }

    @Test("opening without title or municipality and with an unknown kind names each field")
    func openProblemsAtFields() {
        let body: JSONValue = ["title": "", "kind": "alien", "lead": "Burgemeester"]
        do {
            _ = try IncidentRequests.open(
                body, organisation: Self.vr09, author: "Otto", id: IncidentID("VR09-20261205-01")!,
                now: Self.now)
            Issue.record("accepted")
        } catch {
            let fields = Set(error.problems.map(\.field))
            #expect(fields.isSuperset(of: ["title", "kind", "municipality"]), "\(error.problems)")
            #expect(error.status == .unprocessableContent)
        }
        do {
            _ = try IncidentRequests.open(
                ["title": "x", "colour": "red"], organisation: Self.vr09, author: "Otto",
                id: IncidentID("VR09-20261205-01")!, now: Self.now)
            Issue.record("accepted an unknown field")
        } catch {
            #expect(error.code == .unknownField)
        }
    }

    @Test("a GRIP change without advice needs a reason; with one it is the command line's document")
    func gripWithoutAdvice() throws {
        let id = try #require(IncidentID("VR09-20261205-01"))
        do {
            _ = try IncidentRequests.grip(
                ["level": "2"], incident: id, advice: nil, author: "Otto", now: Self.now)
            Issue.record("accepted without a reason")
        } catch {
            #expect(error.code == .missingField)
            #expect(error.problems.map(\.field) == ["reason"])
        }
        let document = try IncidentRequests.grip(
            ["level": "2", "reason": "Meerdere disciplines"], incident: id, advice: nil, author: "Otto",
            now: Self.now)
        guard case .grip(let change) = document.body else {
            Issue.record("not a GRIP change")
            return
        }
        #expect(change.level == .grip2)
        #expect(change.reason == "Meerdere disciplines")
        do {
            _ = try IncidentRequests.grip(
                ["level": "9", "reason": "x"], incident: id, advice: nil, author: "Otto", now: Self.now)
            Issue.record("accepted GRIP 9")
        } catch {
            #expect(error.problems.map(\.field) == ["level"])
        }
    }

    @Test("measures: one document per municipality, the incident's own by default")
    func measures() throws {
        let id = try #require(IncidentID("VR09-20261205-01"))
        let measure: JSONValue = ["kind": "schoolsClosed", "text": "Scholen houden leerlingen binnen."]
        let own = try IncidentRequests.measures(
            ["measures": [measure]], incident: id, municipality: "GM0344", author: "Otto")
        #expect(own.count == 1)
        let several = try IncidentRequests.measures(
            ["municipalities": ["GM0344", "GM0307", "GM0344"], "measures": [measure]], incident: id,
            municipality: "GM0344", author: "Otto")
        let codes = several.compactMap { document -> String? in
            if case .measure(let measures) = document.body { return measures.municipality.rawValue }
            return nil
        }
        #expect(codes == ["GM0307", "GM0344"])
        do {
            _ = try IncidentRequests.measures(
                ["municipalities": [], "measures": [measure]], incident: id, municipality: "GM0344",
                author: "Otto")
            Issue.record("accepted no municipality")
        } catch {
            #expect(error.problems.map(\.field) == ["municipalities"])
        }
    }

    @Test("an incident id is the organisation, the Amsterdam date and the first free number")
    func nextID() throws {
        let first = try IncidentRequests.nextID(Self.vr09, now: Self.now, taken: [])
        #expect(first.rawValue == "VR09-20261205-01")
        let third = try IncidentRequests.nextID(
            Self.vr09, now: Self.now, taken: ["VR09-20261205-01", "VR09-20261205-02"])
        #expect(third.rawValue == "VR09-20261205-03")
        let full = Set(
            (1...IncidentRequests.incidentsPerDay).map { String(format: "VR09-20261205-%02d", $0) })
        #expect(throws: APIError.self) { try IncidentRequests.nextID(Self.vr09, now: Self.now, taken: full) }
    }

    @Test("municipalities: the region's own first, every other one on request")
    func municipalities() {
        let own =
            IncidentRequests.municipalities(of: Self.vr09, all: false)["municipalities"]?.arrayValue ?? []
        #expect(!own.isEmpty)
        #expect(own.allSatisfy { $0["region"]?.stringValue == "VR09" })
        #expect(own.contains { $0["code"]?.stringValue == "GM0344" && $0["name"]?.stringValue == "Utrecht" })
        let all =
            IncidentRequests.municipalities(of: Self.vr09, all: true)["municipalities"]?.arrayValue ?? []
        #expect(all.count == ReferenceData.builtIn.municipalities.count)
        #expect(Array(all.prefix(own.count)).map { $0["code"] } == own.map { $0["code"] })
    }

    @Test("closing republishes the incident as the picture holds it, with status closed")
    func close() throws {
        var sample = SamplePicture(view: .organisation(Self.vr09))
        sample.add(Samples.incident(), from: Self.vr09)
        let entry = try #require(sample.picture.entries.values.first)
        let json: JSONValue = ["key": .string(entry.key), "report": entry.report.visibleJSON]
        let document = try IncidentRequests.close(json, author: "Otto")
        guard case .incident(let incident) = document.body else {
            Issue.record("not an incident")
            return
        }
        #expect(incident.status == .closed)
        #expect(incident.id.rawValue == Samples.incidentID)
        #expect(incident.title == "Explosie in parkeergarage Jaarbeursplein")
        #expect(incident.classification == .partners)
        #expect(document.author == "Otto")
    }

    // MARK: The routes

    func withScreen(_ body: (LocalServer, FakeDaemon, TestPeople) async throws -> Void) async throws {
        let people = try TestPeople(Self.vr09)
        var sample = SamplePicture(view: .organisation(Self.vr09))
        // A possible terrorist attack without GRIP: the node advises GRIP 3.
        sample.add(Samples.incident(), from: Self.vr09)
        let daemon = FakeDaemon(sample: sample)
        var server = try await LocalServer.start { onStarted in
            try await OperatorScreen(
                backend: daemon, gate: people.gate(), port: 0, logger: TestLog.logger, onStarted: onStarted
            )
            .run()
        }
        server.headers = people.bearer(.operator)
        do {
            try await body(server, daemon, people)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func sent(_ daemon: FakeDaemon, _ id: JSONValue?) throws -> JSONValue {
        let report = try #require(id?.stringValue.flatMap(ReportID.init))
        return try JSONParser.parse(try #require(daemon.published.withLock { $0[report] }))
    }

    @Test("the screen opens incidents with distinct ids, as the signed-in person")
    func openRoute() async throws {
        try await withScreen { server, daemon, _ in
            let first = try await server.request("POST", "/api/v1/incidents/open", json: Self.opening)
            #expect(first.status == 202, "\(first.text)")
            let second = try await server.request("POST", "/api/v1/incidents/open", json: Self.opening)
            #expect(second.status == 202)
            let ids = [first.json["incident"]?.stringValue, second.json["incident"]?.stringValue]
            #expect(ids[0] != nil && ids[0] != ids[1])
            let document = try Self.sent(daemon, first.json["id"])
            #expect(document["type"]?.stringValue == "incident")
            #expect(document["author"]?.stringValue == "Test Otto (otto)")
            #expect(document["lead"]?["organisation"]?.stringValue == "VR09")
            let invalid = try await server.request("POST", "/api/v1/incidents/open", json: ["title": "x"])
            #expect(invalid.status == 422)
            let municipalities = try await server.get("/api/v1/municipalities")
            #expect(municipalities.json["municipalities"]?[0]?["region"]?.stringValue == "VR09")
        }
    }

    @Test("GRIP follows the advice without a reason; against it, a reason is required (E203)")
    func gripRoute() async throws {
        try await withScreen { server, daemon, _ in
            let path = "/api/v1/incidents/\(Samples.incidentID)/grip"
            let against = try await server.request("POST", path, json: ["level": "1"])
            #expect(against.status == 422)
            #expect(against.json["code"]?.integerValue == 203)
            #expect(against.json["problems"]?[0]?["field"]?.stringValue == "reason")
            #expect(against.json["problems"]?[0]?["message"]?.stringValue?.contains("GRIP 3") == true)
            let reasoned = try await server.request(
                "POST", path, json: ["level": "1", "reason": "Eerst verkennen"])
            #expect(reasoned.status == 202)
            let following = try await server.request("POST", path, json: ["level": "3"])
            #expect(following.status == 202)
            let document = try Self.sent(daemon, following.json["id"])
            #expect(document["level"]?.stringValue == "3")
            #expect(document["reason"]?.stringValue?.contains("GRIP 3") == true)
            let unknown = try await server.request(
                "POST", "/api/v1/incidents/VR09-19990101-01/grip", json: ["level": "3"])
            #expect(unknown.status == 404)
            #expect(unknown.json["code"]?.integerValue == 402)
        }
    }

    @Test("measures go out per municipality; closing publishes the incident closed; a viewer may do neither")
    func measuresAndCloseRoutes() async throws {
        try await withScreen { server, daemon, people in
            let base = "/api/v1/incidents/\(Samples.incidentID)"
            let measures = try await server.request(
                "POST", base + "/measures",
                json: ["measures": [["kind": "schoolsClosed", "text": "Scholen houden leerlingen binnen."]]])
            #expect(measures.status == 202, "\(measures.text)")
            let reports = measures.json["reports"]?.arrayValue ?? []
            #expect(reports.map { $0["municipality"]?.stringValue } == ["GM0344"])
            let closed = try await server.request("POST", base + "/close", json: [:])
            #expect(closed.status == 202, "\(closed.text)")
            #expect(try Self.sent(daemon, closed.json["id"])["status"]?.stringValue == "closed")
            let viewer = try await server.request(
                "POST", base + "/close", json: [:], headers: people.bearer(.viewer))
            #expect(viewer.status == 403)
        }
    }
}

/// The incident panel's and the step plan's words: complete in both languages, and every word
/// their scripts ask for is on the screen's page.
@Suite("The operator screen's workflow words")
struct ScreenIncidentWordsTests {
    @Test("every word is there once, in Dutch and in English, with the same placeholders")
    func complete() {
        let table = ScreenIncidentWords.script
        #expect(Set(table.keys).count == table.keys.count)
        for entry in table.entries {
            #expect(!entry.dutch.isEmpty && !entry.english.isEmpty, "\(entry.key)")
            #expect(
                ScreenLanguageTests.placeholders(entry.dutch)
                    == ScreenLanguageTests.placeholders(entry.english))
            #expect(!ScreenWords.script.contains(entry.key), "\(entry.key) is a word of screen.js too")
        }
    }

    @Test("every word screen-incident.js and screen-threat.js ask for (K.t) is on the screen's page")
    func scriptKeys() {
        for name in ["screen-incident.js", "screen-threat.js"] {
            let script = WebAssets.text(name)
            let keys = script.matches(of: /(?:^|[^A-Za-z0-9_$])t\("([^"]+)"/).map { String($0.output.1) }
            #expect(keys.count >= 10, "\(name): the scan found the script's words")
            // A key ending in "." is the start of a computed one (checked below).
            let missing = keys.filter { !$0.hasSuffix(".") && !ScreenPage.scriptWords.contains($0) }
            #expect(missing.isEmpty, "\(name) asks for \(missing)")
        }
        // Words asked for by a computed key: the kinds, the classifications, the steps of the plan.
        let computed =
            MeasureKind.allCases.map { "measureKind.\($0.rawValue)" }
            + IncidentKind.allCases.map { "kind.\($0.rawValue)" }
            + ["partners", "public", "national", "police"].map { "cls.\($0)" }
            + ["propose", "consult", "declare", "deliver", "advise", "review", "lower", "announce"].map {
                "thr.step.\($0)"
            }
        let missing = computed.filter { !ScreenPage.scriptWords.contains($0) }
        #expect(missing.isEmpty, "no words for \(missing)")
    }
}

/// NCTV's screen takes the steps of the threat level plan; the police's offers its labels.
/// What a screen handed to its daemon, as JSON.
final class HandedOver: Sendable {
    let documents = Mutex<[JSONValue]>([])
}

@Suite("The operator screen's step plan and police labels")
struct ScreenThreatStepTests {
    /// A screen of `organisation` over a picture of `sample`, recording what it hands over.
    func withScreen(
        _ organisation: OrganisationCode, sample: SamplePicture, labels: [String] = [],
        _ body: (LocalServer, HandedOver) async throws -> Void
    ) async throws {
        let people = try TestPeople(organisation)
        let sent = HandedOver()
        let picture: JSONValue = [
            "sequence": .integer(Int64(sample.picture.lastSequence)),
            "entries": .array(
                sample.picture.entries.values.map {
                    [
                        "key": .string($0.key), "sequence": .integer(Int64($0.sequence)),
                        "committedAt": .integer($0.committedAt), "report": $0.report.visibleJSON,
                    ]
                }),
        ]
        let backend = OperatorScreenHooks(
            organisation: organisation,
            status: { ["organisation": .string(organisation.rawValue), "outbox": ["recentIncidents": []]] },
            picture: { picture },
            publish: { document, _ in
                let count = sent.documents.withLock {
                    $0.append((try? JSONParser.parse(document)) ?? .null)
                    return $0.count
                }
                return .queued(ReportID.random(), originSeq: UInt64(count))
            }, report: { _ in nil })
        let gate = people.gate()
        var server = try await LocalServer.start { onStarted in
            var screen = OperatorScreen(
                backend: backend, gate: gate, port: 0, logger: TestLog.logger, onStarted: onStarted)
            screen.policeLabels = labels
            try await screen.run()
        }
        server.headers = people.bearer(.deskOfficer)
        do {
            try await body(server, sent)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("NCTV proposes level 5; a step out of order is refused with E700 and what comes next")
    func steps() async throws {
        try await withScreen(.nctv, sample: SamplePicture(view: .organisation(.nctv))) { server, sent in
            let early = try await server.request(
                "POST", "/api/v1/threat-steps",
                json: ["area": "PV26", "step": "declare", "reason": "Dreiging"])
            #expect(early.status == 422)
            #expect(early.json["code"]?.integerValue == 700)
            #expect(early.json["message"]?.stringValue?.contains("propose") == true)
            let missing = try await server.request(
                "POST", "/api/v1/threat-steps", json: ["area": "PV26", "step": "propose"])
            #expect(missing.json["problems"]?[0]?["field"]?.stringValue == "reason")
            let proposed = try await server.request(
                "POST", "/api/v1/threat-steps",
                json: ["area": "PV26", "step": "propose", "reason": "Dreiging"])
            #expect(proposed.status == 202, "\(proposed.text)")
            let threat = try #require(sent.documents.withLock { $0.last })
            #expect(threat["type"]?.stringValue == "threat")
            #expect(threat["step"]?.stringValue == "proposed")
            #expect(threat["level"]?.integerValue == 5)
            let unknownArea = try await server.request(
                "POST", "/api/v1/threat-steps", json: ["area": "PV99", "step": "propose", "reason": "x"])
            #expect(unknownArea.status == 422)
            let board = try await server.get("/api/v1/threat-steps")
            #expect(board.status == 200)
            #expect(board.json["areas"]?.arrayValue != nil)
        }
    }

    @Test("only NCTV's screen takes steps")
    func onlyNCTV() async throws {
        try await withScreen(.init("VR09")!, sample: SamplePicture(view: .organisation(.init("VR09")!))) {
            server, sent in
            let refused = try await server.request(
                "POST", "/api/v1/threat-steps", json: ["area": "PV26", "step": "propose", "reason": "x"])
            #expect(refused.status == 403)
            #expect(refused.json["code"]?.integerValue == 301)
            #expect(sent.documents.withLock { $0.isEmpty })
        }
    }

    @Test("the police's screen offers its labels; a daemon that cannot take labels refuses them")
    func policeLabels() async throws {
        let sample = SamplePicture(view: .organisation(.police))
        try await withScreen(.police, sample: sample, labels: ["vuurwapengevaarlijk"]) { server, sent in
            let labels = try await server.get("/api/v1/police-labels")
            #expect(labels.json["labels"] == ["vuurwapengevaarlijk"])
            var document = Samples.sitrep("Verdachte aangehouden").objectValue ?? [:]
            document["policeLabels"] = ["vuurwapengevaarlijk"]
            let refused = try await server.request("POST", "/api/v1/sitreps", json: .object(document))
            #expect(refused.json["code"]?.integerValue == 301)
            #expect(sent.documents.withLock { $0.isEmpty })
            document.removeValue(forKey: "policeLabels")
            let plain = try await server.request("POST", "/api/v1/sitreps", json: .object(document))
            #expect(plain.status == 202)
        }
    }
}
