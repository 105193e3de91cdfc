import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

@testable import KnooppuntWeb

/// Builds pictures from real sealed reports (signed, sectioned, projected per view), the way
/// the node commits them, without a node.
struct SamplePicture {
    static let signingKeys: [OrganisationCode: SigningKey] = Dictionary(
        uniqueKeysWithValues: OrganisationCode.all.map { ($0, SigningKey.generate()) })

    let view: View
    private(set) var picture: Picture
    private(set) var updates: [Update] = []
    private var originSeqs: [OrganisationCode: UInt64] = [:]
    private var clock: Int64 = 1_750_000_000_000

    init(view: View = .organisation(.national)) {
        self.view = view
        picture = Picture(views: [view])
    }

    /// Commits a document from `origin` as the next sequence; returns the report's id.
    @discardableResult
    mutating func add(_ json: JSONValue, from origin: OrganisationCode) -> ReportID {
        let codec = DocumentCodec()
        let document = try! codec.decode(json)
        var random = SystemRandomNumberGenerator()
        originSeqs[origin, default: 0] += 1
        clock += 60_000
        let id = document.id ?? ReportID.random()
        let report = SealedReport.seal(
            document, id: id, origin: origin, originSeq: originSeqs[origin]!,
            created: Timestamp(millisecondsSinceEpoch: clock).inAmsterdam,
            signingKey: Self.signingKeys[origin]!,
            codec: codec, random: &random)
        let update = Update(
            sequence: picture.lastSequence + 1, epoch: 1, committedAt: clock,
            report: report.projected(for: view))
        picture.apply(update)
        updates.append(update)
        return id
    }

    var entries: [DigestEntry] { picture.entries.values.map(DigestEntry.init) }
    var history: [DigestEntry] { updates.map(DigestEntry.init) }
    var now: Int64 { clock }

    func digest(
        now: Int64? = nil, applied: [String: SequenceNumber] = [:], withHistory: Bool = false
    )
        -> PictureDigest
    {
        PictureDigest(
            entries: entries, history: withHistory ? history : [], sequence: picture.lastSequence,
            now: now ?? clock, applied: applied)
    }
}

/// Report documents for the tests.
enum Samples {
    static let incidentID = "VR09-20250611-01"

    static func incident(
        _ id: String = incidentID, municipality: String = "GM0344", exercise: Bool = false
    )
        -> JSONValue
    {
        [
            "type": "incident", "incident": .string(id), "title": "Explosie in parkeergarage Jaarbeursplein",
            "kind": "possibleTerroristAttack", "location": ["municipality": .string(municipality)],
            "startedAt": "2025-06-11T10:42:00+02:00",
            "lead": ["organisation": "VR09", "function": "Burgemeester van Utrecht"], "status": "open",
            "classification": "partners", "exercise": .bool(exercise),
        ]
    }

    static func grip(_ level: String, incident: String = incidentID, exercise: Bool = false) -> JSONValue {
        [
            "type": "grip", "incident": .string(incident), "level": .string(level), "codeList": "grip-2013",
            "reason": "Opgeschaald", "decidedAt": "2025-06-11T10:51:00+02:00", "classification": "public",
            "exercise": .bool(exercise),
        ]
    }

    static func sitrep(_ text: String, police: String? = nil, incident: String = incidentID) -> JSONValue {
        var beeld: [String: JSONValue] = ["MULTI": ["text": .string(text), "classification": "partners"]]
        if let police { beeld["POL"] = ["text": .string(police), "classification": "police"] }
        return [
            "type": "sitrep", "incident": .string(incident), "confidence": "medium",
            "verification": "unconfirmed",
            "beeld": .object(beeld),
            "besluiten": ["items": [["text": "Openbaar vervoer stilgelegd."]], "classification": "partners"],
        ]
    }

    static func threat(level: Int, area: (String, String?) = ("province", "PV26")) -> JSONValue {
        var areaJSON: [String: JSONValue] = ["scope": .string(area.0)]
        if let code = area.1 { areaJSON["code"] = .string(code) }
        return [
            "type": "threat", "area": .object(areaJSON), "level": .integer(Int64(level)), "step": "declared",
            "reason": "Concrete aanwijzingen", "actionAdvice": "Blijf binnen.", "classification": "public",
        ]
    }

    static func ackRequest(subject: ReportID, parties: [String], deadline: String) -> JSONValue {
        [
            "type": "ackRequest", "subject": .string(subject.rawValue),
            "parties": .array(parties.map(JSONValue.string)), "deadline": .string(deadline),
            "note": "Bevestig ontvangst", "classification": "partners",
        ]
    }

    static func ack(subject: ReportID, by person: String) -> JSONValue {
        [
            "type": "ack", "subject": .string(subject.rawValue), "by": .string(person),
            "classification": "partners",
        ]
    }
}
