import KnooppuntDomain

/// One threat-level report of an area: a step of the plan, or an announcement.
public struct ThreatStepRecord: Sendable, Hashable {
    public let report: ReportID
    public let sequence: SequenceNumber
    public let committedAt: Int64
    public let step: ThreatStep?
    public let level: Int?
    public let reason: String?
    public let actionAdvice: String?
    public let reviewAt: Timestamp?
    public let author: String?

    /// An action advice given without confirmed delivery: its reason starts with
    /// ``ThreatStepPlan/overridePrefix`` and names the override's reason and the parties.
    public var isOverride: Bool {
        step == .adviceIssued && reason?.hasPrefix(ThreatStepPlan.overridePrefix) == true
    }
}

/// Where the threat level of one area stands: every step with its time, the level in force,
/// and the acknowledgement requests of the level-5 step plan.
public struct ThreatPlanState: Sendable, Hashable {
    public let area: ThreatArea
    public let exercise: Bool
    /// Every threat report of the area that the records hold, in sequence order.
    public let steps: [ThreatStepRecord]

    public init(area: ThreatArea, exercise: Bool, steps: [ThreatStepRecord]) {
        self.area = area
        self.exercise = exercise
        self.steps = steps
    }

    public var current: ThreatStepRecord? { steps.last }

    /// The steps of the plan under way (or last run): from its proposal on.
    public var planSteps: ArraySlice<ThreatStepRecord> {
        guard let start = steps.lastIndex(where: { $0.step == .proposed || $0.step == .announced }) else {
            return steps[...]
        }
        return steps[start...]
    }

    /// Proposed … review: a level-5 step plan is running.
    public var planActive: Bool {
        guard let step = current?.step else { return false }
        return ![.announced, .lowered].contains(step)
    }

    /// The level in force: 5 from its declaration until it is lowered; during a proposal or
    /// consultation the level announced before it still holds.
    public var levelInForce: Int? {
        for record in steps.reversed() {
            switch record.step {
            case .lowered: return record.level.flatMap { $0 < 5 ? $0 : nil }
            case .announced, .declared, .delivered, .adviceIssued, .review: return record.level
            case .proposed, .consulting, nil: continue
            }
        }
        return nil
    }

    /// The declaration of the plan under way.
    public var declared: ThreatStepRecord? { planActive ? planSteps.last { $0.step == .declared } : nil }

    /// The action advice in force: the latest given in the plan under way.
    public var actionAdvice: String? {
        planActive ? planSteps.last { $0.actionAdvice != nil }?.actionAdvice : nil
    }

    public var reviewAt: Timestamp? { planActive ? planSteps.last { $0.reviewAt != nil }?.reviewAt : nil }

    /// Level 5 is in force and its review time has passed without a review or a lowering since:
    /// the periodic review is due (`knooppunt nctv level review` or `lower`). Never in an
    /// exercise: its review times are scripted time, which the node's clock cannot judge.
    public func reviewDue(now: Int64) -> Bool {
        guard !exercise, levelInForce == 5, let reviewAt else { return false }
        return now > reviewAt.millisecondsSinceEpoch
    }

    /// The picture key part of the area, as threat reports write it (`threat/PV26`).
    public static func key(_ area: ThreatArea, exercise: Bool) -> String {
        (exercise ? "exercise/" : "") + "threat/" + area.code
    }

    /// The area's state from any mix of picture entries and history.
    public static func build(area: ThreatArea, exercise: Bool, records: [WorkflowRecord]) -> ThreatPlanState {
        let key = key(area, exercise: exercise)
        let steps = WorkflowRecord.merged(records).filter { $0.type == .threat && $0.key == key }.map {
            record in
            let section = record.section("threat")
            return ThreatStepRecord(
                report: record.id, sequence: record.sequence, committedAt: record.committedAt,
                step: section?["step"]?.stringValue.flatMap(ThreatStep.init(rawValue:)),
                level: section?["level"]?.integerValue.map(Int.init), reason: section?["reason"]?.stringValue,
                actionAdvice: section?["actionAdvice"]?.stringValue,
                reviewAt: section?["reviewAt"]?.stringValue.flatMap { Timestamp(rfc3339: $0) },
                author: record.author)
        }
        return ThreatPlanState(area: area, exercise: exercise, steps: steps)
    }

    /// Every area with threat reports in `records` (real or exercise), by area code.
    public static func all(
        records: [WorkflowRecord], exercise: Bool, reference: ReferenceData = .builtIn
    )
        -> [ThreatPlanState]
    {
        let prefix = (exercise ? "exercise/" : "") + "threat/"
        let codes = Set(
            records.filter { $0.type == .threat && $0.key.hasPrefix(prefix) }.map {
                String($0.key.dropFirst(prefix.count))
            })
        return codes.sorted().compactMap { ThreatArea(code: $0, reference: reference) }.map {
            build(area: $0, exercise: exercise, records: records)
        }
    }
}

extension ThreatArea {
    /// `national`, a province (`PV26`) or a safety region (`VR09`); nil for anything else.
    public init?(code: String, reference: ReferenceData = .builtIn) {
        if code.lowercased() == "national" {
            self = .national
        } else if let region = OrganisationCode(code.uppercased()), region.isSafetyRegion {
            self = .region(region)
        } else if let province = reference.provinces.keys.first(where: { $0.rawValue == code.uppercased() }) {
            self = .province(province)
        } else {
            return nil
        }
    }
}
