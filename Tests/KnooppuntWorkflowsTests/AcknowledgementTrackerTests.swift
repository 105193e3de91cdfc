import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON
import Testing

@Suite("Acknowledgements: delivered, acknowledged, overdue, alarms and out-of-band alerts")
struct AcknowledgementTrackerTests {
    let tracker = AcknowledgementTracker(rules: AlarmRules(escalateAfter: .seconds(60)))
    /// The request's deadline: between the log's 4th and 5th commits (10:45:04.250, 10:45:05.250).
    static let deadline = "2019-03-18T10:45:05+01:00"
    static let deadlineMs = Timestamp(rfc3339: deadline)!.millisecondsSinceEpoch

    /// 1 threat (NCTV), 2 request to VR09, POLICE, VR14, 3 ack VR09; 4 a sitrep (noise).
    func log(exercise: Bool = false) throws -> (LogBuilder, threat: Update, request: Update) {
        let log = LogBuilder()
        let threat = try log.commit(
            Docs.threat(
                ["scope": "province", "code": "PV26"], level: 5, step: "declared", exercise: exercise),
            as: .nctv)
        var request = Docs.ackRequest(
            threat.report.id, parties: ["VR09", "POLICE", "VR14"], deadline: Self.deadline
        ).objectValue!
        request["exercise"] = .bool(exercise)
        let requested = try log.commit(.object(request), as: .nctv)
        var ack = Docs.ack(threat.report.id, by: "Calamiteitencoördinator VR09").objectValue!
        ack["exercise"] = .bool(exercise)
        try log.commit(.object(ack), as: Org.vr09)
        try log.commit(Docs.incident("VR09-1", exercise: exercise), as: Org.vr09)
        return (log, threat, requested)
    }

    func records(_ log: LogBuilder) -> [WorkflowRecord] {
        log.updates.map { WorkflowRecord($0, view: .organisation(.national)) }
    }

    @Test("before the deadline: acknowledged, delivered, not delivered per party; no alarm")
    func beforeDeadline() throws {
        let (log, threat, request) = try log()
        let applied: [OrganisationCode: SequenceNumber] = [
            Org.vr09: 4, .police: request.sequence, Org.vr14: 1,
        ]
        let state = try #require(
            tracker.requests(in: records(log), applied: applied, now: Self.deadlineMs - 1).first)
        #expect(state.subject == threat.report.id)
        #expect(state.subjectSummary == "threat level 5 · PV26 · declared")
        #expect(state.party(Org.vr09)?.state == .acknowledged)
        #expect(state.party(Org.vr09)?.by == "Calamiteitencoördinator VR09")
        #expect(state.party(Org.vr09)?.late == false)
        #expect(state.party(.police)?.state == .delivered)
        #expect(state.party(Org.vr14)?.state == .notDelivered)
        #expect(state.alarm == nil)
    }

    @Test("after the deadline the missing parties are overdue, delivered or not, and an alarm is open")
    func overdue() throws {
        let (log, _, request) = try log()
        let applied: [OrganisationCode: SequenceNumber] = [Org.vr09: 4, .police: 4, Org.vr14: 1]
        let state = try #require(
            tracker.requests(in: records(log), applied: applied, now: Self.deadlineMs + 1).first)
        #expect(state.party(.police)?.state == .overdue && state.party(.police)?.delivered == true)
        #expect(state.party(Org.vr14)?.state == .overdue && state.party(Org.vr14)?.delivered == false)
        let alarm = try #require(state.alarm)
        #expect(alarm.request == request.report.id)
        #expect(alarm.state == .open && !alarm.escalated)
        #expect(alarm.missing == [.police, Org.vr14])
        #expect(alarm.notDelivered == [Org.vr14])
        #expect(alarm.raisedAt == Self.deadlineMs)
        // Open for longer than escalateAfter: escalated.
        let later = try #require(
            tracker.requests(in: records(log), applied: applied, now: Self.deadlineMs + 60_000).first)
        #expect(later.alarm?.escalated == true)
        #expect(AcknowledgementTracker.openAlarms([later]).count == 1)
    }

    @Test("without a liveness board delivery is unknown, not 'not delivered'")
    func unknownDelivery() throws {
        let (log, _, _) = try log()
        let state = try #require(
            tracker.requests(in: records(log), applied: nil, now: Self.deadlineMs - 1).first)
        #expect(state.party(.police)?.state == .unknown && state.party(.police)?.delivered == nil)
    }

    @Test(
        "a person acknowledges the alarm with an ack of the request, after the deadline, as requester or desk"
    )
    func alarmAcknowledged() throws {
        let (log, _, request) = try log()
        try log.commit(Docs.ack(request.report.id, by: "Dienstdoende NCTV"), as: .nctv)  // 5, 10:45:05.250
        var state = try #require(
            tracker.requests(in: records(log), applied: [:], now: Self.deadlineMs + 30_000).first)
        #expect(state.alarm?.state == .acknowledged, "committed 250 ms after the deadline")
        #expect(state.alarm?.acknowledgedBy?.by == "Dienstdoende NCTV")
        // An overdue party acknowledging the request itself does not silence the alarm.
        let (fresh, _, freshRequest) = try self.log()
        try fresh.commit(Docs.ack(freshRequest.report.id, by: "Iemand van VR14"), as: Org.vr14)
        state = try #require(
            tracker.requests(in: records(fresh), applied: [:], now: Self.deadlineMs + 30_000).first)
        #expect(state.alarm?.state == .open)
        // Every party acknowledging, late, resolves it.
        let (late, threat, _) = try self.log()
        try late.commit(Docs.ack(threat.report.id, by: "OvD Politie"), as: .police)
        try late.commit(Docs.ack(threat.report.id, by: "Calamiteitencoördinator VR14"), as: Org.vr14)
        state = try #require(
            tracker.requests(in: records(late), applied: [:], now: Self.deadlineMs + 90_000).first)
        #expect(state.alarm?.state == .resolved)
        #expect(state.party(Org.vr14)?.late == true)
        #expect(AlertPlanner.due([state], hooked: [Org.vr14, .national]).isEmpty)
    }

    @Test("exercise requests are never overdue and raise no alarm (their deadlines are scripted time)")
    func exercise() throws {
        let (log, _, _) = try log(exercise: true)
        let state = try #require(tracker.requests(in: records(log), applied: [:], now: .max / 2).first)
        #expect(state.exercise)
        #expect(state.alarm == nil)
        #expect(state.parties.allSatisfy { $0.state != .overdue })
    }

    @Test("the latest request for a subject counts")
    func latestRequest() throws {
        let (log, threat, _) = try log()
        try log.commit(
            Docs.ackRequest(threat.report.id, parties: ["VR09"], deadline: "2019-03-18T12:00:00+01:00"),
            as: .nctv)
        let requests = tracker.requests(in: records(log), applied: [:], now: Self.deadlineMs + 1)
        #expect(requests.count == 1)
        #expect(requests[0].parties.map(\.party) == [Org.vr09])
        #expect(requests[0].alarm == nil)
    }

    @Test("out-of-band alerts: each overdue party's hook, then the desk's and the requester's on escalation")
    func alerts() throws {
        let (log, _, request) = try log()
        let hooked: Set<OrganisationCode> = [Org.vr14, .national, .nctv]
        var requests = tracker.requests(in: records(log), applied: [:], now: Self.deadlineMs + 1)
        var due = AlertPlanner.due(requests, hooked: hooked)
        #expect(due.map(\.id) == ["\(request.report.id)/overdue/VR14"], "POLICE has no hook")
        let payload = due[0].payload
        #expect(payload["kind"] == "overdue")
        #expect(payload["missing"] == ["POLICE", "VR14"])
        #expect(payload["notDelivered"] == ["POLICE", "VR14"])
        #expect(payload["message"]?.stringValue?.contains("threat level 5 · PV26") == true)

        requests = tracker.requests(in: records(log), applied: [:], now: Self.deadlineMs + 61_000)
        due = AlertPlanner.due(requests, hooked: hooked)
        #expect(
            Set(due.map(\.id)) == [
                "\(request.report.id)/overdue/VR14", "\(request.report.id)/escalation/NATIONAL",
                "\(request.report.id)/escalation/NCTV",
            ])
        // Acknowledged by a person: nothing more goes out.
        try log.commit(Docs.ack(request.report.id, by: "Officier van dienst LOCC"), as: .national)
        requests = tracker.requests(in: records(log), applied: [:], now: Self.deadlineMs + 61_000)
        #expect(AlertPlanner.due(requests, hooked: hooked).isEmpty)
    }

    @Test("the board as JSON, filtered to one party's requests")
    func boardJSON() throws {
        let (log, _, _) = try log()
        let board = tracker.board(
            records: records(log), applied: [Org.vr09: 4], now: Self.deadlineMs + 1, party: Org.vr14)
        #expect(board["deliveryKnown"] == true)
        let request = try #require(board["requests"]?.arrayValue?.first)
        #expect(request["deadline"] == "2019-03-18T10:45:05+01:00")
        let states = (request["parties"]?.arrayValue ?? []).map {
            "\($0["party"]?.stringValue ?? "?")=\($0["state"]?.stringValue ?? "?")"
        }
        #expect(states == ["POLICE=overdue", "VR09=acknowledged", "VR14=overdue"], "parties in code order")
        #expect(board["alarms"]?.arrayValue?.count == 1)
        let none = tracker.board(records: records(log), applied: nil, now: 0, party: Org.vr13)
        #expect(none["requests"] == [])
    }
}
