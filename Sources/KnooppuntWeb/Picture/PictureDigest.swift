import KnooppuntCore
import KnooppuntDomain
import KnooppuntWorkflows
import StrictJSON

/// The operational picture as the screens show it: every safety region with its GRIP and
/// threat level, the incidents with their BOB sitreps, the threat levels, the acknowledgement
/// board and the measures per municipality. Built from one view of the picture; a section
/// the view may not read shows as withheld, never guessed.
///
/// The region rules are those of `PictureSummary` (the terminal's `watch`): a region's GRIP is
/// the highest of its open incidents, its threat level the highest in force for the region,
/// its province or the whole country. Exercise reports form their own picture: they appear
/// flagged and never change the real regions.
public struct PictureDigest: Sendable {
    public struct Region: Sendable {
        public let code: OrganisationCode
        public let name: String
        public var grip: GRIPLevel?
        /// The incident that gives the region its GRIP.
        public var gripIncident: String?
        public var threatLevel: Int?
        /// Where the level in force comes from: `national`, a province (`PV26`) or the region.
        public var threatArea: String?
        public var openIncidents: [String] = []
    }

    public struct Grip: Sendable {
        public let level: String?
        public let reason: String?
        public let decidedAt: String?
        public let origin: String
        public let author: String?
        public let sequence: SequenceNumber
        public let committedAt: Int64
    }

    public struct Sitrep: Sendable {
        public let id: String
        public let origin: String
        public let author: String?
        public let sequence: SequenceNumber
        public let committedAt: Int64
        public let meta: [String: JSONValue]
        /// Discipline code → text, nil where withheld; in protocol order.
        public let beeld: [(discipline: String, text: String?)]
        /// `oordeel`, `besluiten`, `acties`, `communicatie`: content, or `.null` when withheld.
        public let parts: [(name: String, content: JSONValue)]
    }

    public struct Incident: Sendable {
        public let id: String
        public let exercise: Bool
        public var title: String?
        public var kind: String?
        public var region: OrganisationCode?
        public var municipality: String?
        /// The incident's own point, when its report gives one.
        public var point: GeoPoint?
        public var place: String?
        public var lead: String?
        public var leadOrganisation: String?
        public var status: String?
        public var startedAt: String?
        public var openedBy: String?
        public var withheld = false
        public var grip: Grip?
        public var gripHistory: [Grip] = []
        public var sitreps: [Sitrep] = []
        public var lastSequence: SequenceNumber = 0
        public var lastCommittedAt: Int64 = 0
        /// The node's advice to scale up (GRIP 3 for a possible terrorist attack, GRIP 5 across
        /// regions; never GRIP Rijk), by the rules of `GRIPAdvisor`.
        public var gripAdvice: GRIPAdvice?
        /// Time-to-GRIP-3 for people: "GRIP 3 after 12m…", "no GRIP 3 after 1h05m".
        public var timeToGRIP3: String?
        /// The same in Dutch, for the screens.
        public var dutchTimeToGRIP3: String?
    }

    public struct Threat: Sendable {
        public let id: String
        public let area: String
        public let level: Int?
        public let step: String?
        public let reason: String?
        public let actionAdvice: String?
        public let reviewAt: String?
        public let origin: String
        public let sequence: SequenceNumber
        public let committedAt: Int64
        public let exercise: Bool
        /// Every step of the area's level-5 plan under way (or last run), or its announcement,
        /// with its commit time, as far as the screen's history reaches (`ThreatPlanState`).
        public var steps: [ThreatStepRecord] = []
        /// Level 5 in force past its review time, without a review or a lowering since.
        public var reviewDue = false
        /// Whether its level counts for the regions, by the rule `watch` uses: a proposal or a
        /// consultation does not change the level; a `lowered` report's level is the new one.
        public var inForce: Bool { level.map { PictureSummary.inForce(step: step, level: $0) } ?? false }
    }

    public struct Measure: Sendable {
        public let municipality: String
        public let region: OrganisationCode?
        public let origin: String
        public let incident: String?
        public let items: [(kind: String, text: String)]
        public let sequence: SequenceNumber
        public let committedAt: Int64
        public let exercise: Bool
    }

    public let sequence: SequenceNumber
    /// The time the digest was made (ms since 1970): deadlines are judged against it.
    public let now: Int64
    public private(set) var regions: [Region]
    public private(set) var exerciseRegions: [Region]
    public private(set) var incidents: [Incident] = []
    public private(set) var threats: [Threat] = []
    public private(set) var acknowledgements: [AcknowledgementBoard.Request] = []
    public private(set) var measures: [Measure] = []
    /// Measures per municipality side by side, grouped by the threat level in force there
    /// (`MeasureComparison`, as in `watch`); real and exercise pictures apart.
    public private(set) var measureComparison = MeasureComparison(records: [])
    public private(set) var exerciseMeasureComparison = MeasureComparison(records: [], exercise: true)
    /// Acknowledgement requests past their deadline with a party missing, whose alarm is open
    /// or was acknowledged by a person (`AcknowledgementTracker`, as `knooppunt ack list`);
    /// exercise requests never raise one.
    public private(set) var alarms: [AcknowledgementRequestState] = []
    public private(set) var exerciseEntries = 0

    /// - Parameters:
    ///   - entries: the picture (the latest entry per key).
    ///   - history: earlier entries, when known, for the sitrep timelines and GRIP history.
    ///   - applied: per organisation, the sequence its daemon reported applied ("delivered").
    ///   - remembered: reports that left the picture, kept only to title the acknowledgement
    ///     requests about them (``SubjectMemory``); not part of any timeline.
    public init(
        entries: some Sequence<DigestEntry>, history: some Sequence<DigestEntry> = [DigestEntry](),
        sequence: SequenceNumber, now: Int64, applied: [String: SequenceNumber] = [:],
        remembered: [DigestEntry] = [], reference: ReferenceData = .builtIn
    ) {
        self.sequence = sequence
        self.now = now
        let blank = OrganisationCode.safetyRegions.map {
            Region(code: $0, name: reference.regions[$0]?.name ?? $0.rawValue)
        }
        regions = blank
        exerciseRegions = blank
        let sorted = entries.sorted { $0.sequence < $1.sequence }
        let earlier = history.sorted { $0.sequence < $1.sequence }
        var incidents: [String: Incident] = [:]
        var seenSitreps = Set<String>()
        var seenGrips = Set<String>()
        for entry in sorted {
            if entry.exercise { exerciseEntries += 1 }
            switch entry.type {
            case "incident", "grip", "sitrep":
                guard let id = entry.incident else { continue }
                let scoped = (entry.exercise ? "exercise/" : "") + id
                var incident = incidents[scoped] ?? Incident(id: id, exercise: entry.exercise)
                Self.apply(entry, to: &incident, reference: reference)
                if entry.type == "sitrep" { seenSitreps.insert(entry.id) }
                if entry.type == "grip" { seenGrips.insert(entry.id) }
                incidents[scoped] = incident
            case "threat":
                threats.append(Self.threat(entry))
            case "measure":
                if let measure = Self.measure(entry, reference: reference) { measures.append(measure) }
            default:
                break
            }
        }
        // Earlier sitreps and GRIP decisions the picture no longer holds (it keeps the latest
        // per key), for the timelines.
        for entry in earlier {
            guard let id = entry.incident else { continue }
            let scoped = (entry.exercise ? "exercise/" : "") + id
            guard var incident = incidents[scoped] else { continue }
            if entry.type == "sitrep", seenSitreps.insert(entry.id).inserted {
                incident.sitreps.append(Self.sitrep(entry))
            } else if entry.type == "grip", seenGrips.insert(entry.id).inserted {
                incident.gripHistory.append(Self.grip(entry))
            } else {
                continue
            }
            incidents[scoped] = incident
        }
        // The workflow rules, each fed only the kinds it reads: the digest is rebuilt on every
        // update and every tick, and sitreps are most of the history.
        let records = (earlier + sorted).compactMap { WorkflowRecord(digest: $0) }
        let grip = Self.gripStates(
            records.filter { $0.type != .threat && $0.type != .ackRequest && $0.type != .ack }, now: now,
            reference: reference)
        let threatsAndMeasures = records.filter { $0.type == .threat || $0.type == .measure }
        measureComparison = MeasureComparison(records: threatsAndMeasures, reference: reference)
        exerciseMeasureComparison = MeasureComparison(
            records: threatsAndMeasures, exercise: true, reference: reference)
        self.incidents = incidents.map { scoped, incident in
            var incident = incident
            incident.gripAdvice = grip[scoped]?.advice
            incident.timeToGRIP3 = grip[scoped]?.gripThreeText
            incident.dutchTimeToGRIP3 = grip[scoped]?.dutchGRIPThreeText
            incident.sitreps.sort { $0.sequence < $1.sequence }
            incident.gripHistory.sort { $0.sequence < $1.sequence }
            return incident
        }.sorted { ($0.lastSequence, $0.id) > ($1.lastSequence, $1.id) }
        threats = Self.withSteps(threats, threatsAndMeasures, now: now, reference: reference)
        threats.sort { ($0.exercise ? 1 : 0, $0.area) < ($1.exercise ? 1 : 0, $1.area) }
        measures.sort { ($0.municipality, $0.origin) < ($1.municipality, $1.origin) }
        acknowledgements = AcknowledgementBoard.requests(
            in: sorted, earlier: remembered + earlier, now: now, applied: applied)
        alarms = Self.alarms(records, applied: applied, now: now)
        regions = Self.regions(blank, incidents: self.incidents, threats: threats, exercise: false, reference)
        exerciseRegions = Self.regions(
            blank, incidents: self.incidents, threats: threats, exercise: true, reference)
    }

    public func incident(_ id: String, exercise: Bool = false) -> Incident? {
        incidents.first { $0.id == id && $0.exercise == exercise }
    }

    public func region(_ code: OrganisationCode, exercise: Bool = false) -> Region? {
        (exercise ? exerciseRegions : regions).first { $0.code == code }
    }

    // MARK: Building

    static func apply(_ entry: DigestEntry, to incident: inout Incident, reference: ReferenceData) {
        incident.lastSequence = max(incident.lastSequence, entry.sequence)
        incident.lastCommittedAt = max(incident.lastCommittedAt, entry.committedAt)
        switch entry.type {
        case "incident":
            incident.openedBy = incident.openedBy ?? entry.origin
            guard let section = entry.section("incident") else {
                incident.withheld = true
                return
            }
            incident.withheld = false
            incident.title = section["title"]?.stringValue
            incident.kind = section["kind"]?.stringValue
            incident.status = section["status"]?.stringValue
            incident.startedAt = section["startedAt"]?.stringValue
            let lead = section["lead"]
            incident.leadOrganisation = lead?["organisation"]?.stringValue
            incident.lead = [lead?["organisation"]?.stringValue, lead?["function"]?.stringValue]
                .compactMap { $0 }.joined(separator: " · ")
            let location = section["location"]
            incident.place = location?["description"]?.stringValue
            if let lat = location?["point"]?["lat"]?.doubleValue,
                let lon = location?["point"]?["lon"]?.doubleValue
            {
                incident.point = GeoPoint(latitude: lat, longitude: lon)
            }
            if let code = location?["municipality"]?.stringValue {
                incident.municipality = code
                incident.region = reference.municipalities[MunicipalityCode(code)]?.region
            } else if let lat = location?["point"]?["lat"]?.doubleValue,
                let lon = location?["point"]?["lon"]?.doubleValue
            {
                incident.region = reference.region(containing: GeoPoint(latitude: lat, longitude: lon))
            }
        case "grip":
            let decision = Self.grip(entry)
            incident.grip = decision
            incident.gripHistory.append(decision)
        case "sitrep":
            incident.sitreps.append(Self.sitrep(entry))
        default:
            break
        }
    }

    static func grip(_ entry: DigestEntry) -> Grip {
        let section = entry.section("grip")
        return Grip(
            level: section?["level"]?.stringValue, reason: section?["reason"]?.stringValue,
            decidedAt: section?["decidedAt"]?.stringValue, origin: entry.origin, author: entry.author,
            sequence: entry.sequence, committedAt: entry.committedAt)
    }

    static func sitrep(_ entry: DigestEntry) -> Sitrep {
        let beeld = entry.sections.filter { $0.name.hasPrefix("beeld.") }.map {
            (discipline: String($0.name.dropFirst(6)), text: $0.content["text"]?.stringValue)
        }
        let parts = entry.sections.filter { !$0.name.hasPrefix("beeld.") }
        return Sitrep(
            id: entry.id, origin: entry.origin, author: entry.author, sequence: entry.sequence,
            committedAt: entry.committedAt, meta: entry.meta, beeld: beeld, parts: parts)
    }

    static func threat(_ entry: DigestEntry) -> Threat {
        let section = entry.section("threat")
        let area = String(entry.key.split(separator: "/").last ?? "")
        return Threat(
            id: entry.id, area: area, level: section?["level"]?.integerValue.map(Int.init),
            step: section?["step"]?.stringValue, reason: section?["reason"]?.stringValue,
            actionAdvice: section?["actionAdvice"]?.stringValue, reviewAt: section?["reviewAt"]?.stringValue,
            origin: entry.origin, sequence: entry.sequence, committedAt: entry.committedAt,
            exercise: entry.exercise)
    }

    static func measure(_ entry: DigestEntry, reference: ReferenceData) -> Measure? {
        let parts = entry.key.split(separator: "/")
        guard let index = parts.firstIndex(of: "measure"), index + 1 < parts.count else { return nil }
        let municipality = String(parts[index + 1])
        let items = entry.section("measure")?["measures"]?.arrayValue?.map {
            (kind: $0["kind"]?.stringValue ?? "other", text: $0["text"]?.stringValue ?? "")
        }
        return Measure(
            municipality: municipality,
            region: reference.municipalities[MunicipalityCode(municipality)]?.region,
            origin: entry.origin, incident: entry.incident, items: items ?? [], sequence: entry.sequence,
            committedAt: entry.committedAt, exercise: entry.exercise)
    }

    static func regions(
        _ blank: [Region], incidents: [Incident], threats: [Threat], exercise: Bool,
        _ reference: ReferenceData
    ) -> [Region] {
        var regions = blank
        for index in regions.indices {
            let code = regions[index].code
            let province = reference.regions[code]?.province.rawValue
            for threat in threats where threat.exercise == exercise && threat.inForce {
                guard threat.area == "national" || threat.area == code.rawValue || threat.area == province,
                    let level = threat.level, level > (regions[index].threatLevel ?? 0)
                else { continue }
                regions[index].threatLevel = level
                regions[index].threatArea = threat.area
            }
            for incident in incidents
            where incident.exercise == exercise && incident.region == code && incident.status != "closed" {
                regions[index].openIncidents.append(incident.id)
                guard let level = incident.grip?.level.flatMap(GRIPLevel.init(rawValue:)) else { continue }
                if regions[index].grip.map({ level > $0 }) ?? true {
                    regions[index].grip = level
                    regions[index].gripIncident = incident.id
                }
            }
        }
        return regions
    }
}
