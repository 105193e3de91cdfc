import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

@testable import KnooppuntWeb

/// The operator screen's form offers the network's kinds and groups as classifications
/// (through its status), and its codec checks a sitrep classified for one.
extension OperatorScreenTests {
    @Test(
        "the status offers the network's kinds and groups; a sitrep classified for a kind validates, a malformed kind does not"
    )
    func audiences() async throws {
        try await withScreen { server, _ in
            let status = try await server.get("/api/v1/status")
            let kinds = status.json["audiences"]?["kinds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Array(kinds.prefix(4)) == ["national", "nctv", "police", "safetyRegion"], "\(kinds)")
            func sitrep(_ classification: JSONValue) -> JSONValue {
                [
                    "type": "sitrep", "incident": "VR09-20250611-01", "confidence": "medium",
                    "verification": "unconfirmed",
                    "beeld": ["BRW": ["text": "Dijkbewaking", "classification": classification]],
                ]
            }
            let valid = try await server.request(
                "POST", "/api/v1/validate", json: sitrep(["kinds": ["waterBoard"]]))
            #expect(valid.status == 200, "\(valid.json)")
            let invalid = try await server.request(
                "POST", "/api/v1/validate", json: sitrep(["kinds": ["Water Board"]]))
            #expect(invalid.status == 422)
            #expect(invalid.json["problems"]?[0]?["field"] == "beeld.BRW.classification.kinds[0]")
        }
        let network = OrganisationRegistry([
            Organisation(
                code: OrganisationCode("RWS")!, name: "Rijkswaterstaat", kind: .infrastructure,
                groups: ["vital-infrastructure"]),
            Organisation(code: OrganisationCode("WSRL")!, name: "Waterschap Rivierenland", kind: .waterBoard),
        ])
        let offered = OperatorScreen.audiences(network)
        #expect(
            offered["kinds"]?.arrayValue?.compactMap(\.stringValue).suffix(2) == [
                "infrastructure", "waterBoard",
            ])
        #expect(offered["groups"] == ["vital-infrastructure"])
    }
}
