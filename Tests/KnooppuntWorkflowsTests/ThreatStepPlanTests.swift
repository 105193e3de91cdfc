import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON
import Testing

@Suite("Threat level 5 step plan")
struct ThreatStepPlanTests {
    let plan = ThreatStepPlan()
    let area = ThreatArea.province(ProvinceCode("PV26"))
    let codec = DocumentCodec()
    let deadline = Timestamp(rfc3339: "2019-03-18T11:30:00+01:00")!

    /// NCTV's side of a network: the log so far, and what each party's daemon applied.
    final class Network {
        let log = LogBuilder()
        var applied: [OrganisationCode: SequenceNumber]? = [:]
        var random = SeededGenerator(seed: 26)

        var records: [WorkflowRecord] { log.updates.map { WorkflowRecord($0, view: .organisation(.nctv)) } }

        /// Every party's daemon has applied everything so far.
        func deliverAll() {
            applied = Dictionary(
                uniqueKeysWithValues: OrganisationCode.all.map { ($0, SequenceNumber(log.updates.count)) })
        }
    }

    func state(_ network: Network) -> ThreatPlanState {
        ThreatPlanState.build(area: area, exercise: false, records: network.records)
    }

    /// Plans `command` and commits its reports as NCTV; returns them.
    @discardableResult
    func run(_ command: ThreatStepCommand, _ network: Network) throws -> [Update] {
        let requests = AcknowledgementTracker().requests(
            in: network.records, applied: network.applied, now: 0)
        let reports = try plan.plan(
            command, state: state(network), parties: plan.affectedParties(area, also: [Org.vr14]),
            requests: requests, applied: network.applied, author: "Dienstdoende NCTV", random: &network.random
        )
        return try reports.map { try network.log.commit(codec.encode($0.document), as: .nctv) }
    }

    func refusal(_ command: ThreatStepCommand, _ network: Network) -> Problem? {
        do {
            try run(command, network)
            return nil
        } catch let problem as Problem {
            return problem
        } catch {
            return nil
        }
    }

    func threat(_ update: Update) -> JSONValue? {
        WorkflowRecord(update).section("threat")
    }

    @Test("the affected parties of a province: its regions and the police, plus any named")
    func affectedParties() {
        #expect(plan.affectedParties(area) == [.police, Org.vr09])
        #expect(plan.affectedParties(.national).count == 26)
        #expect(plan.affectedParties(area, also: [Org.vr14, .nctv]) == [.police, Org.vr09, Org.vr14])
    }

    @Test("propose → consult → declare → deliver → advise → review → lower, each step with its reports")
    func wholePlan() throws {
        let network = Network()
        let proposed = try run(.propose(reason: "Mogelijke aanslag."), network)
        #expect(proposed.count == 1)
        #expect(threat(proposed[0])?["step"] == "proposed")
        #expect(proposed[0].report.envelope.sections[0].classification == .national)

        let consult = try run(
            .consult(reason: "Overleg.", parties: [Org.vr09, .police], deadline: deadline), network)
        #expect(consult.map(\.report.envelope.type) == [.threat, .ackRequest])
        #expect(consult[1].report.envelope.subject == consult[0].report.id)
        #expect(
            consult[0].report.envelope.sections[0].classification
                == .parties(OrganisationSet([Org.vr09, .police, .nctv, .national])))

        let declared = try run(.declare(reason: "Niveau 5.", reviewAt: deadline, deadline: deadline), network)
        #expect(threat(declared[0])?["step"] == "declared")
        let request = WorkflowRecord(declared[1]).section("ackRequest")
        #expect(request?["parties"] == ["POLICE", "VR09", "VR14"])
        #expect(request?["deadline"] == "2019-03-18T11:30:00+01:00")
        #expect(state(network).levelInForce == 5)

        network.deliverAll()
        let delivered = try run(.deliver, network)
        #expect(threat(delivered[0])?["step"] == "delivered")
        #expect(threat(delivered[0])?["reason"]?.stringValue?.contains("POLICE, VR09, VR14") == true)

        let advice = try run(
            .advise(advice: "Blijf alert.", reason: nil, reviewAt: nil, deadline: deadline, override: nil),
            network)
        #expect(advice.map(\.report.envelope.type) == [.threat, .ackRequest])
        #expect(threat(advice[0])?["step"] == "adviceIssued")
        #expect(threat(advice[0])?["actionAdvice"] == "Blijf alert.")
        #expect(advice[0].report.envelope.sections[0].classification == .publicInformation)
        #expect(state(network).reviewAt == deadline, "the review time of the declaration carries on")

        let review = try run(.review(reason: "Verdachte voortvluchtig.", reviewAt: deadline), network)
        #expect(threat(review[0])?["actionAdvice"] == "Blijf alert.", "the advice in force carries on")
        #expect(state(network).planActive)

        let lowered = try run(.lower(level: 4, reason: "Aanhouding.", deadline: deadline), network)
        #expect(threat(lowered[0])?["step"] == "lowered" && threat(lowered[0])?["level"] == 4)
        #expect(lowered[1].report.envelope.type == .ackRequest)
        let final = state(network)
        #expect(!final.planActive && final.levelInForce == 4)
        #expect(
            final.planSteps.compactMap(\.step) == [
                .proposed, .consulting, .declared, .delivered, .adviceIssued, .review, .lowered,
            ])
        #expect(final.line.hasPrefix("PV26 level 4: proposed "))
    }

    @Test("steps out of order are refused with E700 and the command that comes next")
    func outOfOrder() throws {
        let network = Network()
        var problem = refusal(.declare(reason: "x", reviewAt: nil, deadline: deadline), network)
        #expect(problem?.code == .stepOutOfOrder)
        #expect(problem?.message.contains("knooppunt nctv level propose --area PV26") == true)
        try run(.propose(reason: "x"), network)
        problem = refusal(.declare(reason: "x", reviewAt: nil, deadline: deadline), network)
        #expect(problem?.code == .stepOutOfOrder)
        #expect(problem?.message.contains("the plan is at proposed") == true)
        #expect(problem?.message.contains("consult --area PV26") == true)
        #expect(refusal(.propose(reason: "again"), network)?.code == .stepOutOfOrder)
        #expect(
            refusal(
                .advise(advice: "a", reason: nil, reviewAt: nil, deadline: deadline, override: "x"), network)?
                .code == .stepOutOfOrder)
        #expect(
            refusal(.announce(level: 3, reason: "x", deadline: deadline), network)?.code == .stepOutOfOrder)
        #expect(refusal(.deliver, network)?.code == .stepOutOfOrder)
        // Withdrawing a proposal is lowering it.
        try run(.lower(level: 3, reason: "Ingetrokken.", deadline: deadline), network)
        #expect(refusal(.lower(level: 2, reason: "x", deadline: deadline), network)?.code == .stepOutOfOrder)
        #expect(refusal(.announce(level: 5, reason: "x", deadline: deadline), network)?.code == .outOfRange)
        let announced = try run(.announce(level: 2, reason: "Verlaagd.", deadline: deadline), network)
        #expect(announced.map(\.report.envelope.type) == [.threat, .ackRequest])
        #expect(state(network).levelInForce == 2)
    }

    @Test(
        "the periodic review is due once its time passes, until a review or a lowering; never in an exercise")
    func reviewDue() throws {
        let network = Network()
        let reviewAt = Timestamp(rfc3339: "2019-03-18T19:00:00+01:00")!
        let due = reviewAt.millisecondsSinceEpoch + 1
        try run(.propose(reason: "Aanslag"), network)
        try run(.consult(reason: "Afstemming", parties: [Org.vr09], deadline: deadline), network)
        #expect(!state(network).reviewDue(now: due), "a proposal has no review")
        try run(.declare(reason: "Niveau 5", reviewAt: reviewAt, deadline: deadline), network)
        #expect(!state(network).reviewDue(now: due - 2))
        #expect(state(network).reviewDue(now: due))
        #expect(state(network).reviewDueText(now: due) == "REVIEW DUE since 19:00")
        #expect(state(network).json(requests: [], now: due)["reviewDue"] == true)
        network.deliverAll()
        try run(.deliver, network)
        let next = Timestamp(rfc3339: "2019-03-18T23:00:00+01:00")!
        try run(.review(reason: "Dader voortvluchtig", reviewAt: next), network)
        #expect(!state(network).reviewDue(now: due), "reviewed until 23:00")
        try run(.lower(level: 4, reason: "Aanhouding", deadline: deadline), network)
        #expect(!state(network).reviewDue(now: next.millisecondsSinceEpoch + 1), "lowered: nothing to review")
        let exercise = ThreatPlanState(area: area, exercise: true, steps: state(network).steps.dropLast())
        #expect(!exercise.reviewDue(now: next.millisecondsSinceEpoch + 1), "scripted time is not judged")
    }

    @Test("a proposal does not change the level in force")
    func proposalKeepsLevel() throws {
        let network = Network()
        try run(.announce(level: 4, reason: "Substantieel.", deadline: deadline), network)
        try run(.propose(reason: "x"), network)
        try run(.consult(reason: "x", parties: [Org.vr09], deadline: deadline), network)
        #expect(state(network).levelInForce == 4)
        #expect(state(network).planActive)
    }

    @Test("delivery is confirmed only when every affected party's daemon applied the declaration")
    func delivery() throws {
        let network = Network()
        try run(.propose(reason: "x"), network)
        try run(.consult(reason: "x", parties: [Org.vr09], deadline: deadline), network)
        let declared = try run(.declare(reason: "x", reviewAt: nil, deadline: deadline), network)
        network.applied = [
            Org.vr09: declared[1].sequence, .police: declared[1].sequence, Org.vr14: declared[0].sequence,
        ]
        var problem = refusal(.deliver, network)
        #expect(problem?.code == .deliveryUnconfirmed)
        #expect(problem?.message.contains("has not reached VR14") == true)
        network.applied = nil
        problem = refusal(.deliver, network)
        #expect(problem?.code == .deliveryUnconfirmed)
        #expect(problem?.message.contains("cannot be confirmed here") == true)
    }

    @Test("action advice waits for delivery; --override with a reason goes ahead and is recorded")
    func adviceOverride() throws {
        let network = Network()
        try run(.propose(reason: "x"), network)
        try run(.consult(reason: "x", parties: [Org.vr09], deadline: deadline), network)
        try run(.declare(reason: "x", reviewAt: nil, deadline: deadline), network)
        network.applied = [Org.vr09: 100, .police: 100]
        let advise = ThreatStepCommand.advise(
            advice: "Blijf binnen.", reason: nil, reviewAt: nil, deadline: deadline, override: nil)
        let problem = refusal(advise, network)
        #expect(problem?.code == .deliveryUnconfirmed)
        #expect(problem?.message.contains("--override --reason") == true)
        #expect(
            refusal(
                .advise(advice: "a", reason: nil, reviewAt: nil, deadline: deadline, override: "  "), network)
                != nil)

        let given = try run(
            .advise(
                advice: "Blijf binnen.", reason: nil, reviewAt: nil, deadline: deadline,
                override: "Dader op de vlucht; publiek moet nu gewaarschuwd worden"),
            network)
        #expect(
            given.map(\.report.envelope.type) == [.threat, .ackRequest], "no delivered step was recorded")
        let reason = threat(given[0])?["reason"]?.stringValue ?? ""
        #expect(reason.hasPrefix("OVERRIDE: Dader op de vlucht"))
        #expect(reason.contains("VR14"))
        let current = try #require(state(network).current)
        #expect(current.isOverride)
        let board = plan.board(records: network.records, applied: network.applied, now: 0)
        #expect(board["areas"]?.arrayValue?.first?["override"] == true)
    }

    @Test("advice at 'declared' with delivery confirmed records the delivery first")
    func adviceAfterDelivery() throws {
        let network = Network()
        try run(.propose(reason: "x"), network)
        try run(.consult(reason: "x", parties: [Org.vr09], deadline: deadline), network)
        try run(.declare(reason: "x", reviewAt: nil, deadline: deadline), network)
        network.deliverAll()
        let given = try run(
            .advise(advice: "Blijf binnen.", reason: nil, reviewAt: nil, deadline: deadline, override: nil),
            network)
        #expect(given.compactMap { threat($0)?["step"]?.stringValue } == ["delivered", "adviceIssued"])
        #expect(state(network).current?.isOverride == false)
    }

    @Test("the board shows each step's time and its acknowledgements per party")
    func board() throws {
        let network = Network()
        try run(.propose(reason: "x"), network)
        try run(.consult(reason: "x", parties: [Org.vr09], deadline: deadline), network)
        let declared = try run(.declare(reason: "x", reviewAt: nil, deadline: deadline), network)
        try network.log.commit(
            Docs.ack(declared[0].report.id, by: "Calamiteitencoördinator VR09"), as: Org.vr09)
        let board = plan.board(records: network.records, applied: [Org.vr09: 100], now: 0)
        let areaJSON = try #require(board["areas"]?.arrayValue?.first)
        #expect(areaJSON["area"] == "PV26" && areaJSON["step"] == "declared" && areaJSON["levelInForce"] == 5)
        let steps = areaJSON["steps"]?.arrayValue ?? []
        #expect(steps.compactMap { $0["step"]?.stringValue } == ["proposed", "consulting", "declared"])
        let parties = steps[2]["acknowledgement"]?["parties"]?.arrayValue ?? []
        #expect(parties.map { $0["state"] } == ["notDelivered", "acknowledged", "notDelivered"])
        #expect(areaJSON["next"]?.stringValue?.contains("deliver --area PV26") == true)
    }
}
