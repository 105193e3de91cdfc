import Hummingbird
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON

// NCTV's screen walks the threat level 5 step plan (propose → consult → declare → deliver →
// advise → review → lower; announce for levels 1–4) with the same state machine as
// `knooppunt nctv level …` (``ThreatStepPlan``): a step out of order is refused with E700 and
// what comes next, advice without confirmed delivery with E701 unless an override reason is
// given. The screen has no national liveness board, so delivery counts as unknown here, as
// for the command line on a host without the node's data folder.

extension OperatorScreen {
    func addThreatStepRoutes(to api: RouterGroup<BasicRequestContext>) {
        let gate = self.gate
        let organisation = backend.organisation
        let limit = maxRequestBytes
        api.get("threat-steps") { request, _ in
            _ = try await gate.require(request, .view)
            let exercise = request.uri.queryParameters.get("exercise") == "true"
            let records = try await records()
            return HTTPReply.json(
                ThreatStepPlan().board(
                    records: records, applied: nil, now: Timestamp.nowMilliseconds(), exercise: exercise))
        }
        api.post("threat-steps") { request, _ in
            guard organisation == .nctv else {
                throw APIError(
                    .forbidden, .notPermitted,
                    "only NCTV takes the steps of a threat level; this is \(organisation)")
            }
            let person = try await gate.require(request, .publishOwn)
            let body = try await request.jsonBody(limit: limit)
            let now = Timestamp.nowMilliseconds()
            let step = try ThreatStepRequest(body, now: now)
            let records = try await records()
            let state = ThreatPlanState.build(area: step.area, exercise: step.exercise, records: records)
            let requests = AcknowledgementTracker().requests(in: records, applied: nil, now: now)
            let plan = ThreatStepPlan()
            var random = SystemRandomNumberGenerator()
            let reports: [PlannedReport]
            do {
                reports = try plan.plan(
                    step.command, state: state, parties: plan.affectedParties(step.area, also: step.also),
                    requests: requests, applied: nil, author: person.author, random: &random)
            } catch let problem as Problem {
                throw APIError.invalid(Problems(problem))
            }
            if reports.contains(where: { $0.document.body.type == .ackRequest }) {
                _ = try await gate.require(request, .requestAcknowledgement)
            }
            var answers: [JSONValue] = []
            for report in reports {
                var answer = try await hand(report.document, as: gate.credential(request)).objectValue ?? [:]
                answer["summary"] = .string(report.summary)
                answers.append(.object(answer))
            }
            return HTTPReply.json(
                ["step": .string(step.command.name), "reports": .array(answers)], status: .accepted)
        }
    }

    /// The picture as the workflow rules read it.
    private func records() async throws -> [WorkflowRecord] {
        let raw = try await rawPicture()
        return (raw["entries"]?.arrayValue ?? []).compactMap(DigestEntry.init(json:)).compactMap(
            WorkflowRecord.init(digest:))
    }
}

/// One step as the screen asks it: `{"area", "step", "reason"?, "level"?, "advice"?,
/// "override"?, "deadlineMinutes"?, "reviewInMinutes"?, "also"?, "exercise"?}`, with the
/// command line's defaults (deadlines of 15 minutes to consult, 30 to declare and advise, an
/// hour to announce and lower).
struct ThreatStepRequest {
    /// The longest deadline or review interval, in minutes (a week).
    static let maxMinutes: Int64 = 10_080
    let area: ThreatArea
    let exercise: Bool
    let also: [OrganisationCode]
    let command: ThreatStepCommand

    init(_ body: JSONValue, now: Int64) throws(APIError) {
        let allowed: Set<String> = [
            "area", "step", "reason", "level", "advice", "override", "deadlineMinutes", "reviewInMinutes",
            "also",
            "exercise",
        ]
        guard let fields = body.objectValue else {
            throw APIError(.badRequest, .wrongType, "the request body is a JSON object")
        }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Self.problem(.unknownField, unknown, "\"\(unknown)\" is not a field of this request")
        }
        guard let area = fields["area"]?.stringValue.flatMap({ ThreatArea(code: $0) }) else {
            throw Self.problem(
                .unknownCode, "area", "national, a province PV20…PV31 or a safety region VR01…VR25")
        }
        self.area = area
        exercise = fields["exercise"]?.boolValue ?? false
        also = (fields["also"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(OrganisationCode.init) }
        func text(_ name: String) -> String? {
            let value = fields[name]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return value.isEmpty ? nil : value
        }
        func required(_ name: String) throws(APIError) -> String {
            guard let value = text(name) else { throw Self.problem(.missingField, name, "give the \(name)") }
            return value
        }
        func minutes(_ name: String, _ fallback: Int64?) throws(APIError) -> Timestamp? {
            guard let value = fields[name]?.integerValue ?? fallback else { return nil }
            guard (1...Self.maxMinutes).contains(value) else {
                throw Self.problem(.outOfRange, name, "give 1 to \(Self.maxMinutes) minutes (a week)")
            }
            return Timestamp(millisecondsSinceEpoch: now + value * 60_000).inAmsterdam
        }
        func level(_ range: ClosedRange<Int>) throws(APIError) -> Int {
            guard let level = fields["level"]?.integerValue.map(Int.init), range.contains(level) else {
                throw Self.problem(
                    .outOfRange, "level", "give a level \(range.lowerBound)–\(range.upperBound)")
            }
            return level
        }
        switch fields["step"]?.stringValue ?? "" {
        case "announce":
            command = .announce(
                level: try level(1...4), reason: try required("reason"),
                deadline: try minutes("deadlineMinutes", 60)!)
        case "propose":
            command = .propose(reason: try required("reason"))
        case "consult":
            command = .consult(
                reason: text("reason") ?? "NCTV consults the affected authorities on threat level 5.",
                parties: ThreatStepPlan().affectedParties(area, also: also),
                deadline: try minutes("deadlineMinutes", 15)!)
        case "declare":
            command = .declare(
                reason: try required("reason"), reviewAt: try minutes("reviewInMinutes", nil),
                deadline: try minutes("deadlineMinutes", 30)!)
        case "deliver":
            command = .deliver
        case "advise":
            command = .advise(
                advice: try required("advice"), reason: text("override") == nil ? text("reason") : nil,
                reviewAt: try minutes("reviewInMinutes", nil), deadline: try minutes("deadlineMinutes", 30)!,
                override: text("override"))
        case "review":
            command = .review(reason: try required("reason"), reviewAt: try minutes("reviewInMinutes", 240)!)
        case "lower":
            command = .lower(
                level: try level(1...4), reason: try required("reason"),
                deadline: try minutes("deadlineMinutes", 60)!)
        default:
            throw Self.problem(
                .unknownValue, "step",
                "one of announce, propose, consult, declare, deliver, advise, review, lower")
        }
    }

    static func problem(_ code: ErrorCode, _ field: String, _ message: String) -> APIError {
        APIError.invalid(Problems(Problem(code, field: field, message)))
    }
}
