import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@testable import KnooppuntWeb

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The desk's HTTP API over real HTTP on 127.0.0.1, with a desk backend that needs no node.
@Suite("The desk's HTTP API")
struct DeskAPITests {
    static func sample() -> SamplePicture {
        var sample = SamplePicture()
        sample.add(Samples.incident(), from: .init("VR09")!)
        sample.add(Samples.grip("3"), from: .init("VR09")!)
        sample.add(Samples.sitrep("Brand meester"), from: .init("VR09")!)
        let threat = sample.add(Samples.threat(level: 5), from: .nctv)
        sample.add(
            Samples.ackRequest(
                subject: threat, parties: ["VR09", "VR14"], deadline: "2025-06-11T11:45:00+02:00"),
            from: .nctv)
        return sample
    }

    /// A desk on a free port, asked by a signed-in desk officer (their personal token).
    func withDesk(
        ready: Bool = true, people: TestPeople? = nil, _ body: (LocalServer, FakeDesk) async throws -> Void
    ) async throws {
        let people = try people ?? TestPeople(.national)
        let gate = people.gate()
        let desk = FakeDesk(sample: Self.sample(), ready: ready)
        var settings = DeskServer.Settings()
        settings.writeWait = .milliseconds(100)
        try await LocalServer.withDesk(
            settings: settings, backend: desk, gate: gate, headers: people.bearer(.deskOfficer)
        ) { server in try await body(server, desk) }
    }

    @Test("GET /api/v1/picture gives the regions, incidents and the link state")
    func picture() async throws {
        try await withDesk { server, _ in
            let reply = try await server.get("/api/v1/picture")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "application/json")
            let json = reply.json
            #expect(json["sequence"]?.integerValue == 5)
            #expect(json["link"]?["state"]?.stringValue == "live")
            #expect(json["regions"]?.arrayValue?.count == 25)
            let utrecht = json["regions"]?.arrayValue?.first { $0["code"]?.stringValue == "VR09" }
            #expect(utrecht?["grip"]?.stringValue == "3")
            #expect(utrecht?["threatLevel"]?.integerValue == 5)
            #expect(json["incidents"]?.arrayValue?.first?["id"]?.stringValue == Samples.incidentID)
            #expect(json["threats"]?.arrayValue?.count == 1)
        }
    }

    @Test("incidents, one incident, its sitreps, threats, acknowledgements and liveness")
    func readEndpoints() async throws {
        try await withDesk { server, _ in
            let list = try await server.get("/api/v1/incidents").json
            #expect(list["incidents"]?.arrayValue?.count == 1)
            #expect(list["incidents"]?[0]?["latestSitrep"] != nil)

            let one = try await server.get("/api/v1/incidents/\(Samples.incidentID)")
            #expect(one.status == 200)
            #expect(one.json["incident"]?["grip"]?["level"]?.stringValue == "3")
            #expect(one.json["incident"]?["sitreps"]?.arrayValue?.count == 1)

            let sitreps = try await server.get("/api/v1/incidents/\(Samples.incidentID)/sitreps").json
            let beeld = sitreps["sitreps"]?[0]?["beeld"]?[0]
            #expect(
                beeld?["discipline"]?.stringValue == "MULTI" && beeld?["text"]?.stringValue == "Brand meester"
            )

            let threats = try await server.get("/api/v1/threats").json
            #expect(threats["threats"]?[0]?["level"]?.integerValue == 5)

            let acks = try await server.get("/api/v1/acknowledgements").json
            #expect(acks["acknowledgements"]?[0]?["parties"]?.arrayValue?.count == 2)

            let liveness = try await server.get("/api/v1/liveness").json
            #expect(liveness["liveness"]?["source"]?.stringValue == "heartbeats")
            #expect(liveness["liveness"]?["parties"]?.arrayValue?.count == 27)

            let regions = try await server.get("/api/v1/regions").json
            #expect(regions["regions"]?.arrayValue?.count == 25 && regions["sequence"]?.integerValue == 5)
            let exercise = try await server.get("/api/v1/regions?exercise=true").json
            #expect(exercise["regions"]?.arrayValue?.allSatisfy { $0["grip"] == nil } == true)

            let state = try await server.get("/api/v1/state").json
            #expect(state["type"]?.stringValue == "state" && state["picture"] != nil)
        }
    }

    @Test("errors are JSON with the protocol's codes")
    func errors() async throws {
        try await withDesk { server, _ in
            func expectError(_ reply: LocalServer.Reply, _ status: Int, _ code: ErrorCode) {
                #expect(reply.status == status)
                #expect(reply.headers["content-type"] == "application/json")
                #expect(reply.json["code"]?.integerValue == Int64(code.rawValue))
                #expect(reply.json["name"]?.stringValue == code.name)
                #expect(reply.json["message"]?.stringValue?.isEmpty == false)
            }
            expectError(try await server.get("/api/v1/incidents/VR09-20990101-99"), 404, .unknownIncident)
            expectError(try await server.get("/api/v1/incidents/not%20an%20id"), 400, .invalidID)
            expectError(try await server.get("/api/v1/no-such-thing"), 404, .unknownCommand)
            expectError(try await server.get("/api/v1/reports/\(ReportID.random())"), 404, .unknownReport)
            expectError(try await server.get("/api/v1/reports/nope"), 400, .invalidID)
            expectError(try await server.request("DELETE", "/api/v1/picture"), 404, .unknownCommand)
        }
    }

    @Test("a write without a signed-in person is refused (E800, E804) and stores nothing")
    func writesNeedAPerson() async throws {
        try await withDesk { server, desk in
            let advice: JSONValue = [
                "person": "A. de Vries", "incident": .string(Samples.incidentID), "text": "Advies",
            ]
            let missing = try await server.anonymous.request("POST", "/api/v1/advice", json: advice)
            #expect(missing.status == 401)
            #expect(missing.json["code"]?.integerValue == 800)
            let wrong = try await server.request(
                "POST", "/api/v1/advice", json: advice,
                headers: ["Authorization": "Bearer kpt_" + String(repeating: "cd", count: 32)])
            #expect(wrong.status == 401)
            #expect(wrong.json["code"]?.integerValue == 804)
            #expect(desk.documents.isEmpty)
        }
    }

    @Test("national advice is validated, names the signed-in person, and answers accepted with its sequence")
    func advice() async throws {
        try await withDesk { server, desk in
            let auth: [String: String] = [:]
            let invalid = try await server.request(
                "POST", "/api/v1/advice", json: ["incident": .string(Samples.incidentID), "text": ""],
                headers: auth)
            #expect(invalid.status == 422)
            let fields = invalid.json["problems"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
            #expect(fields.contains("text"))

            let unknown = try await server.request(
                "POST", "/api/v1/advice",
                json: ["person": "X", "incident": "VR09-1", "text": "t", "colour": "red"],
                headers: auth)
            #expect(unknown.status == 422 && unknown.json["code"]?.integerValue == 204)

            let accepted = try await server.request(
                "POST", "/api/v1/advice",
                json: [
                    "person": "A. de Vries (LOCC)", "incident": .string(Samples.incidentID),
                    "text": "Schaal op naar GRIP 3", "actionAdvice": "Blijf binnen",
                ], headers: auth)
            #expect(accepted.status == 201)
            #expect(accepted.json["state"]?.stringValue == "accepted")
            // The signed-in person is the author, whatever the body says.
            #expect(accepted.json["person"]?.stringValue == "Test Dirk (dirk)")
            let document = try #require(desk.documents.first)
            #expect(document.author == "Test Dirk (dirk)")
            guard case .sitrep(let sitrep) = document.body else {
                Issue.record("advice is a sitrep")
                return
            }
            #expect(sitrep.beeld[.multi]?.text == "Schaal op naar GRIP 3")
            #expect(sitrep.communicatie?.targetArea.regions == [.init("VR09")!])

            let id = try #require(accepted.json["id"]?.stringValue)
            let state = try await server.get("/api/v1/reports/\(id)")
            #expect(state.status == 200 && state.json["sequence"]?.integerValue == 100)
        }
    }

    @Test("an acknowledgement request takes parties and a deadline in minutes")
    func ackRequest() async throws {
        try await withDesk { server, desk in
            let auth: [String: String] = [:]
            let subject = ReportID.random().rawValue
            let bad = try await server.request(
                "POST", "/api/v1/ack-requests",
                json: [
                    "person": "P", "subject": .string(subject), "parties": ["VR99"], "deadlineMinutes": 30,
                ],
                headers: auth)
            #expect(bad.status == 422)
            #expect(bad.json["problems"]?[0]?["field"]?.stringValue?.hasPrefix("parties") == true)
            let good = try await server.request(
                "POST", "/api/v1/ack-requests",
                json: [
                    "person": "P", "subject": .string(subject), "parties": ["VR09", "POLICE"],
                    "deadlineMinutes": 30,
                ],
                headers: auth)
            #expect(good.status == 201)
            guard case .ackRequest(let request)? = desk.documents.first?.body else {
                Issue.record("an acknowledgement request was written")
                return
            }
            #expect(Array(request.parties) == [.police, .init("VR09")!])
        }
    }

    @Test("a desk officer's acknowledgement names the signed-in person, whatever the body says")
    func acknowledgement() async throws {
        try await withDesk { server, desk in
            let auth: [String: String] = [:]
            let subject = ReportID.random().rawValue
            let good = try await server.request(
                "POST", "/api/v1/acks",
                json: [
                    "person": "Officier van dienst LOCC", "subject": .string(subject), "note": "VR14 gebeld",
                ],
                headers: auth)
            #expect(good.status == 201)
            guard case .ack(let ack)? = desk.documents.first?.body else {
                Issue.record("an acknowledgement was written")
                return
            }
            #expect(
                ack.subject.rawValue == subject && ack.by == "Test Dirk (dirk)" && ack.note == "VR14 gebeld")
            #expect(desk.documents.first?.author == "Test Dirk (dirk)")
        }
    }

    @Test("writes must be JSON from this server's own pages")
    func requestGuard() async throws {
        try await withDesk { server, _ in
            let auth: [String: String] = [:]
            let form = try await server.request(
                "POST", "/api/v1/advice", body: Array("person=x".utf8),
                headers: auth.merging(["Content-Type": "application/x-www-form-urlencoded"]) { $1 })
            #expect(form.status == 415 && form.json["code"]?.integerValue == 200)
            let foreign = try await server.request(
                "POST", "/api/v1/advice", json: ["person": "x"],
                headers: auth.merging(["Origin": "http://evil.example"]) { $1 })
            #expect(foreign.status == 403 && foreign.json["code"]?.integerValue == 301)
            let notJSON = try await server.request(
                "POST", "/api/v1/advice", body: Array("{nope".utf8),
                headers: auth.merging(["Content-Type": "application/json"]) { $1 })
            #expect(notJSON.status == 400 && notJSON.json["code"]?.integerValue == 200)
        }
    }

    @Test("the page and its assets are served locally, with a policy that forbids anything else")
    func pageAndAssets() async throws {
        try await withDesk { server, _ in
            let page = try await server.request("GET", "/", headers: server.headers)
            #expect(page.status == 200)
            #expect(page.text.components(separatedBy: "class=\"region\"").count - 1 == 25)
            #expect(!page.text.contains("http://") || page.text.contains("http://www.w3.org/2000/svg"))
            #expect(!page.text.contains("https://"))
            #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
            for asset in ["/assets/knooppunt.css", "/assets/common.js", "/assets/desk.js", "/assets/map.svg"]
            {
                let reply = try await server.get(asset)
                #expect(reply.status == 200, "\(asset)")
                #expect(!reply.text.contains("https://"), "\(asset) refers to nothing outside")
            }
        }
    }

    @Test("health, readiness and Prometheus metrics")
    func operations() async throws {
        try await withDesk { server, _ in
            #expect(try await server.get("/healthz").status == 200)
            #expect(try await server.get("/readyz").status == 200)
            _ = try await server.get("/api/v1/picture")
            let metrics = try await server.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains("# TYPE"))
        }
        try await withDesk(ready: false) { server, _ in
            let reply = try await server.get("/readyz")
            #expect(reply.status == 503 && reply.json["code"]?.integerValue == 505)
        }
    }

    @Test("a live connection gets the whole state at once")
    func liveStream() async throws {
        try await withDesk { server, _ in
            let text = try await WebSocketProbe.firstText(
                port: server.port, path: "/live", headers: server.headers)
            let state = try JSONParser.parse(text)
            #expect(state["type"]?.stringValue == "state")
            #expect(state["picture"]?["sequence"]?.integerValue == 5)
            #expect(state["link"]?["message"]?.stringValue?.hasPrefix("Live: picture as of seq 5") == true)
        }
    }
}
