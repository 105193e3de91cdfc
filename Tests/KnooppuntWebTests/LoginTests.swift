import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import Logging
import StrictJSON
import Synchronization
import Testing

@testable import KnooppuntWeb

/// Log lines of one test, kept to prove what they do not contain.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "knooppunt.web.test") { _ in Handler(log: self) }
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
            file: String, function: String, line: UInt
        ) {
            let all = self.metadata.merging(metadata ?? [:]) { $1 }
            log.lines.withLock { $0.append("\(level) \(message) \(all)") }
        }
    }
}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    let now = Atomic<Int64>(1_000)
    func advance(_ duration: Duration) { now.add(LoginLimits.milliseconds(duration), ordering: .relaxed) }
    var read: @Sendable () -> Int64 { { self.now.load(ordering: .relaxed) } }
}

@Suite("Login on the desk and the operator screen")
struct LoginTests {
    enum Screen { case desk, operatorScreen }

    /// A server of `kind` whose gate uses `clock` and `log`; nobody signed in.
    func withServer(
        _ kind: Screen, people: TestPeople, clock: TestClock = TestClock(), log: CapturedLog = CapturedLog(),
        secureCookies: Bool = false, _ body: (LocalServer) async throws -> Void
    ) async throws {
        let gate = PeopleGate(
            store: people.store, secureCookies: secureCookies, logger: log.logger, clock: clock.read)
        let logger = log.logger
        let server: LocalServer
        switch kind {
        case .desk:
            let desk = FakeDesk(sample: DeskAPITests.sample())
            var settings = DeskServer.Settings()
            settings.port = 0
            settings.writeWait = .milliseconds(100)
            let fixed = settings
            server = try await LocalServer.start { onStarted in
                try await DeskServer(
                    settings: fixed, backend: desk, gate: gate, logger: logger, onStarted: onStarted
                ).run()
            }
        case .operatorScreen:
            var sample = SamplePicture(view: .organisation(.init("VR09")!))
            sample.add(Samples.incident(), from: .init("VR09")!)
            let daemon = FakeDaemon(sample: sample)
            server = try await LocalServer.start { onStarted in
                try await OperatorScreen(
                    backend: daemon, gate: gate, port: 0, logger: logger, onStarted: onStarted
                )
                .run()
            }
        }
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    func login(_ server: LocalServer, _ user: String, _ password: String) async throws -> LocalServer.Reply {
        try await server.request(
            "POST", "/api/v1/login", json: ["user": .string(user), "password": .string(password)])
    }

    /// The `name=value` part of a Set-Cookie header, to send back as `Cookie`.
    func cookie(_ reply: LocalServer.Reply) -> [String: String] {
        let value = reply.headers["set-cookie"]?.split(separator: ";").first.map(String.init) ?? ""
        return ["Cookie": value]
    }

    @Test(
        "without login only the login page, health, readiness and assets answer; the page sends you to log in",
        arguments: [Screen.desk, .operatorScreen])
    func nothingWithoutLogin(kind: Screen) async throws {
        let people = try TestPeople(kind == .desk ? .national : .init("VR09")!)
        try await withServer(kind, people: people) { server in
            #expect(try await server.get("/login").status == 200)
            #expect(try await server.get("/assets/login.js").status == 200)
            #expect(try await server.get("/assets/knooppunt.css").status == 200)
            #expect(try await server.get("/healthz").status == 200)
            #expect(try await server.get("/readyz").status == 200)
            let page = try await server.get("/")
            // URLSession follows the redirect: the answer is the login page.
            #expect(page.text.contains("id=\"login-form\""))
            for path in ["/api/v1/picture", "/api/v1/me", "/metrics"] {
                let reply = try await server.get(path)
                #expect(reply.status == 401, "\(path)")
                #expect(reply.json["code"]?.integerValue == 800, "\(path)")
            }
            if kind == .desk {
                await #expect(throws: (any Error).self) {
                    _ = try await WebSocketProbe.firstText(port: server.port, path: "/live")
                }
            }
        }
    }

    @Test(
        "login sets an HttpOnly, SameSite=Strict session cookie; the session works until logout",
        arguments: [Screen.desk, .operatorScreen])
    func loginAndLogout(kind: Screen) async throws {
        let people = try TestPeople(kind == .desk ? .national : .init("VR09")!)
        try await withServer(kind, people: people) { server in
            let reply = try await login(server, "otto", TestPeople.password("otto"))
            #expect(reply.status == 200)
            #expect(reply.json["role"]?.stringValue == "operator")
            let setCookie = try #require(reply.headers["set-cookie"])
            #expect(setCookie.hasPrefix("\(PeopleGate.cookieName(for: people.store.organisation))="))
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            #expect(!setCookie.contains("Secure"))
            var signedIn = server
            signedIn.headers = cookie(reply)
            let me = try await signedIn.get("/api/v1/me")
            #expect(me.status == 200 && me.json["name"]?.stringValue == "Test Otto")
            #expect(try await signedIn.get("/").text.contains("id=\"logout\""))
            let out = try await signedIn.request("POST", "/api/v1/logout", json: [:])
            #expect(out.status == 200)
            #expect(out.headers["set-cookie"]?.contains("Max-Age=0") == true)
            let after = try await signedIn.get("/api/v1/me")
            #expect(after.status == 401 && after.json["code"]?.integerValue == 800)
        }
    }

    @Test("a screen behind TLS marks the cookie Secure")
    func secureCookie() async throws {
        let people = try TestPeople(.national)
        try await withServer(.desk, people: people, secureCookies: true) { server in
            let reply = try await login(server, "dirk", TestPeople.password("dirk"))
            #expect(reply.headers["set-cookie"]?.contains("; Secure") == true)
        }
    }

    @Test("five wrong passwords lock the account: E801 four times, then E802, even for the right password")
    func lockout() async throws {
        let people = try TestPeople(.national)
        let clock = TestClock()
        try await withServer(.desk, people: people, clock: clock) { server in
            var wrongMessage: JSONValue?
            for _ in 1..<LoginLimits().maxFailures {
                let wrong = try await login(server, "dirk", "not the password")
                #expect(wrong.status == 401 && wrong.json["code"]?.integerValue == 801)
                wrongMessage = wrong.json["message"]
            }
            let locked = try await login(server, "dirk", "not the password")
            #expect(locked.status == 403 && locked.json["code"]?.integerValue == 802)
            let right = try await login(server, "dirk", TestPeople.password("dirk"))
            #expect(right.status == 403 && right.json["code"]?.integerValue == 802)
            #expect(right.headers["set-cookie"] == nil)
            // An unknown name gets the same answer as a wrong password.
            let unknown = try await login(server, "nobody", "not the password")
            #expect(unknown.status == 401 && unknown.json["code"]?.integerValue == 801)
            #expect(unknown.json["message"] == wrongMessage)
            clock.advance(LoginLimits().lockout)
            #expect(try await login(server, "dirk", TestPeople.password("dirk")).status == 200)
        }
    }

    @Test("a session ends after the idle timeout (E804); activity keeps it alive")
    func idleTimeout() async throws {
        let people = try TestPeople(.national)
        let clock = TestClock()
        let idle = LoginLimits().idleTimeout
        try await withServer(.desk, people: people, clock: clock) { server in
            var signedIn = server
            signedIn.headers = cookie(try await login(server, "vera", TestPeople.password("vera")))
            clock.advance(idle - .seconds(1))
            #expect(try await signedIn.get("/api/v1/picture").status == 200)
            clock.advance(idle - .seconds(1))
            #expect(try await signedIn.get("/api/v1/picture").status == 200)
            clock.advance(idle)
            let expired = try await signedIn.get("/api/v1/picture")
            #expect(expired.status == 401 && expired.json["code"]?.integerValue == 804)
        }
    }

    @Test("a personal token works until it expires (E804); a disabled account's token stops (E803)")
    func tokenExpiry() async throws {
        let people = try TestPeople(.national)
        let short = try people.store.issueToken(
            for: "vera", label: "test", now: 1_000, lifetime: .seconds(60))
        let clock = TestClock()
        try await withServer(.desk, people: people, clock: clock) { server in
            let auth = ["Authorization": "Bearer \(short)"]
            #expect(try await server.request("GET", "/api/v1/picture", headers: auth).status == 200)
            clock.advance(.seconds(60))
            let expired = try await server.request("GET", "/api/v1/picture", headers: auth)
            #expect(expired.status == 401 && expired.json["code"]?.integerValue == 804)
            try people.store.setDisabled("dirk", true, now: 2_000)
            let disabled = try await server.request(
                "GET", "/api/v1/picture", headers: people.bearer(.deskOfficer))
            #expect(disabled.status == 403 && disabled.json["code"]?.integerValue == 803)
        }
    }

    @Test("a password reset ends the person's open sessions")
    func resetEndsSessions() async throws {
        let people = try TestPeople(.national)
        let clock = TestClock()
        try await withServer(.desk, people: people, clock: clock) { server in
            var signedIn = server
            signedIn.headers = cookie(try await login(server, "dirk", TestPeople.password("dirk")))
            clock.advance(.seconds(1))
            try people.store.resetPassword("dirk", to: "een heel nieuw wachtwoord", now: clock.read())
            let after = try await signedIn.get("/api/v1/picture")
            #expect(after.status == 401 && after.json["code"]?.integerValue == 800)
        }
    }

    @Test("a session survives a restart of the desk: officers stay signed in")
    func sessionSurvivesRestart() async throws {
        let people = try TestPeople(.national)
        var session: [String: String] = [:]
        try await withServer(.desk, people: people) { server in
            session = cookie(try await login(server, "dirk", TestPeople.password("dirk")))
        }
        try await withServer(.desk, people: people) { server in
            let me = try await server.request("GET", "/api/v1/me", headers: session)
            #expect(me.status == 200 && me.json["user"]?.stringValue == "dirk")
        }
    }

    // MARK: Role × action over HTTP

    static let deskWrites: [(String, PersonAction, JSONValue)] = [
        ("/api/v1/advice", .giveNationalAdvice, ["incident": .string(Samples.incidentID), "text": "Advies"]),
        ("/api/v1/acks", .giveAcknowledgement, ["subject": .string(ReportID.random().rawValue)]),
        (
            "/api/v1/ack-requests", .requestAcknowledgement,
            ["subject": .string(ReportID.random().rawValue), "parties": ["VR09"], "deadlineMinutes": 30]
        ),
    ]

    @Test(
        "the desk: each role may write what the table allows and gets E805 for the rest",
        arguments: Role.allCases)
    func deskRoles(role: Role) async throws {
        let people = try TestPeople(.national)
        try await withServer(.desk, people: people) { server in
            for (path, action, body) in Self.deskWrites {
                let reply = try await server.request("POST", path, json: body, headers: people.bearer(role))
                if RolePolicy.allows(role, action) {
                    #expect(reply.status == 201, "\(role) \(path): \(reply.text)")
                    #expect(
                        reply.json["person"]?.stringValue
                            == "Test \(TestPeople.users[role]!.capitalized) (\(TestPeople.users[role]!))")
                } else {
                    #expect(reply.status == 403, "\(role) \(path)")
                    #expect(reply.json["code"]?.integerValue == 805)
                    #expect(reply.json["action"]?.stringValue == action.rawValue)
                    #expect(reply.json["message"]?.stringValue?.contains(role.title) == true)
                }
            }
            // Everyone may view.
            #expect(
                try await server.request("GET", "/api/v1/picture", headers: people.bearer(role)).status == 200
            )
        }
    }

    @Test(
        "the operator screen: each role may publish and acknowledge as the table allows",
        arguments: Role.allCases)
    func screenRoles(role: Role) async throws {
        let people = try TestPeople(.init("VR09")!)
        try await withServer(.operatorScreen, people: people) { server in
            let sitrep = try await server.request(
                "POST", "/api/v1/sitreps", json: Samples.sitrep("Stand van zaken"),
                headers: people.bearer(role))
            let ack = try await server.request(
                "POST", "/api/v1/acks", json: ["subject": .string(ReportID.random().rawValue)],
                headers: people.bearer(role))
            for (reply, action) in [(sitrep, PersonAction.publishOwn), (ack, .giveAcknowledgement)] {
                if RolePolicy.allows(role, action) {
                    #expect(reply.status == 202, "\(role) \(action): \(reply.text)")
                } else {
                    #expect(
                        reply.status == 403 && reply.json["code"]?.integerValue == 805, "\(role) \(action)")
                }
            }
        }
    }

    @Test("no password, token or session id appears in the log, whatever happens")
    func nothingSecretInLogs() async throws {
        let people = try TestPeople(.national)
        let log = CapturedLog()
        try await withServer(.desk, people: people, log: log) { server in
            let session = cookie(try await login(server, "dirk", TestPeople.password("dirk")))
            _ = try await login(server, "dirk", "a wrong secret password")
            _ = try await login(server, "nobody", "another wrong secret")
            // A password typed into the name field: the log names no account it does not know.
            _ = try await login(server, "geheim-wachtwoord-123", "x")
            _ = try await server.request("GET", "/api/v1/picture", headers: people.bearer(.viewer))
            _ = try await server.request(
                "GET", "/api/v1/picture", headers: ["Authorization": "Bearer kpt_leaked"])
            _ = try await server.request(
                "POST", "/api/v1/advice", json: ["incident": .string(Samples.incidentID), "text": "Advies"],
                headers: people.bearer(.operator))
            _ = try await server.request("GET", "/api/v1/me", headers: session)
            let text = log.text
            #expect(text.contains("person logged in"), "the log says who logged in")
            #expect(text.contains("dirk"))
            for secret in [
                TestPeople.password("dirk"), "a wrong secret password", "another wrong secret", "kpt_leaked",
                "geheim-wachtwoord-123",
                String(session["Cookie"]!.split(separator: "=")[1]),
            ] + people.tokens.values.map { $0 } {
                #expect(!text.contains(secret), "the log holds a secret")
            }
        }
    }
}
