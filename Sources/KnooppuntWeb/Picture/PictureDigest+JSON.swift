import KnooppuntDomain
import KnooppuntWorkflows
import StrictJSON

// The JSON the screens and the HTTP API serve (described in docs/openapi.yaml). Times come
// as milliseconds since 1970 and as Europe/Amsterdam text; absent values are left out.

extension PictureDigest {
    public var json: JSONValue {
        [
            "sequence": .integer(Int64(sequence)), "now": .integer(now),
            "nowText": .string(AmsterdamTime.text(now)),
            "regions": .array(regions.map(\.json)), "exerciseRegions": .array(exerciseRegions.map(\.json)),
            "incidents": .array(incidents.map { $0.json(full: true) }),
            "threats": .array(threats.map(\.json)),
            "acknowledgements": .array(acknowledgements.map(\.json)),
            "measures": .array(measures.map(\.json)),
            "alarms": .array(alarms.map(\.json)),
            "measuresSideBySide": measureComparison.json,
            "exerciseMeasuresSideBySide": exerciseMeasureComparison.json,
            "exerciseEntries": .integer(Int64(exerciseEntries)),
        ]
    }
}

/// Builds a JSON object leaving out nil values.
struct JSONObject {
    var fields: [String: JSONValue] = [:]

    subscript(key: String) -> String? {
        get { fields[key]?.stringValue }
        set { fields[key] = newValue.map(JSONValue.string) }
    }

    mutating func set(_ key: String, _ value: JSONValue?) { fields[key] = value }
    mutating func set(_ key: String, _ value: Int64?) { fields[key] = value.map(JSONValue.integer) }
    mutating func set(_ key: String, _ value: Int?) { fields[key] = value.map { .integer(Int64($0)) } }
    mutating func set(_ key: String, _ value: Bool) { fields[key] = .bool(value) }
    /// A time as `key` (ms) and `keyText` (Europe/Amsterdam).
    mutating func time(_ key: String, _ milliseconds: Int64?) {
        guard let milliseconds else { return }
        fields[key] = .integer(milliseconds)
        fields[key + "Text"] = .string(AmsterdamTime.text(milliseconds))
    }
    /// An RFC 3339 time from a document, also in Europe/Amsterdam as `keyText`.
    mutating func documentTime(_ key: String, _ text: String?) {
        guard let text else { return }
        fields[key] = .string(text)
        fields[key + "Text"] = AmsterdamTime.text(rfc3339: text).map(JSONValue.string)
    }

    var value: JSONValue { .object(fields) }
}

extension PictureDigest.Region {
    public var json: JSONValue {
        var object = JSONObject()
        object["code"] = code.rawValue
        object["name"] = name
        object["grip"] = grip?.rawValue
        object["gripLabel"] = grip?.label
        object["gripIncident"] = gripIncident
        object.set("threatLevel", threatLevel)
        object["threatArea"] = threatArea
        object.set("openIncidents", .array(openIncidents.map(JSONValue.string)))
        return object.value
    }
}

extension PictureDigest.Grip {
    public var json: JSONValue {
        var object = JSONObject()
        object["level"] = level
        object["label"] = level.flatMap(GRIPLevel.init(rawValue:))?.label
        object["reason"] = reason
        object.documentTime("decidedAt", decidedAt)
        object["origin"] = origin
        object["author"] = author
        object.set("sequence", Int64(sequence))
        object.time("committedAt", committedAt)
        return object.value
    }
}

extension PictureDigest.Sitrep {
    public var json: JSONValue {
        var object = JSONObject()
        object["id"] = id
        object["origin"] = origin
        object["author"] = author
        object.set("sequence", Int64(sequence))
        object.time("committedAt", committedAt)
        for (key, value) in meta { object.set(key, value) }
        object.documentTime("nextUpdateDue", meta["nextUpdateDue"]?.stringValue)
        object.set(
            "beeld",
            .array(
                beeld.map {
                    ["discipline": .string($0.discipline), "text": $0.text.map(JSONValue.string) ?? .null]
                }))
        var tail: [String: JSONValue] = [:]
        for part in parts { tail[part.name] = part.content }
        object.set("parts", .object(tail))
        object.set("withheld", .array(withheld.map(JSONValue.string)))
        return object.value
    }

    /// Sections of this sitrep the view may not read.
    public var withheld: [String] {
        beeld.filter { $0.text == nil }.map { "beeld.\($0.discipline)" }
            + parts.filter { $0.content == .null }.map(\.name)
    }
}

extension PictureDigest.Incident {
    /// With `full`, every sitrep and the GRIP history; otherwise the latest sitrep only.
    public func json(full: Bool) -> JSONValue {
        var object = JSONObject()
        object["id"] = id
        object.set("exercise", exercise)
        object["title"] = title
        object["kind"] = kind
        object["region"] = region?.rawValue
        object["municipality"] = municipality
        object["municipalityName"] = municipality.flatMap {
            ReferenceData.builtIn.municipalities[MunicipalityCode($0)]?.name
        }
        object["place"] = place
        if let spot = MunicipalityMap.netherlands.place(municipality: municipality, point: point) {
            object.set(
                "mapPoint",
                [
                    "x": .number(MunicipalityMap.rounded(spot.x)),
                    "y": .number(MunicipalityMap.rounded(spot.y)),
                ])
        }
        object["lead"] = lead
        object["leadOrganisation"] = leadOrganisation
        object["status"] = status
        object.documentTime("startedAt", startedAt)
        object["openedBy"] = openedBy
        object.set("withheld", withheld)
        object.set("grip", grip?.json)
        object.set("lastSequence", Int64(lastSequence))
        object.time("lastCommittedAt", lastCommittedAt)
        object.set("sitrepCount", sitreps.count)
        object.set("gripAdvice", gripAdvice?.screenJSON)
        object["timeToGRIP3"] = timeToGRIP3
        if let timeToGRIP3, let dutchTimeToGRIP3 {
            object.set("timeToGRIP3Texts", ["nl": .string(dutchTimeToGRIP3), "en": .string(timeToGRIP3)])
        }
        if full {
            object.set("sitreps", .array(sitreps.map(\.json)))
            object.set("gripHistory", .array(gripHistory.map(\.json)))
        } else if let latest = sitreps.last {
            object.set("latestSitrep", latest.json)
        }
        return object.value
    }
}

extension PictureDigest.Threat {
    public var json: JSONValue {
        var object = JSONObject()
        object["id"] = id
        object["area"] = area
        object["areaName"] =
            area == "national"
            ? "Nederland"
            : ReferenceData.builtIn.provinces[ProvinceCode(area)]
                ?? OrganisationCode(area).flatMap { ReferenceData.builtIn.regions[$0]?.name }
        object.set("level", level)
        object["levelName"] = level.flatMap { ReferenceData.builtIn.threatLevels[$0]?.name }
        object["step"] = step
        object["reason"] = reason
        object["actionAdvice"] = actionAdvice
        object.documentTime("reviewAt", reviewAt)
        object["origin"] = origin
        object.set("sequence", Int64(sequence))
        object.time("committedAt", committedAt)
        object.set("exercise", exercise)
        object.set("inForce", inForce)
        object.set("reviewDue", reviewDue)
        object.set(
            "steps",
            .array(
                steps.map { step in
                    var item = JSONObject()
                    item["step"] = step.step?.rawValue
                    item.set("level", step.level)
                    item.time("committedAt", step.committedAt)
                    item["author"] = step.author
                    item.set("override", step.isOverride)
                    return item.value
                }))
        return object.value
    }
}

extension PictureDigest.Measure {
    public var json: JSONValue {
        var object = JSONObject()
        object["municipality"] = municipality
        object["municipalityName"] =
            ReferenceData.builtIn.municipalities[MunicipalityCode(municipality)]?.name
        object["region"] = region?.rawValue
        object["origin"] = origin
        object["incident"] = incident
        object.set(
            "measures", .array(items.map { ["kind": .string($0.kind), "text": .string($0.text)] }))
        object.set("sequence", Int64(sequence))
        object.time("committedAt", committedAt)
        object.set("exercise", exercise)
        return object.value
    }
}

extension AcknowledgementBoard.Request {
    public var json: JSONValue {
        var object = JSONObject()
        object["subject"] = subject
        object["subjectSummary"] = subjectSummary
        if !subjectSummaries.isEmpty {
            object.set(
                "subjectSummaries",
                .object(
                    Dictionary(
                        uniqueKeysWithValues: subjectSummaries.map { ($0.key.rawValue, .string($0.value)) })))
        }
        object["requestedBy"] = requestedBy
        object["author"] = author
        object.documentTime("deadline", deadline)
        object["note"] = note
        object.set("sequence", Int64(sequence))
        object.time("committedAt", committedAt)
        object.set("exercise", exercise)
        object.set("withheld", withheld)
        // A partner names its kind and name, so the page lists it under its kind after the 28.
        let registry =
            parties.contains { !(OrganisationCode($0.code)?.isReference ?? true) }
            ? OrganisationRegistry.installed : nil
        object.set(
            "parties",
            .array(
                parties.map { party in
                    var entry = JSONObject()
                    entry["code"] = party.code
                    if let registry, let code = OrganisationCode(party.code), !code.isReference,
                        let partner = registry.organisation(code)
                    {
                        entry["kind"] = partner.kind.rawValue
                        entry["name"] = partner.name
                    }
                    entry["state"] = party.state.rawValue
                    entry.set("delivered", party.delivered)
                    entry["by"] = party.by
                    entry.time("acknowledgedAt", party.acknowledgedAt)
                    entry["note"] = party.note
                    return entry.value
                }))
        object.set("overdue", .array(overdue.map(JSONValue.string)))
        return object.value
    }
}
