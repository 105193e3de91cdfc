import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

/// An incident id a screen handed out is never handed out again, not even by the same screen
/// after a restart while the first incident is still queued (the node is down, so it is not
/// in the picture): the screen reserves against what the daemon's store holds.
@Suite("Incident ids across a restart of the screen", .serialized)
struct ScreenIncidentIDTests {
    static let vr09 = OrganisationCode("VR09")!
    static let opening: JSONValue = [
        "title": "Brand in distributiecentrum", "kind": "fire", "municipality": "GM0344",
        "lead": "Burgemeester van Utrecht",
    ]

    @Test("a restarted screen hands out the next id, not the one still queued")
    func restart() async throws {
        let network = try BrowserNetwork(name: "ids")
        defer {
            network.stopAll()
            network.removeFolder()
        }
        try await network.startNetwork([Self.vr09])
        let manager = try network.addPerson("im", name: "Informatiemanager", role: "operator", of: Self.vr09)
        // Without the node nothing is accepted: the first incident stays in the daemon's outbox.
        network.stop("node")
        func open(_ port: Int) async throws -> HTTP.Reply {
            try await HTTP.request(
                "POST", "http://127.0.0.1:\(port)/api/v1/incidents/open", json: Self.opening,
                headers: ["Authorization": "Bearer \(manager.token)"])
        }
        func startScreen(_ name: String) async throws -> Int {
            let port = try Ports.free()
            try network.start(name, ["screen", "--as", "VR09", "--port", String(port)])
            try await waitUntil("the operator screen \(name)", timeout: 20) {
                (try? await HTTP.request(
                    "GET", "http://127.0.0.1:\(port)/api/v1/status",
                    headers: ["Authorization": "Bearer \(manager.token)"]))?.json["reachable"]?.boolValue
                    == true
            }
            return port
        }
        let port = try await startScreen("screen-1")
        let first = try await open(port)
        #expect(first.status == 202, "\(first.json)")
        let firstID = try #require(first.json["incident"]?.stringValue)
        let state = try await HTTP.request(
            "GET", "http://127.0.0.1:\(port)/api/v1/reports/\(first.json["id"]?.stringValue ?? "")",
            headers: ["Authorization": "Bearer \(manager.token)"])
        #expect(
            state.json["state"]?.stringValue == "queued",
            "the first incident is not in the picture: \(state.json)")
        network.stop("screen-1")

        let second = try await open(try await startScreen("screen-2"))
        #expect(second.status == 202, "\(second.json)")
        let secondID = try #require(second.json["incident"]?.stringValue)
        #expect(secondID != firstID, "the restarted screen handed out \(firstID) again")
        #expect(firstID.hasSuffix("-01") && secondID.hasSuffix("-02"), "\(firstID), \(secondID)")
    }
}
