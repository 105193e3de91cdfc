import Foundation
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON
import Synchronization
import Testing

@testable import KnooppuntWeb

/// A daemon as the screen sees it: a picture, and an outbox that queues what it is given.
final class FakeDaemon: OperatorScreenBackend {
    let organisation = OrganisationCode("VR09")!
    let pictureJSON: JSONValue
    let published = Mutex<[ReportID: [UInt8]]>([:])
    /// What the screen proved each report's person with (the daemon checks it).
    let credentials = Mutex<[PersonCredential]>([])
    let reachable: Bool

    init(sample: SamplePicture, reachable: Bool = true) {
        pictureJSON = [
            "organisation": "VR09", "sequence": .integer(Int64(sample.picture.lastSequence)),
            "entries": .array(
                sample.picture.entries.values.map { entry in
                    [
                        "key": .string(entry.key), "sequence": .integer(Int64(entry.sequence)),
                        "epoch": .integer(Int64(entry.epoch)), "committedAt": .integer(entry.committedAt),
                        "report": entry.report.visibleJSON,
                    ]
                }),
        ]
        self.reachable = reachable
    }

    func status() async throws -> JSONValue {
        guard reachable else { throw DaemonUnreachable("not running") }
        // As a daemon: the incidents of the incident reports in its outbox.
        let incidents = published.withLock { documents in
            Set(
                documents.values.compactMap { bytes -> String? in
                    let document = try? JSONParser.parse(bytes)
                    return document?["type"]?.stringValue == "incident"
                        ? document?["incident"]?.stringValue : nil
                })
        }
        return [
            "organisation": "VR09", "node": ["connected": true, "lastSequence": 4],
            "mirror": ["applied": 4],
            "outbox": ["queued": 0, "recentIncidents": .array(incidents.sorted().map { .string($0) })],
        ]
    }

    func picture() async throws -> JSONValue {
        guard reachable else { throw DaemonUnreachable("not running") }
        return pictureJSON
    }

    func publish(_ document: [UInt8], as credential: PersonCredential) async throws -> OperatorPublishResult {
        guard reachable else { throw DaemonUnreachable("not running") }
        credentials.withLock { $0.append(credential) }
        let id = ReportID.random()
        let count = published.withLock {
            $0[id] = document
            return $0.count
        }
        return .queued(id, originSeq: UInt64(count))
    }

    func reportState(_ id: ReportID) async throws -> JSONValue? {
        guard published.withLock({ $0[id] != nil }) else {
            return ["id": .string(id.rawValue), "state": "unknown"]
        }
        return ["id": .string(id.rawValue), "state": "accepted", "sequence": 7]
    }
}

@Suite("The operator screen's HTTP API")
struct OperatorScreenTests {
    /// A screen on a free port, asked by a signed-in operator (their personal token).
    func withScreen(
        reachable: Bool = true, people: TestPeople? = nil,
        _ body: (LocalServer, FakeDaemon) async throws -> Void
    ) async throws {
        let people = try people ?? TestPeople(.init("VR09")!)
        let gate = people.gate()
        var sample = SamplePicture(view: .organisation(.init("VR09")!))
        sample.add(Samples.incident(), from: .init("VR09")!)
        sample.add(Samples.grip("3"), from: .init("VR09")!)
        sample.add(Samples.threat(level: 5), from: .nctv)
        sample.add(Samples.threat(level: 3, area: ("province", "PV27")), from: .nctv)
        let daemon = FakeDaemon(sample: sample, reachable: reachable)
        var server = try await LocalServer.start { onStarted in
            try await OperatorScreen(
                backend: daemon, gate: gate, port: 0, logger: TestLog.logger, onStarted: onStarted
            )
            .run()
        }
        server.headers = people.bearer(.operator)
        do {
            try await body(server, daemon)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("the screen shows the picture as the region sees it and the threat level in force there")
    func picture() async throws {
        try await withScreen { server, _ in
            let reply = try await server.get("/api/v1/picture")
            #expect(reply.status == 200)
            #expect(reply.json["own"]?["threatLevel"]?.integerValue == 5)
            #expect(reply.json["own"]?["threatArea"]?.stringValue == "PV26")
            #expect(reply.json["own"]?["actionAdvice"]?.stringValue == "Blijf binnen.")
            #expect(reply.json["regions"]?.arrayValue?.count == 25)
            #expect(reply.json["incidents"]?[0]?["grip"]?["level"]?.stringValue == "3")
            let status = try await server.get("/api/v1/status")
            #expect(status.json["reachable"]?.boolValue == true)
            #expect(status.json["name"]?.stringValue == "Utrecht")
        }
    }

    @Test("an invalid sitrep is refused with every problem at its field path, and nothing is sent")
    func validation() async throws {
        try await withScreen { server, daemon in
            let document: JSONValue = [
                "type": "sitrep", "incident": "not an incident", "confidence": "medium",
                "verification": "sure",
                "beeld": ["BRW": ["text": "", "classification": "partners"]],
            ]
            let reply = try await server.request("POST", "/api/v1/sitreps", json: document)
            #expect(reply.status == 422)
            let problems = reply.json["problems"]?.arrayValue ?? []
            let fields = Set(problems.compactMap { $0["field"]?.stringValue })
            #expect(fields.isSuperset(of: ["incident", "verification", "beeld.BRW.text"]), "\(fields)")
            #expect(problems.allSatisfy { $0["code"]?.integerValue != nil && $0["name"]?.stringValue != nil })
            #expect(daemon.published.withLock { $0.isEmpty })
            let checked = try await server.request("POST", "/api/v1/validate", json: document)
            #expect(checked.status == 422)
        }
    }

    @Test("a valid sitrep is handed to the daemon and followed to accepted")
    func publish() async throws {
        try await withScreen { server, daemon in
            let document = Samples.sitrep("Afzetting blijft staan")
            #expect(try await server.request("POST", "/api/v1/validate", json: document).status == 200)
            let reply = try await server.request("POST", "/api/v1/sitreps", json: document)
            #expect(reply.status == 202)
            #expect(reply.json["state"]?.stringValue == "queued")
            let id = try #require(reply.json["id"]?.stringValue)
            let sent = try #require(daemon.published.withLock { $0.values.first })
            #expect(try JSONParser.parse(sent)["incident"]?.stringValue == Samples.incidentID)
            // The daemon is shown the signed-in person's own credential, to check again.
            let credential = try #require(daemon.credentials.withLock { $0.first })
            switch credential {
            case .session(let id): #expect(!id.isEmpty)
            case .token(let token): #expect(token.hasPrefix("kpt_"))
            }
            let state = try await server.get("/api/v1/reports/\(id)")
            #expect(
                state.json["state"]?.stringValue == "accepted" && state.json["sequence"]?.integerValue == 7)
            let unknown = try await server.get("/api/v1/reports/\(ReportID.random())")
            #expect(unknown.status == 404 && unknown.json["code"]?.integerValue == 404)
        }
    }

    @Test("an operator acknowledges a message from the screen, named as the signed-in person")
    func acknowledge() async throws {
        try await withScreen { server, daemon in
            let subject = ReportID.random().rawValue
            let reply = try await server.request(
                "POST", "/api/v1/acks",
                json: ["person": "Calamiteitencoördinator VR09", "subject": .string(subject)])
            #expect(reply.status == 202 && reply.json["type"]?.stringValue == "ack")
            let sent = try JSONParser.parse(try #require(daemon.published.withLock { $0.values.first }))
            #expect(sent["type"] == "ack" && sent["subject"]?.stringValue == subject)
            #expect(sent["by"] == "Test Otto (otto)" && sent["author"] == "Test Otto (otto)")
        }
    }

    @Test("without its daemon the screen says so and sends nothing")
    func daemonDown() async throws {
        try await withScreen(reachable: false) { server, _ in
            let status = try await server.get("/api/v1/status")
            #expect(status.status == 200 && status.json["reachable"]?.boolValue == false)
            let reply = try await server.request("POST", "/api/v1/sitreps", json: Samples.sitrep("x"))
            #expect(reply.status == 503 && reply.json["code"]?.integerValue == 506)
            #expect(try await server.get("/api/v1/picture").json["code"]?.integerValue == 506)
        }
    }

    @Test("the screen's page names every BOB field it fills, and is served locally")
    func page() async throws {
        try await withScreen { server, _ in
            let page = try await server.get("/")
            #expect(page.status == 200)
            for field in [
                "incident", "beeld.MULTI.text", "beeld.POL.classification", "oordeel.prognosis",
                "besluiten.items", "acties.items[0].deadline", "communicatie.actionAdvice",
            ] {
                #expect(page.text.contains("data-field=\"\(field)\""), "\(field)")
            }
            #expect(!page.text.contains("https://"))
            #expect(try await server.get("/assets/screen.js").status == 200)
        }
    }
}

@Suite("Metrics server")
struct OperationsTests {
    @Test("the metrics server serves Prometheus text, health and readiness; the probe reads /readyz")
    func metricsServer() async throws {
        let ready = Atomic<Bool>(false)
        let server = try await LocalServer.start { onStarted in
            try await MetricsServer(
                port: 0, logger: TestLog.logger,
                readiness: { (ready.load(ordering: .relaxed), "waiting for the node") }, onStarted: onStarted
            ).run()
        }
        MetricsEndpoint.bootstrap()
        let notReady = try await server.get("/readyz")
        #expect(notReady.status == 503 && notReady.json["code"]?.integerValue == 505)
        #expect(notReady.json["message"]?.stringValue == "waiting for the node")
        #expect(await Self.probe(server.port) == false)
        ready.store(true, ordering: .relaxed)
        #expect(try await server.get("/readyz").status == 200)
        #expect(await Self.probe(server.port) == true)
        #expect(await Self.probe(try freePort()) == false)
        BuildIdentity.set(["release": "0.0.1", "commit": "abc"])
        let health = try await server.get("/healthz").json
        #expect(health["status"]?.stringValue == "ok")
        #expect(health["version"]?["commit"]?.stringValue == "abc")
        let metrics = try await server.get("/metrics")
        #expect(metrics.status == 200 && metrics.text.contains("# TYPE"))
        #expect(try await server.get("/nothing").json["code"]?.integerValue == 101)
        await server.stop()
    }

    /// The harness's readiness check blocks: run it on a thread of its own, never on the concurrency pool.
    static func probe(_ port: Int) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    returning: Readiness.httpOK(port: port, path: "/readyz", timeout: .seconds(2)))
            }
        }
    }

    func freePort() throws -> Int { try #require(FreePorts.consecutive(1)) }
}
