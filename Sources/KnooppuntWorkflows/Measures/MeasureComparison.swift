import KnooppuntDomain
import StrictJSON

/// Measures per municipality side by side, grouped by the threat level in force there, so
/// that municipalities under the same level that take different measures stand out (a lesson
/// of 18 March 2019). A pure function of the reports a view holds.
public struct MeasureComparison: Sendable {
    public struct Entry: Sendable, Hashable {
        public let kind: MeasureKind
        public let text: String
        public let origin: OrganisationCode
        public let committedAt: Int64
        public let incident: IncidentID?
    }

    public struct Row: Sendable, Hashable {
        public let municipality: MunicipalityCode
        public let name: String
        public let region: OrganisationCode
        public let measures: [Entry]

        public func has(_ kind: MeasureKind) -> Bool { measures.contains { $0.kind == kind } }
    }

    /// The municipalities under one threat level (nil: no level in force).
    public struct Group: Sendable, Hashable {
        public let level: Int?
        /// The areas whose levels put municipalities here (`national`, `PV26`, `VR09`).
        public let areas: [String]
        /// Municipalities with measures.
        public let rows: [Row]
        /// The kinds any of them took: the columns of the comparison.
        public let kinds: [MeasureKind]
        /// Municipalities under this level without any measure reported.
        public let withoutMeasures: [MunicipalityCode]
    }

    public let groups: [Group]

    /// - Parameter exercise: compare the exercise picture's measures and threat levels instead.
    public init(records: [WorkflowRecord], exercise: Bool = false, reference: ReferenceData = .builtIn) {
        let ordered = WorkflowRecord.merged(records).filter { $0.exercise == exercise }
        // The level in force per area, and the latest measures per municipality and origin.
        var levels: [String: Int] = [:]
        for state in ThreatPlanState.all(records: ordered, exercise: exercise, reference: reference) {
            if let level = state.levelInForce { levels[state.area.code] = level }
        }
        var latest: [String: WorkflowRecord] = [:]
        for record in ordered where record.type == .measure { latest[record.key] = record }
        var measures: [MunicipalityCode: [Entry]] = [:]
        for record in latest.values {
            guard let section = record.section("measure"),
                let code = section["municipality"]?.stringValue.map(MunicipalityCode.init)
            else { continue }
            for item in section["measures"]?.arrayValue ?? [] {
                guard let kind = item["kind"]?.stringValue.flatMap(MeasureKind.init(rawValue:)) else {
                    continue
                }
                measures[code, default: []].append(
                    Entry(
                        kind: kind, text: item["text"]?.stringValue ?? "", origin: record.origin,
                        committedAt: record.committedAt, incident: record.incident))
            }
        }
        // Group every municipality by the highest level in force over its country, province, region.
        var members: [Int?: (areas: Set<String>, codes: [MunicipalityCode])] = [:]
        for municipality in reference.municipalities.values {
            let region = municipality.region
            let province = reference.regions[region]?.province.rawValue
            var best: (level: Int, area: String)?
            for area in ["national", province, region.rawValue].compactMap({ $0 }) {
                if let level = levels[area], level > (best?.level ?? 0) { best = (level, area) }
            }
            var group = members[best?.level] ?? ([], [])
            if let area = best?.area { group.areas.insert(area) }
            group.codes.append(municipality.code)
            members[best?.level] = group
        }
        groups = members.compactMap { level, group -> Group? in
            let codes = group.codes.sorted()
            let rows = codes.compactMap { code -> Row? in
                guard let entries = measures[code], let municipality = reference.municipalities[code] else {
                    return nil
                }
                return Row(
                    municipality: code, name: municipality.name, region: municipality.region,
                    measures: entries.sorted { ($0.kind.rawValue, $0.origin) < ($1.kind.rawValue, $1.origin) }
                )
            }
            // A level without measures, or measures without a level, still shows; nothing at all does not.
            guard !rows.isEmpty || level != nil else { return nil }
            let kinds = MeasureKind.allCases.filter { kind in rows.contains { $0.has(kind) } }
            return Group(
                level: level, areas: group.areas.sorted(), rows: rows, kinds: kinds,
                withoutMeasures: codes.filter { measures[$0] == nil })
        }.sorted { ($0.level ?? 0) > ($1.level ?? 0) }
    }

    /// `{"groups": [{"level"?, "areas", "kinds", "municipalities": [{"code", "name", "region",
    /// "measures": [{"kind", "text", "origin", "committedAt", "incident"?}]}],
    /// "withoutMeasures": count}]}`.
    public var json: JSONValue {
        [
            "groups": .array(
                groups.map { group in
                    var object: [String: JSONValue] = [
                        "areas": .array(group.areas.map(JSONValue.string)),
                        "kinds": .array(group.kinds.map { .string($0.rawValue) }),
                        "withoutMeasures": .integer(Int64(group.withoutMeasures.count)),
                        "municipalities": .array(group.rows.map(\.json)),
                    ]
                    object.set("level", group.level.map { .integer(Int64($0)) })
                    return .object(object)
                })
        ]
    }
}

extension MeasureComparison.Row {
    var json: JSONValue {
        [
            "code": .string(municipality.rawValue), "name": .string(name), "region": .string(region.rawValue),
            "measures": .array(
                measures.map { entry in
                    var object: [String: JSONValue] = [
                        "kind": .string(entry.kind.rawValue), "text": .string(entry.text),
                        "origin": .string(entry.origin.rawValue),
                        "committedAt": JSONFields.time(entry.committedAt),
                    ]
                    object.set("incident", entry.incident.map { .string($0.rawValue) })
                    return .object(object)
                }),
        ]
    }
}
