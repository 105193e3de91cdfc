import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// The operational picture as people read it: per region its GRIP and threat level, the
/// incidents with their latest sitreps, and the threat levels in force. Built from a view of
/// the picture; a section the view may not read shows as withheld.
public struct PictureSummary: Sendable {
    public struct RegionState: Sendable {
        public let code: OrganisationCode
        public let name: String
        /// The highest GRIP among the region's open incidents.
        public var grip: GRIPLevel?
        /// The highest threat level for the region, its province or the whole country.
        public var threatLevel: Int?
        public var openIncidents = 0
    }

    public struct SitrepState: Sendable {
        public let origin: OrganisationCode
        public let sequence: SequenceNumber
        public let committedAt: Int64
        public let verification: String?
        public let confidence: String?
        /// Discipline code → text, or nil when withheld from this view.
        public let beeld: [(String, String?)]
    }

    public struct IncidentState: Sendable {
        public let id: String
        public var title: String?
        public var kind: String?
        public var region: OrganisationCode?
        public var lead: String?
        public var status: String?
        public var startedAt: String?
        public var grip: GRIPLevel?
        public var gripReason: String?
        public var sitreps: [SitrepState] = []
        public var lastSequence: SequenceNumber = 0
        public let exercise: Bool
    }

    public struct ThreatState: Sendable {
        public let area: String
        public let level: Int?
        public let step: String?
        public let sequence: SequenceNumber
    }

    public let sequence: SequenceNumber
    public let epoch: Epoch
    public let viewHash: String
    public var regions: [RegionState]
    public var incidents: [IncidentState]
    public var threats: [ThreatState]

    public init(
        picture: Picture, view: View, reference: ReferenceData = .builtIn, includeExercise: Bool = false
    ) {
        sequence = picture.lastSequence
        epoch = picture.lastEpoch
        viewHash = picture.hash(for: view).hex
        var incidents: [String: IncidentState] = [:]
        var threats: [ThreatState] = []
        func content(_ entry: PictureEntry, _ name: String) -> JSONValue? {
            guard let index = entry.report.envelope.sections.firstIndex(where: { $0.name == name }),
                let bytes = entry.report.sections[index]
            else { return nil }
            return try? JSONParser.parse(bytes)
        }
        for entry in picture.entries.values.sorted(by: { $0.sequence < $1.sequence }) {
            let envelope = entry.report.envelope
            guard includeExercise || !envelope.exercise else { continue }
            if let incidentID = envelope.incident?.rawValue,
                [ReportType.incident, .grip, .sitrep].contains(envelope.type)
            {
                // An exercise may reuse a real incident's id; the two must not merge.
                let scoped = (envelope.exercise ? "exercise/" : "") + incidentID
                var state = incidents[scoped] ?? IncidentState(id: incidentID, exercise: envelope.exercise)
                state.lastSequence = max(state.lastSequence, entry.sequence)
                switch envelope.type {
                case .incident:
                    if let section = content(entry, "incident") {
                        state.title = section["title"]?.stringValue
                        state.kind = section["kind"]?.stringValue
                        state.status = section["status"]?.stringValue
                        state.startedAt = section["startedAt"]?.stringValue
                        if let lead = section["lead"] {
                            state.lead = [lead["organisation"]?.stringValue, lead["function"]?.stringValue]
                                .compactMap { $0 }
                                .joined(separator: " · ")
                        }
                        if let municipality = section["location"]?["municipality"]?.stringValue {
                            state.region = reference.municipalities[MunicipalityCode(municipality)]?.region
                        } else if let point = section["location"]?["point"],
                            let lat = point["lat"]?.doubleValue,
                            let lon = point["lon"]?.doubleValue
                        {
                            state.region = reference.region(
                                containing: GeoPoint(latitude: lat, longitude: lon))
                        }
                    }
                case .grip:
                    if let section = content(entry, "grip") {
                        state.grip = section["level"]?.stringValue.flatMap(GRIPLevel.init(rawValue:))
                        state.gripReason = section["reason"]?.stringValue
                    }
                case .sitrep:
                    let beeld = Discipline.allCases.compactMap { discipline -> (String, String?)? in
                        let name = "beeld.\(discipline.rawValue)"
                        guard envelope.sections.contains(where: { $0.name == name }) else { return nil }
                        return (discipline.rawValue, content(entry, name)?["text"]?.stringValue)
                    }
                    state.sitreps.append(
                        SitrepState(
                            origin: envelope.origin, sequence: entry.sequence, committedAt: entry.committedAt,
                            verification: envelope.meta["verification"]?.stringValue,
                            confidence: envelope.meta["confidence"]?.stringValue, beeld: beeld))
                default:
                    break
                }
                incidents[scoped] = state
            } else if envelope.type == .threat {
                let section = content(entry, "threat")
                threats.append(
                    ThreatState(
                        area: String(envelope.key.split(separator: "/").last ?? ""),
                        level: section?["level"]?.integerValue.map(Int.init),
                        step: section?["step"]?.stringValue,
                        sequence: entry.sequence))
            }
        }
        self.incidents = incidents.values.sorted { $0.lastSequence > $1.lastSequence }
        self.threats = threats.sorted { $0.area < $1.area }
        var regions = OrganisationCode.safetyRegions.map { code in
            RegionState(code: code, name: reference.regions[code]?.name ?? code.rawValue)
        }
        for index in regions.indices {
            let code = regions[index].code
            let province = reference.regions[code]?.province.rawValue
            for threat in self.threats
            where threat.area == "national" || threat.area == code.rawValue || threat.area == province {
                if let level = threat.level, Self.inForce(step: threat.step, level: level) {
                    regions[index].threatLevel = max(regions[index].threatLevel ?? 0, level)
                }
            }
            for incident in self.incidents where incident.region == code && incident.status != "closed" {
                regions[index].openIncidents += 1
                if let grip = incident.grip { regions[index].grip = max(regions[index].grip ?? grip, grip) }
            }
        }
        self.regions = regions
    }

    /// Whether a threat report's level is in force: a proposal or consultation does not change
    /// the level; a `lowered` report's level is the new one (lowered *to* 1–4), and a lowered
    /// report at level 5 only lifts it (docs/workflows.md).
    public static func inForce(step: String?, level: Int) -> Bool {
        switch step {
        case "proposed", "consulting": false
        case "lowered": level < 5
        default: true
        }
    }

    public var json: JSONValue {
        [
            "sequence": .integer(Int64(sequence)), "epoch": .integer(Int64(epoch)),
            "viewHash": .string(viewHash),
            "regions": .array(
                regions.map { region in
                    var object: [String: JSONValue] = [
                        "code": .string(region.code.rawValue), "name": .string(region.name),
                        "openIncidents": .integer(Int64(region.openIncidents)),
                    ]
                    if let grip = region.grip { object["grip"] = .string(grip.rawValue) }
                    if let level = region.threatLevel { object["threatLevel"] = .integer(Int64(level)) }
                    return .object(object)
                }),
            "incidents": .array(
                incidents.map { incident in
                    var object: [String: JSONValue] = [
                        "id": .string(incident.id), "exercise": .bool(incident.exercise),
                        "lastSequence": .integer(Int64(incident.lastSequence)),
                        "sitreps": .array(
                            incident.sitreps.map { sitrep in
                                var beeld: [String: JSONValue] = [:]
                                for (discipline, text) in sitrep.beeld {
                                    beeld[discipline] = text.map(JSONValue.string) ?? .null
                                }
                                return [
                                    "origin": .string(sitrep.origin.rawValue),
                                    "sequence": .integer(Int64(sitrep.sequence)),
                                    "committedAt": .integer(sitrep.committedAt), "beeld": .object(beeld),
                                    "verification": sitrep.verification.map(JSONValue.string) ?? .null,
                                ]
                            }),
                    ]
                    if let title = incident.title { object["title"] = .string(title) }
                    if let kind = incident.kind { object["kind"] = .string(kind) }
                    if let region = incident.region { object["region"] = .string(region.rawValue) }
                    if let lead = incident.lead { object["lead"] = .string(lead) }
                    if let status = incident.status { object["status"] = .string(status) }
                    if let grip = incident.grip { object["grip"] = .string(grip.rawValue) }
                    return .object(object)
                }),
            "threats": .array(
                threats.map {
                    [
                        "area": .string($0.area), "level": $0.level.map { .integer(Int64($0)) } ?? .null,
                        "step": $0.step.map(JSONValue.string) ?? .null,
                    ]
                }),
        ]
    }
}
