import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON
import Testing

/// The sender's per-recipient states of a signal, the national desk's stub without content,
/// and overdue recipients raised on the acknowledgement alarm path.
@Suite("Signal tracker")
struct SignalTrackerTests {
    static let sender = OrganisationCode.police
    static let recipients = [OrganisationCode.nctv, Org.vr09]
    static let hour: Int64 = 3_600_000

    static func signal() -> JSONValue {
        [
            "type": "signal", "from": "POLICE", "person": "POL-2026-0042", "kind": "radicalisation",
            "assessment": "Zorgelijke uitingen", "legalBasis": "WPOLG-16", "recipients": ["NCTV", "VR09"],
            "retentionDays": 365, "asked": "discussMAR",
            // Ignored: the readers are the sender and the recipients.
            "classification": "public",
        ]
    }

    static func answer(_ type: String, _ subject: ReportID, _ extra: [String: JSONValue] = [:]) -> JSONValue {
        var object: [String: JSONValue] = [
            "type": .string(type), "subject": .string(subject.rawValue), "by": "Dienstdoende",
            "classification": ["parties": ["NCTV", "POLICE", "VR09"]],
        ]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    /// A log: the signal, NCTV's acknowledgement and follow-up; VR09 silent.
    static func log() throws -> (LogBuilder, ReportID) {
        let log = LogBuilder()
        let sent = try log.commit(signal(), as: sender)
        try log.commit(answer("signalAck", sent.report.id), as: .nctv)
        try log.commit(answer("signalFollowUp", sent.report.id, ["outcome": "caseMeeting"]), as: .nctv)
        return (log, sent.report.id)
    }

    @Test(
        "the sender sees per recipient: delivered, acknowledged, followed up, then overdue past the deadline")
    func senderStates() throws {
        let (log, id) = try Self.log()
        let records = log.updates.compactMap { SignalRecord($0, view: .organisation(Self.sender)) }
        let tracker = SignalTracker(acknowledgeWithinMs: Self.hour)
        let committed = log.updates[0].committedAt
        var states = tracker.signals(in: records, applied: [.nctv: 3, Org.vr09: 1], now: committed + 1_000)
        #expect(states.count == 1)
        #expect(states[0].id == id)
        #expect(states[0].content?["person"] == "POL-2026-0042")
        let nctv = states[0].recipients.first { $0.party == .nctv }
        #expect(nctv?.state == .followedUp)
        #expect(nctv?.outcome == "caseMeeting")
        #expect(nctv?.acknowledgedBy == "Dienstdoende")
        #expect(states[0].recipients.first { $0.party == Org.vr09 }?.state == .delivered)
        states = tracker.signals(in: records, applied: [.nctv: 3], now: committed + Self.hour + 1)
        let vr09 = states[0].recipients.first { $0.party == Org.vr09 }
        #expect(vr09?.state == .overdue)
        #expect(vr09?.delivered == false)
        #expect(states[0].overdue == [Org.vr09])

        let alarms = SignalTracker.alarms(states, rules: .standard, now: committed + Self.hour + 1)
        #expect(alarms.count == 1)
        #expect(alarms[0].alarm?.missing == [Org.vr09])
        #expect(alarms[0].alarm?.notDelivered == [Org.vr09])
        let due = AlertPlanner.due(alarms, hooked: [Org.vr09, .nctv, .national])
        #expect(
            due.map(\.organisation) == [Org.vr09], "only the overdue recipient is alerted before escalation")
        #expect(!JSONWriter.canonical(due[0].payload).holds(Array("POL-2026-0042".utf8)))
    }

    @Test("the national desk sees the stub: sender, recipients, states, no content")
    func nationalStub() throws {
        let (log, _) = try Self.log()
        let records = log.updates.compactMap { SignalRecord($0, view: .organisation(.national)) }
        let states = SignalTracker(acknowledgeWithinMs: Self.hour).signals(in: records, applied: nil, now: 0)
        #expect(states.count == 1)
        #expect(states[0].content == nil)
        #expect(states[0].sender == Self.sender)
        #expect(states[0].recipients.map(\.party) == Self.recipients)
        let nctv = states[0].recipients.first { $0.party == .nctv }
        #expect(nctv?.state == .followedUp)
        #expect(nctv?.outcome == nil, "the outcome is content")
        let bytes = JSONWriter.canonical(.array(states.map(\.json)))
        for secret in ["POL-2026-0042", "Zorgelijke", "radicalisation", "WPOLG-16", "caseMeeting"] {
            #expect(!bytes.holds(Array(secret.utf8)), "\(secret) in the national stub")
        }
    }

    @Test("a signal's own classification is ignored: it is read by exactly its sender and recipients")
    func readers() throws {
        let (log, _) = try Self.log()
        let envelope = log.updates[0].report.envelope
        #expect(
            envelope.sections.map(\.classification) == [
                .parties(OrganisationSet([.police, .nctv, Org.vr09]))
            ])
        #expect(!log.updates[0].report.projected(for: .publicView).isComplete)
        #expect(!log.updates[0].report.projected(for: .organisation(Org.vr14)).isComplete)
        #expect(log.updates[0].report.projected(for: .organisation(Org.vr09)).isComplete)
    }
}

extension [UInt8] {
    fileprivate func holds(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
