import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

@testable import KnooppuntWeb

/// `GET /live` asked over plain HTTP, as a generated request from docs/openapi.yaml does: it
/// answered an empty 200, which reads as success although nothing can be read there.
@Suite("GET /live without a WebSocket upgrade")
struct LiveUpgradeTests {
    /// A desk on a free port with a fixed picture, asked by a signed-in desk officer.
    func withDesk(_ body: (LocalServer) async throws -> Void) async throws {
        let people = try TestPeople(.national)
        let gate = people.gate()
        let desk = FakeDesk(sample: DeskAPITests.sample())
        try await LocalServer.withDesk(backend: desk, gate: gate, headers: people.bearer(.deskOfficer), body)
    }

    @Test("a plain GET gets 426 naming the WebSocket protocol, with E101 as JSON")
    func plainGet() async throws {
        try await withDesk { server in
            let reply = try await server.get("/live")
            #expect(reply.status == 426)
            #expect(reply.headers["upgrade"]?.lowercased() == "websocket")
            #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(reply.json["code"]?.integerValue == 101)
            #expect(reply.json["name"]?.stringValue == "unknownCommand")
        }
    }

    @Test("the upgrade still opens the stream, and without a login the answer stays 401")
    func upgradeAndLogin() async throws {
        try await withDesk { server in
            let text = try await WebSocketProbe.firstText(
                port: server.port, path: "/live", headers: server.headers)
            #expect(try JSONParser.parse(text)["type"]?.stringValue == "state")
            let anonymous = try await server.anonymous.get("/live")
            #expect(anonymous.status == 401)
            #expect(anonymous.json["code"]?.integerValue == 800)
        }
    }
}
