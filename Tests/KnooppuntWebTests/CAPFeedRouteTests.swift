import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@testable import KnooppuntWeb

/// `/cap/feed.atom` and `/cap/ID.xml` over real HTTP on a desk with a sample picture.
@Suite("The desk's public CAP feed")
struct CAPFeedRouteTests {
    static func advice(
        _ text: String, classification: JSONValue = "public", exercise: Bool = false,
        incident: String = Samples.incidentID
    ) -> JSONValue {
        [
            "type": "sitrep", "incident": .string(incident), "confidence": "high",
            "verification": "confirmed",
            "exercise": .bool(exercise),
            "beeld": ["MULTI": ["text": "Inzet loopt.", "classification": "partners"]],
            "communicatie": [
                "coreMessage": "Explosie bij de Jaarbeurs.", "actionAdvice": .string(text),
                "targetArea": ["regions": ["VR09"], "municipalities": ["GM0344"]],
                "classification": classification,
            ],
        ]
    }

    /// A picture with partners and police sections beside the public advice.
    static func sample() -> SamplePicture {
        var sample = SamplePicture()
        let vr09 = OrganisationCode("VR09")!
        sample.add(Samples.incident(), from: vr09)
        sample.add(Samples.grip("3"), from: vr09)
        sample.add(advice("Blijf binnen, sluit ramen en deuren."), from: vr09)
        sample.add(
            advice("Partners: verkeer omleiden via de A12.", classification: "partners"),
            from: OrganisationCode("VR14")!)
        sample.add(Samples.sitrep("Aanhouding", police: "Arrestatieteam bij adres X"), from: .police)
        sample.add(Samples.threat(level: 4), from: .nctv)
        sample.add(Samples.incident("VR09-20250611-09", exercise: true), from: vr09)
        sample.add(
            advice("Oefening: blijf binnen.", exercise: true, incident: "VR09-20250611-09"), from: vr09)
        return sample
    }

    /// A desk (not signed in) whose picture holds the sample's records.
    func withDesk(ready: Bool = true, _ body: (LocalServer) async throws -> Void) async throws {
        let people = try TestPeople(.national)
        let gate = people.gate()
        let sample = Self.sample()
        let desk = FakeDesk(sample: sample, ready: ready)
        let state = try #require(desk.feed.current)
        desk.feed.publish(
            DeskState(
                version: state.version + 1, digest: state.digest, link: state.link, liveness: state.liveness,
                writesQueued: 0, ready: ready, records: sample.updates))
        try await LocalServer.withDesk(backend: desk, gate: gate, body)
    }

    @Test("GET /cap/feed.atom answers Atom without signing in, with the public alerts only")
    func feed() async throws {
        try await withDesk { server in
            let reply = try await server.get("/cap/feed.atom")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "application/atom+xml")
            #expect(reply.headers["etag"]?.hasPrefix("\"") == true)
            #expect(reply.headers["last-modified"]?.hasSuffix(" GMT") == true)
            let atom = reply.text
            #expect(atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"))
            #expect(atom.components(separatedBy: "<entry>").count == 3)
            #expect(atom.contains("Blijf binnen, sluit ramen en deuren."))
            #expect(atom.contains("Blijf binnen.</instruction>"))
            for secret in [
                "Partners: verkeer", "Arrestatieteam", "Inzet loopt", "Jaarbeursplein", "Oefening",
            ] {
                #expect(!atom.contains(secret), "\(secret) reached the public feed")
            }
            #expect(atom.contains("href=\"\(server.base)/cap/knooppunt-"))
        }
    }

    @Test("GET /cap/ID.xml answers the alert as application/cap+xml; 304 for a known ETag")
    func alert() async throws {
        try await withDesk { server in
            let atom = try await server.get("/cap/feed.atom").text
            let links = atom.components(separatedBy: "rel=\"alternate\" type=\"application/cap+xml\" href=\"")
                .dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(links.count == 2)
            for link in links {
                let path = String(link.dropFirst(server.base.count))
                let reply = try await server.get(path)
                #expect(reply.status == 200)
                #expect(reply.headers["content-type"] == "application/cap+xml")
                #expect(reply.text.contains("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"))
                #expect(reply.text.contains("<status>Actual</status>"))
                let again = try await server.request(
                    "GET", path, headers: ["If-None-Match": reply.headers["etag"] ?? "-"])
                #expect(again.status == 304)
            }
            #expect(try await server.get("/cap/knooppunt-unknown.xml").status == 404)
        }
    }

    @Test("exercise alerts only with ?exercise=1, with CAP status Exercise")
    func exercise() async throws {
        try await withDesk { server in
            let reply = try await server.get("/cap/feed.atom?exercise=1")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "application/atom+xml")
            #expect(reply.text.components(separatedBy: "<entry>").count == 2)
            #expect(reply.text.contains("<status>Exercise</status>"))
            #expect(reply.text.contains("<title>OEFENING: "))
            let link = reply.text.components(separatedBy: "type=\"application/cap+xml\" href=\"")[1]
                .prefix { $0 != "\"" }
            let path = String(link.dropFirst(server.base.count))
            #expect(path.hasSuffix(".xml?exercise=1"))
            #expect(try await server.get(path).headers["content-type"] == "application/cap+xml")
            let real = String(path.dropLast("?exercise=1".count))
            #expect(try await server.get(real).status == 404)
        }
    }

    @Test("before the desk holds the node's picture the feed answers 503")
    func notReady() async throws {
        try await withDesk(ready: false) { server in
            let reply = try await server.get("/cap/feed.atom")
            #expect(reply.status == 503)
            #expect(reply.json["code"]?.integerValue == 505)
        }
    }
}
