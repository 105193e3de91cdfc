import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// What NCTV asks of the step plan (`knooppunt nctv level …`).
public enum ThreatStepCommand: Sendable, Hashable {
    /// Levels 1–4: a simpler announcement, acknowledged by the affected parties.
    case announce(level: Int, reason: String, deadline: Timestamp)
    case propose(reason: String)
    /// Ask the affected regions' authorities (and the police) by a deadline.
    case consult(reason: String, parties: [OrganisationCode], deadline: Timestamp)
    /// Declare level 5, with mandatory acknowledgement by every affected party.
    case declare(reason: String, reviewAt: Timestamp?, deadline: Timestamp)
    /// Record that every affected party's daemon has the declaration.
    case deliver
    /// Public action advice; waits for confirmed delivery unless `override` gives a reason.
    case advise(advice: String, reason: String?, reviewAt: Timestamp?, deadline: Timestamp, override: String?)
    /// Periodic review: keep level 5 until the next review.
    case review(reason: String, reviewAt: Timestamp)
    /// Lower (or withdraw a proposal) to `level` 1–4, acknowledged by the affected parties.
    case lower(level: Int, reason: String, deadline: Timestamp)

    public var name: String {
        switch self {
        case .announce: "announce"
        case .propose: "propose"
        case .consult: "consult"
        case .declare: "declare"
        case .deliver: "deliver"
        case .advise: "advise"
        case .review: "review"
        case .lower: "lower"
        }
    }
}

/// A report the step plan asks NCTV's daemon to publish, in order.
public struct PlannedReport: Sendable, Hashable {
    public let document: ReportDocument
    /// One line for people: "declared level 5 for PV26".
    public let summary: String

    public init(document: ReportDocument, summary: String) {
        self.document = document
        self.summary = summary
    }
}

/// The threat level 5 step plan as a state machine without I/O: given where an area stands,
/// what each affected party's daemon applied, and the node's time, it checks a command
/// against the order of the plan and returns the reports to publish, or a refusal with a
/// stable code (E700 stepOutOfOrder, E701 deliveryUnconfirmed) and what to do instead.
///
/// propose → consult → declare (+ acknowledgement request) → deliver (confirmed delivery) →
/// advise (public, + acknowledgement request) → review … → lower (+ acknowledgement request).
/// Levels 1–4 are announced outside the plan (+ acknowledgement request).
public struct ThreatStepPlan: Sendable {
    /// An action advice given without confirmed delivery says so first in its reason.
    public static let overridePrefix = "OVERRIDE:"

    public let reference: ReferenceData

    public init(reference: ReferenceData = .builtIn) { self.reference = reference }

    /// The parties a level for `area` concerns: its safety regions and the police, plus `also`.
    public func affectedParties(_ area: ThreatArea, also: [OrganisationCode] = []) -> [OrganisationCode] {
        let parties = Set(area.regions(in: reference) + [.police] + also).subtracting([.nctv, .national])
        return parties.sorted()
    }

    /// Per party of `parties`, whether its daemon applied `sequence`; nil when the liveness
    /// board is not available here.
    public static func undelivered(
        _ parties: [OrganisationCode], sequence: SequenceNumber, applied: [OrganisationCode: SequenceNumber]?
    ) -> [OrganisationCode]? {
        applied.map { applied in parties.filter { (applied[$0] ?? 0) < sequence } }
    }

    /// The reports `command` needs, or the reason it cannot go now.
    /// - Parameters:
    ///   - requests: the acknowledgement board of the area's records (for the declaration's parties).
    ///   - applied: per organisation, what its daemon applied (the node's liveness board); nil when unknown.
    public func plan(
        _ command: ThreatStepCommand, state: ThreatPlanState, parties: [OrganisationCode],
        requests: [AcknowledgementRequestState], applied: [OrganisationCode: SequenceNumber]?,
        author: String?, random: inout some RandomNumberGenerator
    ) throws(Problem) -> [PlannedReport] {
        let step = state.current?.step
        let area = state.area
        var builder = Builder(area: area, exercise: state.exercise, author: author)
        switch command {
        case .announce(let level, let reason, let deadline):
            guard (1...4).contains(level) else {
                throw Problem(
                    .outOfRange, field: "level",
                    "announce takes levels 1–4; level 5 follows the step plan (knooppunt nctv level propose)")
            }
            try requireNoPlan(state, "announce a level")
            let id = builder.threat(
                .announced, level: level, reason: reason, classification: .publicInformation, &random)
            builder.ackRequest(
                id, parties: parties, deadline: deadline,
                note: "Acknowledge threat level \(level) for \(area).",
                &random)
        case .propose(let reason):
            try requireNoPlan(state, "propose level 5")
            builder.threat(.proposed, level: 5, reason: reason, classification: .national, &random)
        case .consult(let reason, let consulted, let deadline):
            try require(step, in: [.proposed], for: command, state)
            let readers = OrganisationSet(consulted + [.nctv, .national])
            let id = builder.threat(
                .consulting, level: 5, reason: reason, classification: .parties(readers), &random)
            builder.ackRequest(
                id, parties: consulted, deadline: deadline,
                note:
                    "NCTV consults you on threat level 5 for \(area): acknowledge, and answer by phone if you object.",
                &random)
        case .declare(let reason, let reviewAt, let deadline):
            try require(step, in: [.consulting], for: command, state)
            let id = builder.threat(
                .declared, level: 5, reason: reason, reviewAt: reviewAt, classification: .partners, &random)
            builder.ackRequest(
                id, parties: parties, deadline: deadline,
                note:
                    "Threat level 5 (critical) for \(area) is declared: acknowledge that your crisis team knows.",
                &random)
        case .deliver:
            try require(step, in: [.declared], for: command, state)
            let (declared, delivered) = try delivery(state, requests: requests, applied: applied).get()
            builder.threat(
                .delivered, level: 5, reason: deliveredReason(delivered), reviewAt: declared.reviewAt,
                classification: .partners, &random)
        case .advise(let advice, let reason, let reviewAt, let deadline, let override):
            try require(step, in: [.declared, .delivered, .adviceIssued, .review], for: command, state)
            var because = reason ?? "Public action advice for threat level 5 in \(area)."
            if step == .declared {
                switch delivery(state, requests: requests, applied: applied) {
                case .success(let (declared, delivered)):
                    builder.threat(
                        .delivered, level: 5, reason: deliveredReason(delivered), reviewAt: declared.reviewAt,
                        classification: .partners, &random)
                case .failure(let refusal):
                    guard let override, !override.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                    else {
                        throw Problem(
                            refusal.code, field: refusal.field,
                            refusal.message
                                + "; to give the advice anyway: --override --reason \"…\" (recorded)")
                    }
                    because = "\(Self.overridePrefix) \(override) (\(refusal.message)). \(because)"
                }
            }
            let id = builder.threat(
                .adviceIssued, level: 5, reason: because, advice: advice,
                reviewAt: reviewAt ?? state.reviewAt,
                classification: .publicInformation, &random)
            builder.ackRequest(
                id, parties: parties, deadline: deadline,
                note: "Public action advice for \(area): acknowledge that your crisis communication has it.",
                &random)
        case .review(let reason, let reviewAt):
            try require(step, in: [.delivered, .adviceIssued, .review], for: command, state)
            // The review carries the advice in force, so the picture (latest per area) keeps it.
            let advice = state.actionAdvice
            builder.threat(
                .review, level: 5, reason: reason, advice: advice, reviewAt: reviewAt,
                classification: advice == nil ? .partners : .publicInformation, &random)
        case .lower(let level, let reason, let deadline):
            guard (1...4).contains(level) else {
                throw Problem(.outOfRange, field: "level", "lower to a level 1–4")
            }
            guard state.planActive else {
                throw Problem(
                    .stepOutOfOrder, field: "step",
                    "no level-5 step plan runs for \(area) (\(Self.describe(state))); announce a level 1–4 instead"
                )
            }
            let id = builder.threat(
                .lowered, level: level, reason: reason, classification: .publicInformation, &random)
            builder.ackRequest(
                id, parties: parties, deadline: deadline,
                note: "Threat level for \(area) lowered to \(level): acknowledge.", &random)
        }
        return builder.reports
    }

    private func requireNoPlan(_ state: ThreatPlanState, _ what: String) throws(Problem) {
        guard !state.planActive else {
            throw Problem(
                .stepOutOfOrder, field: "step",
                "cannot \(what) for \(state.area): a level-5 step plan runs (\(Self.describe(state))); lower it first (knooppunt nctv level lower)"
            )
        }
    }

    private func require(
        _ step: ThreatStep?, in allowed: [ThreatStep], for command: ThreatStepCommand,
        _ state: ThreatPlanState
    ) throws(Problem) {
        guard let step, allowed.contains(step) else {
            throw Problem(
                .stepOutOfOrder, field: "step",
                "cannot \(command.name) for \(state.area): \(Self.describe(state)); \(Self.next(state))")
        }
    }

    /// The declaration and the parties it reached; refuses when any party's daemon has not
    /// applied it (or delivery cannot be told here).
    private func delivery(
        _ state: ThreatPlanState, requests: [AcknowledgementRequestState],
        applied: [OrganisationCode: SequenceNumber]?
    ) -> Result<(ThreatStepRecord, [OrganisationCode]), Problem> {
        guard let declared = state.declared else {
            return .failure(
                Problem(.stepOutOfOrder, field: "step", "level 5 for \(state.area) has not been declared"))
        }
        let request = requests.last { $0.subject == declared.report }
        let parties = request?.parties.map(\.party) ?? affectedParties(state.area)
        let sequence = max(request?.sequence ?? 0, declared.sequence)
        guard let missing = Self.undelivered(parties, sequence: sequence, applied: applied) else {
            return .failure(
                Problem(
                    .deliveryUnconfirmed, field: "delivery",
                    "delivery cannot be confirmed here: no national node's liveness board in this data folder"
                ))
        }
        guard missing.isEmpty else {
            return .failure(
                Problem(
                    .deliveryUnconfirmed, field: "delivery",
                    "level 5 for \(state.area) has not reached \(missing.map(\.rawValue).joined(separator: ", ")) (their daemons have not applied it)"
                ))
        }
        return .success((declared, parties))
    }

    private func deliveredReason(_ parties: [OrganisationCode]) -> String {
        "Delivered to \(parties.map(\.rawValue).joined(separator: ", ")): their daemons applied the declaration."
    }

    /// "at declared (11:20)", "no threat level announced".
    public static func describe(_ state: ThreatPlanState) -> String {
        guard let current = state.current, let step = current.step else { return "no threat level yet" }
        let clock = Timestamp(millisecondsSinceEpoch: current.committedAt).inAmsterdam.rfc3339Seconds
        return
            "the plan is at \(step.rawValue) (level \(current.level.map(String.init) ?? "?"), \(clock.dropFirst(11).prefix(5)))"
    }

    /// What may come next, as a command.
    public static func next(_ state: ThreatPlanState) -> String {
        let area = state.area.code
        switch state.current?.step {
        case nil, .announced, .lowered:
            return "start with: knooppunt nctv level propose --area \(area) --reason …"
        case .proposed: return "next: knooppunt nctv level consult --area \(area) --deadline 30m"
        case .consulting: return "next: knooppunt nctv level declare --area \(area) --reason …"
        case .declared:
            return "next: knooppunt nctv level deliver --area \(area) (or advise, which waits for delivery)"
        case .delivered: return "next: knooppunt nctv level advise --area \(area) --advice …"
        case .adviceIssued, .review:
            return
                "next: knooppunt nctv level review --area \(area) --review-at … or lower --area \(area) --to 4"
        }
    }
}
