import KnooppuntDomain
import StrictJSON

/// The GRIP rules, as a pure function of the reports a view holds (no I/O, no clock of its
/// own): feed it the picture (and, where known, earlier reports from the log or a mirror's
/// history, so decisions since superseded still count for time-to-GRIP-3) and the node's time.
///
/// Rules:
/// - An open incident marked `possibleTerroristAttack` below GRIP 3 gets the advice
///   "scale up to GRIP 3" from the moment it is marked.
/// - An open incident that touches two or more safety regions below GRIP 5 gets the advice
///   "scale up to GRIP 5" (supra-regional coordination). Both reasons together advise GRIP 5.
/// - GRIP Rijk is a national decision: shown when decided, never advised; an incident at GRIP
///   Rijk gets no advice.
/// - A closed incident gets no advice.
///
/// The regions an incident touches: the region of its location, its opener and its lead
/// (safety regions only), the regions of incidents it is linked with (either way), the target
/// area of its sitreps' crisis communication (regions, and the regions of the municipalities
/// named), the regions of municipalities with measures for it, and safety regions that report
/// on it. Only what the view can read counts; nothing is guessed from an id.
public struct GRIPAdvisor: Sendable {
    public let reference: ReferenceData

    public init(reference: ReferenceData = .builtIn) { self.reference = reference }

    /// Every incident in `records` (real and exercise kept apart), newest activity first.
    /// - Parameters:
    ///   - records: any mix of picture entries and history, in any order (duplicates merged).
    ///   - now: the node's time (ms since 1970), for how long an incident has waited for GRIP 3.
    public func incidents(in records: [WorkflowRecord], now: Int64) -> [IncidentGRIPState] {
        let ordered = WorkflowRecord.merged(records)
        var states: [String: IncidentGRIPState] = [:]
        var links: [String: Set<String>] = [:]
        func scoped(_ id: IncidentID, _ exercise: Bool) -> String {
            (exercise ? "exercise/" : "") + id.rawValue
        }
        for record in ordered {
            guard let id = record.incident else { continue }
            let key = scoped(id, record.exercise)
            var state = states[key] ?? IncidentGRIPState(incident: id, exercise: record.exercise)
            if state.openedAt == 0 { state.openedAt = record.committedAt }
            state.lastSequence = max(state.lastSequence, record.sequence)
            var touched: [OrganisationCode] = []
            switch record.type {
            case .incident:
                if let section = record.section("incident") {
                    touched += apply(incident: section, record: record, to: &state)
                    for linked in section["linked"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                        let other = (record.exercise ? "exercise/" : "") + linked
                        links[key, default: []].insert(other)
                        links[other, default: []].insert(key)
                    }
                }
                if state.region == nil, record.origin.isSafetyRegion { state.region = record.origin }
            case .grip:
                let section = record.section("grip")
                let decision = GRIPDecision(
                    level: section?["level"]?.stringValue.flatMap(GRIPLevel.init(rawValue:)),
                    reason: section?["reason"]?.stringValue,
                    decidedAt: section?["decidedAt"]?.stringValue.flatMap { Timestamp(rfc3339: $0) },
                    origin: record.origin, author: record.author, sequence: record.sequence,
                    committedAt: record.committedAt)
                state.history.append(decision)
                if section != nil { state.grip = decision.level }
            case .sitrep:
                let area = record.section("communicatie")?["targetArea"]
                touched += (area?["regions"]?.arrayValue ?? []).compactMap {
                    $0.stringValue.flatMap(OrganisationCode.init)
                }
                touched += (area?["municipalities"]?.arrayValue ?? []).compactMap {
                    $0.stringValue.flatMap { reference.municipalities[MunicipalityCode($0)]?.region }
                }
            case .measure:
                if let code = record.section("measure")?["municipality"]?.stringValue,
                    let region = reference.municipalities[MunicipalityCode(code)]?.region
                {
                    touched.append(region)
                }
            default:
                break
            }
            if record.origin.isSafetyRegion { touched.append(record.origin) }
            touch(&state, touched.filter(\.isSafetyRegion), at: record.committedAt)
            states[key] = state
        }
        // Linked incidents share their regions (a shooting in VR09 linked to a find in VR14).
        for (key, others) in links {
            guard var state = states[key] else { continue }
            for other in others.sorted() {
                guard let linked = states[other] else { continue }
                touch(&state, linked.regions, at: max(linked.openedAt, state.openedAt))
            }
            states[key] = state
        }
        return states.values.map { finish($0, now: now) }
            .sorted { ($0.lastSequence, $0.incident) > ($1.lastSequence, $1.incident) }
    }

    /// Reads an incident report's section into the state; returns the regions it names.
    private func apply(
        incident section: JSONValue, record: WorkflowRecord, to state: inout IncidentGRIPState
    ) -> [OrganisationCode] {
        state.title = section["title"]?.stringValue
        state.kind = section["kind"]?.stringValue.flatMap(IncidentKind.init(rawValue:))
        state.status = section["status"]?.stringValue.flatMap(IncidentStatus.init(rawValue:))
        state.startedAt =
            state.startedAt ?? section["startedAt"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
        state.lead = section["lead"]?["organisation"]?.stringValue.flatMap(OrganisationCode.init)
        if state.kind == .possibleTerroristAttack, state.markedTerroristAt == nil {
            state.markedTerroristAt = record.committedAt
        }
        var regions: [OrganisationCode] = []
        let location = section["location"]
        if let code = location?["municipality"]?.stringValue,
            let region = reference.municipalities[MunicipalityCode(code)]?.region
        {
            regions.append(region)
        } else if let lat = location?["point"]?["lat"]?.doubleValue,
            let lon = location?["point"]?["lon"]?.doubleValue,
            let region = reference.region(containing: GeoPoint(latitude: lat, longitude: lon))
        {
            regions.append(region)
        }
        if let region = regions.first { state.region = region }
        if let lead = state.lead { regions.append(lead) }
        return regions
    }

    private func touch(_ state: inout IncidentGRIPState, _ regions: [OrganisationCode], at time: Int64) {
        let union = Set(state.regions).union(regions)
        guard union.count != state.regions.count else { return }
        state.regions = union.sorted()
        if union.count >= 2, state.severalRegionsAt == nil { state.severalRegionsAt = time }
    }

    /// Time-to-GRIP-3 and the advice, once every report is in.
    private func finish(_ state: IncidentGRIPState, now: Int64) -> IncidentGRIPState {
        var state = state
        let reached = state.history.first { ($0.level ?? .grip0) >= .grip3 }
        if let reached {
            var stated: Int64?
            if let decided = reached.decidedAt, let started = state.startedAt {
                stated = decided.millisecondsSinceEpoch - started.millisecondsSinceEpoch
            }
            state.gripThree = GRIPThreeTiming(
                reached: reached, afterOpenedMs: reached.committedAt - state.openedAt,
                afterAdviceMs: state.markedTerroristAt.flatMap {
                    $0 <= reached.committedAt ? reached.committedAt - $0 : nil
                },
                statedMs: stated)
        } else {
            state.gripThree = GRIPThreeTiming(
                reached: nil, afterOpenedMs: max(0, now - state.openedAt), afterAdviceMs: nil, statedMs: nil)
        }
        state.advice = advice(for: state)
        return state
    }

    func advice(for state: IncidentGRIPState) -> GRIPAdvice? {
        guard state.status != .closed, state.grip != .rijk else { return nil }
        let current = state.grip ?? .grip0
        var reasons: [GRIPAdvice.Reason] = []
        var since: [Int64] = []
        if state.kind == .possibleTerroristAttack, current < .grip3, let marked = state.markedTerroristAt {
            reasons.append(.possibleTerroristAttack)
            since.append(marked)
        }
        if state.regions.count >= 2, current < .grip5, let several = state.severalRegionsAt {
            reasons.append(.severalRegions)
            since.append(several)
        }
        guard let first = since.min() else { return nil }
        let target: GRIPLevel = reasons.contains(.severalRegions) ? .grip5 : .grip3
        return GRIPAdvice(
            target: target, reasons: reasons, since: first,
            message: GRIPWords.english.advice(target: target, reasons: reasons, state: state),
            dutchMessage: GRIPWords.dutch.advice(target: target, reasons: reasons, state: state))
    }
}
