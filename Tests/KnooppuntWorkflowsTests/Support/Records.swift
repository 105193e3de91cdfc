import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// The product's SplitMix64: every random choice of these tests replays from its seed.
typealias SeededGenerator = SeededRandom

enum Org {
    static let vr09 = OrganisationCode("VR09")!
    static let vr13 = OrganisationCode("VR13")!
    static let vr14 = OrganisationCode("VR14")!
}

/// A node's log in miniature: documents sealed by their origin and committed in order, one
/// second apart from 18 March 2019 10:45:00.250 (a time with milliseconds, as the node has).
final class LogBuilder {
    let codec = DocumentCodec()
    var random = SeededGenerator(seed: 2019_03_18)
    var keys: [OrganisationCode: SigningKey] = [:]
    var originSeq: [OrganisationCode: UInt64] = [:]
    private(set) var updates: [Update] = []

    static let start = Timestamp(rfc3339: "2019-03-18T10:45:00.250+01:00")!

    /// Decodes `json` (a document as an operator writes it) and commits it as `origin`.
    @discardableResult
    func commit(_ json: JSONValue, as origin: OrganisationCode) throws -> Update {
        let document = try codec.decode(json)
        let key = keys[origin] ?? SigningKey.generate()
        keys[origin] = key
        let seq = (originSeq[origin] ?? 0) + 1
        originSeq[origin] = seq
        let sequence = SequenceNumber(updates.count + 1)
        let created = Self.start.adding(milliseconds: Int64(sequence) * 1000 - 400)
        let report = SealedReport.seal(
            document, id: document.id ?? ReportID.random(using: &random), origin: origin, originSeq: seq,
            created: created, signingKey: key, codec: codec, random: &random)
        let update = Update(
            sequence: sequence, epoch: 1,
            committedAt: Self.start.millisecondsSinceEpoch + Int64(sequence) * 1000, report: report)
        updates.append(update)
        return update
    }
}

/// Report documents for the tests.
enum Docs {
    static func incident(
        _ id: String, exercise: Bool = false, status: String = "open", classification: JSONValue = "partners",
        kind: String = "possibleTerroristAttack", point: Bool = true
    ) -> JSONValue {
        var location: [String: JSONValue] = ["municipality": "GM0344", "description": "Tramhalte, Utrecht"]
        if point { location["point"] = ["lat": 52.0861, "lon": 5.0942] }
        return [
            "type": "incident", "exercise": .bool(exercise), "incident": .string(id),
            "title": "Schietincident in een tram", "kind": .string(kind), "location": .object(location),
            "startedAt": "2019-03-18T10:45:00+01:00",
            "lead": ["organisation": "VR09", "function": "Burgemeester van Utrecht"],
            "status": .string(status),
            "classification": classification,
        ]
    }

    static func grip(
        _ id: String, _ level: String, exercise: Bool = false, classification: JSONValue = "public"
    )
        -> JSONValue
    {
        [
            "type": "grip", "exercise": .bool(exercise), "incident": .string(id), "level": .string(level),
            "codeList": "grip-2013", "reason": "Opschaling, \"ROT\" bijeen",
            "decidedAt": "2019-03-18T11:00:00+01:00",
            "classification": classification,
        ]
    }

    static func advice(
        _ id: String, regions: [String] = ["VR09"], municipalities: [String] = ["GM0344"],
        exercise: Bool = false, classification: JSONValue = "public",
        actionAdvice: String = "Blijf binnen en houd ramen en deuren gesloten."
    ) -> JSONValue {
        [
            "type": "sitrep", "exercise": .bool(exercise), "incident": .string(id), "confidence": "high",
            "verification": "confirmed",
            "beeld": ["MULTI": ["text": "Dader voortvluchtig.", "classification": "partners"]],
            "communicatie": [
                "coreMessage": "In Utrecht is in een tram geschoten.", "actionAdvice": .string(actionAdvice),
                "targetArea": [
                    "regions": .array(regions.map { .string($0) }),
                    "municipalities": .array(municipalities.map { .string($0) }),
                ],
                "classification": classification,
            ],
        ]
    }

    static func policeSitrep(_ id: String, exercise: Bool = false) -> JSONValue {
        [
            "type": "sitrep", "exercise": .bool(exercise), "incident": .string(id), "confidence": "medium",
            "verification": "unconfirmed",
            "beeld": [
                "POL": ["text": "Arrestatieteam bij adres X.", "classification": "police"],
                "MULTI": ["text": "Grote politie-inzet.", "classification": "partners"],
            ],
        ]
    }

    static func threat(
        _ area: JSONValue, level: Int64, step: String, advice: String? = nil, exercise: Bool = false,
        classification: JSONValue = "public"
    ) -> JSONValue {
        var object: [String: JSONValue] = [
            "type": "threat", "exercise": .bool(exercise), "area": area, "level": .integer(level),
            "step": .string(step), "reason": "Mogelijke terroristische aanslag.",
            "classification": classification,
            "reviewAt": "2019-03-18T20:00:00+01:00",
        ]
        if let advice { object["actionAdvice"] = .string(advice) }
        return .object(object)
    }

    static func ackRequest(_ subject: ReportID, parties: [String], deadline: String) -> JSONValue {
        [
            "type": "ackRequest", "subject": .string(subject.rawValue),
            "parties": .array(parties.map { .string($0) }),
            "deadline": .string(deadline), "classification": "partners",
        ]
    }

    static func ack(_ subject: ReportID, by: String, classification: JSONValue = "partners") -> JSONValue {
        [
            "type": "ack", "subject": .string(subject.rawValue), "by": .string(by),
            "classification": classification,
        ]
    }

    static func measure(_ municipality: String, incident: String) -> JSONValue {
        [
            "type": "measure", "municipality": .string(municipality), "incident": .string(incident),
            "measures": [["kind": "stayInside", "text": "Blijf binnen."]], "classification": "partners",
        ]
    }
}
