import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON

/// An operator's incident actions on the screen as report documents of the screen's
/// organisation, checked by the same strict codec as `knooppunt publish` and the node, so the
/// screen refuses exactly what the command line refuses, with the same codes and messages.
/// Problems are named by the request's fields (`municipality`, not `location.municipality`),
/// so the page shows each at its own field.
///
/// - Open: an incident led by the organisation, with a fresh id `ORG-YYYYMMDD-NN`.
/// - GRIP: a change of level; following the node's advice the advice is the reason, going
///   against it (or without advice) a reason is required.
/// - Measures: one measure report per municipality.
/// - Close: the incident as it stands in the picture, republished with status `closed`.
enum IncidentRequests {
    static let codec = DocumentCodec()
    /// The most incidents one organisation opens on one day (`-01` … `-99`).
    static let incidentsPerDay = 99
    /// The most municipalities one measures request names (a region has at most this many).
    static let municipalitiesPerRequest = 60

    /// `{"title", "kind", "municipality", "point"?: {"lat", "lon"}, "description"?, "lead",
    /// "classification"?, "startedAt"?, "exercise"?}`
    static func open(
        _ request: JSONValue, organisation: OrganisationCode, author: String, id: IncidentID, now: Int64
    ) throws(APIError) -> ReportDocument {
        let fields = try APIError.requestFields(
            request,
            allowed: [
                "title", "kind", "municipality", "point", "description", "lead", "classification",
                "startedAt",
                "exercise",
            ])
        var location: [String: JSONValue] = [:]
        if let municipality = fields["municipality"], municipality != .string("") {
            location["municipality"] = municipality
        }
        if let point = fields["point"], point != .null { location["point"] = point }
        if let description = fields["description"], description != .string("") {
            location["description"] = description
        }
        var problems: [Problem] = []
        if location["municipality"] == nil && location["point"] == nil {
            problems.append(
                Problem(.missingField, field: "municipality", "name the municipality (or a point on the map)")
            )
        }
        if let problem = pointOutside(municipality: location["municipality"], point: location["point"]) {
            problems.append(problem)
        }
        let document: [String: JSONValue] = [
            "type": "incident", "incident": .string(id.rawValue), "title": fields["title"] ?? .null,
            "kind": fields["kind"] ?? .null, "location": .object(location),
            "startedAt": fields["startedAt"] ?? .string(amsterdam(now)),
            "lead": ["organisation": .string(organisation.rawValue), "function": fields["lead"] ?? .null],
            "status": "open", "classification": fields["classification"] ?? "partners",
        ]
        return try decode(
            document, fields, author: author, problems: problems,
            renames: [
                "location.municipality": "municipality", "location.point": "point",
                "location.point.lat": "point", "location.point.lon": "point",
                "location.description": "description", "lead.function": "lead", "location": "municipality",
            ])
    }

    /// A point that lies outside the municipality named with it (``MunicipalityMap/contains(_:_:)``,
    /// the rule the screen's map shows before sending); nil when it lies in it, or when either
    /// is missing or malformed (the codec names those).
    static func pointOutside(municipality: JSONValue?, point: JSONValue?) -> Problem? {
        let map = MunicipalityMap.netherlands
        guard let code = municipality?.stringValue, let chosen = map.municipalities[code],
            let lat = point?["lat"]?.doubleValue, let lon = point?["lon"]?.doubleValue
        else { return nil }
        let spot = GeoPoint(latitude: lat, longitude: lon)
        guard !map.contains(code, spot) else { return nil }
        let found = map.municipality(at: spot).map { "\($0.name) (\($0.code))" } ?? "no municipality"
        return Problem(
            .invalidCombination, field: "point",
            "the point \(lat), \(lon) lies in \(found), not in \(chosen.name) (\(code))")
    }

    /// `{"municipality": {"code", "name", "region"} | null, "inside"?: Bool}`: the municipality
    /// holding `point`, and, when `chosen` is given, whether the point counts as in it.
    static func place(_ point: GeoPoint, in chosen: String?) -> JSONValue {
        let map = MunicipalityMap.netherlands
        var object: [String: JSONValue] = ["municipality": .null]
        if let found = map.municipality(at: point) {
            var item: [String: JSONValue] = ["code": .string(found.code), "name": .string(found.name)]
            if let region = found.region { item["region"] = .string(region.rawValue) }
            object["municipality"] = .object(item)
        }
        if let chosen, !chosen.isEmpty { object["inside"] = .bool(map.contains(chosen, point)) }
        return .object(object)
    }

    /// `{"level", "reason"?, "classification"?, "exercise"?}` for `incident`, whose advice (if
    /// any) is `advice`. A level other than the advised one needs a reason; so does any change
    /// when there is no advice. Following the advice, its Dutch line is the reason unless the
    /// operator writes one.
    static func grip(
        _ request: JSONValue, incident: IncidentID, advice: GRIPAdvice?, author: String, now: Int64
    ) throws(APIError) -> ReportDocument {
        let fields = try APIError.requestFields(
            request, allowed: ["level", "reason", "classification", "exercise"])
        let written = (fields["reason"]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let level = fields["level"]?.stringValue.flatMap(GRIPLevel.init(rawValue:))
        var reason: JSONValue = fields["reason"] ?? .null
        var problems: [Problem] = []
        if written.isEmpty {
            if let advice, let level, level == advice.target {
                reason = .string(advice.dutchMessage)
            } else if let advice, let level {
                problems.append(
                    Problem(
                        .missingField, field: "reason",
                        "\(level.label) goes against the node's advice (\(advice.target.label)): give the reason"
                    ))
            } else if level != nil {
                problems.append(
                    Problem(.missingField, field: "reason", "give the reason for the GRIP change"))
            }
        }
        let document: [String: JSONValue] = [
            "type": "grip", "incident": .string(incident.rawValue), "level": fields["level"] ?? .null,
            "codeList": .string(GRIPLevel.codeList), "reason": problems.isEmpty ? reason : "?",
            "decidedAt": .string(amsterdam(now)), "classification": fields["classification"] ?? "partners",
        ]
        return try decode(document, fields, author: author, problems: problems, renames: [:])
    }

    /// `{"municipalities"?: [code], "measures": [{"kind", "text"}], "classification"?,
    /// "exercise"?}`: one document per municipality (default: the incident's own).
    static func measures(
        _ request: JSONValue, incident: IncidentID, municipality: String?, author: String
    ) throws(APIError) -> [ReportDocument] {
        let fields = try APIError.requestFields(
            request, allowed: ["municipalities", "measures", "classification", "exercise"])
        var codes = (fields["municipalities"]?.arrayValue ?? []).compactMap(\.stringValue)
        if codes.isEmpty, fields["municipalities"] == nil, let municipality { codes = [municipality] }
        guard !codes.isEmpty else {
            throw APIError.invalid(
                Problems(Problem(.missingField, field: "municipalities", "name at least one municipality")))
        }
        guard codes.count <= municipalitiesPerRequest else {
            throw APIError.invalid(
                Problems(
                    Problem(
                        .outOfRange, field: "municipalities",
                        "at most \(municipalitiesPerRequest) municipalities in one request")))
        }
        var documents: [ReportDocument] = []
        for code in Array(Set(codes)).sorted() {
            let document: [String: JSONValue] = [
                "type": "measure", "municipality": .string(code), "incident": .string(incident.rawValue),
                "measures": fields["measures"] ?? .null,
                "classification": fields["classification"] ?? "partners",
            ]
            documents.append(
                try decode(
                    document, fields, author: author, problems: [],
                    renames: ["municipality": "municipalities"]))
        }
        return documents
    }

    /// The incident entry of the picture (`{"key", "report": {"envelope", "sections"}}`)
    /// republished with status `closed`, its classification and everything else unchanged.
    static func close(_ entry: JSONValue, author: String) throws(APIError) -> ReportDocument {
        let envelope = entry["report"]?["envelope"]
        guard let incident = envelope?["incident"]?.stringValue,
            var section = entry["report"]?["sections"]?["incident"]?.objectValue
        else {
            throw APIError(.notFound, .unknownIncident, "this screen cannot read the incident to close it")
        }
        let classification =
            envelope?["sections"]?.arrayValue?.first { $0["name"]?.stringValue == "incident" }?["class"]
            ?? "partners"
        section["type"] = "incident"
        section["incident"] = .string(incident)
        section["status"] = "closed"
        section["classification"] = classification
        var fields: [String: JSONValue] = [:]
        if envelope?["exercise"]?.boolValue == true { fields["exercise"] = true }
        return try decode(section, fields, author: author, problems: [], renames: [:])
    }

    /// The next free id of the organisation's incidents today (Amsterdam's date): `VR09-20261205-03`.
    static func nextID(
        _ organisation: OrganisationCode, now: Int64, taken: Set<String>
    ) throws(APIError) -> IncidentID {
        let day = String(amsterdam(now).prefix(10)).replacingOccurrences(of: "-", with: "")
        for number in 1...incidentsPerDay {
            let text = "\(organisation.rawValue)-\(day)-\(number < 10 ? "0" : "")\(number)"
            if !taken.contains(text), let id = IncidentID(text) { return id }
        }
        throw APIError(
            .conflict, .incidentConflict,
            "\(organisation) has opened \(incidentsPerDay) incidents today; open more with the command line")
    }

    /// The municipalities to choose from: the organisation's region's first (by name), then,
    /// with `all`, every other municipality (by name).
    static func municipalities(of organisation: OrganisationCode, all: Bool) -> JSONValue {
        let every = ReferenceData.builtIn.municipalities.values.sorted {
            ($0.name, $0.code) < ($1.name, $1.code)
        }
        let own = every.filter { $0.region == organisation }
        let rest = all ? every.filter { $0.region != organisation } : []
        return [
            "organisation": .string(organisation.rawValue), "all": .bool(all),
            "municipalities": .array(
                (own + rest).map {
                    [
                        "code": .string($0.code.rawValue), "name": .string($0.name),
                        "region": .string($0.region.rawValue),
                    ]
                }),
        ]
    }

    static func amsterdam(_ milliseconds: Int64) -> String {
        Timestamp(millisecondsSinceEpoch: milliseconds).inAmsterdam.rfc3339Seconds
    }

    /// Adds the common fields, decodes strictly, and names problems by the request's fields.
    private static func decode(
        _ body: [String: JSONValue], _ fields: [String: JSONValue], author: String, problems: [Problem],
        renames: [String: String]
    ) throws(APIError) -> ReportDocument {
        var document = body
        document["author"] = .string(author)
        if let exercise = fields["exercise"] { document["exercise"] = exercise }
        return try APIError.decodingDocument(document, codec: codec, problems: problems) {
            renames[$0.field] ?? $0.field
        }
    }
}
