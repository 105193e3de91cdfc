import KnooppuntDomain

/// Who must acknowledge what, who did, who is overdue: a pure function of the reports a view
/// holds, the liveness board (what each daemon applied) and the node's time.
///
/// - The latest request per subject counts (a sender may widen the parties or move the
///   deadline); a party's first acknowledgement of the subject counts.
/// - "Delivered" means the party's daemon reported applying the request's sequence (the
///   request follows its subject in the log, so the subject was applied too).
/// - Past the deadline every party without an acknowledgement is overdue, and the request has
///   an alarm that a person must acknowledge: an `ack` whose subject is the request, from the
///   requester or the national desk, committed after the deadline. An alarm open longer than
///   ``AlarmRules/escalateAfter`` is escalated.
/// - Exercise requests carry scripted deadlines that the node's clock cannot judge: they show
///   delivery and acknowledgements but are never overdue and raise no alarm.
public struct AcknowledgementTracker: Sendable {
    public let rules: AlarmRules

    public init(rules: AlarmRules = .standard) { self.rules = rules }

    /// Every request in `records`: open alarms first, then by deadline, then by sequence.
    /// - Parameters:
    ///   - applied: per organisation, the sequence its daemon reported applied; nil where there
    ///     is no liveness board (delivery is then unknown).
    ///   - now: the node's time, ms since 1970.
    public func requests(
        in records: [WorkflowRecord], applied: [OrganisationCode: SequenceNumber]?, now: Int64
    ) -> [AcknowledgementRequestState] {
        let ordered = WorkflowRecord.merged(records)
        var byID: [ReportID: WorkflowRecord] = [:]
        var latestRequest: [ReportID: WorkflowRecord] = [:]
        var acks: [ReportID: [WorkflowRecord]] = [:]
        for record in ordered {
            byID[record.id] = record
            guard let subject = record.subject else { continue }
            if record.type == .ackRequest { latestRequest[subject] = record }
            if record.type == .ack { acks[subject, default: []].append(record) }
        }
        let states = latestRequest.values.map { request in
            state(of: request, subject: byID[request.subject!], acks: acks, applied: applied, now: now)
        }
        return states.sorted { a, b in
            let aOpen = a.alarm?.state == .open ? 0 : 1
            let bOpen = b.alarm?.state == .open ? 0 : 1
            let aDeadline = a.deadline?.millisecondsSinceEpoch ?? .max
            let bDeadline = b.deadline?.millisecondsSinceEpoch ?? .max
            return (aOpen, aDeadline, a.sequence) < (bOpen, bDeadline, b.sequence)
        }
    }

    /// The open and escalated alarms among `requests`.
    public static func openAlarms(_ requests: [AcknowledgementRequestState]) -> [AcknowledgementRequestState]
    {
        requests.filter { $0.alarm?.state == .open }
    }

    private func state(
        of request: WorkflowRecord, subject: WorkflowRecord?, acks: [ReportID: [WorkflowRecord]],
        applied: [OrganisationCode: SequenceNumber]?, now: Int64
    ) -> AcknowledgementRequestState {
        let section = request.section("ackRequest")
        let deadline = section?["deadline"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
        let judged = !request.exercise
        let overdueNow = judged && deadline.map { now > $0.millisecondsSinceEpoch } == true
        let codes = (section?["parties"]?.arrayValue ?? []).compactMap {
            $0.stringValue.flatMap(OrganisationCode.init)
        }
        var first: [OrganisationCode: WorkflowRecord] = [:]
        for ack in acks[request.subject!] ?? [] where first[ack.origin] == nil { first[ack.origin] = ack }
        let parties = codes.map { code -> PartyAcknowledgement in
            let delivered = applied.map { ($0[code] ?? 0) >= request.sequence }
            if let ack = first[code] {
                let content = ack.section("ack")
                return PartyAcknowledgement(
                    party: code, state: .acknowledged, delivered: delivered ?? true,
                    acknowledgedAt: ack.committedAt, by: content?["by"]?.stringValue ?? ack.author,
                    note: content?["note"]?.stringValue,
                    late: judged ? deadline.map { ack.committedAt > $0.millisecondsSinceEpoch } ?? false : nil
                )
            }
            let state: PartyAcknowledgementState =
                overdueNow ? .overdue : delivered.map { $0 ? .delivered : .notDelivered } ?? .unknown
            return PartyAcknowledgement(
                party: code, state: state, delivered: delivered, acknowledgedAt: nil, by: nil, note: nil,
                late: nil)
        }
        return AcknowledgementRequestState(
            request: request.id, subject: request.subject!, subjectSummary: subject.map(Self.summary),
            subjectSequence: subject?.sequence, requestedBy: request.origin, author: request.author,
            sequence: request.sequence, committedAt: request.committedAt, deadline: deadline,
            note: section?["note"]?.stringValue, exercise: request.exercise, withheld: section == nil,
            parties: parties,
            alarm: judged
                ? alarm(request, deadline: deadline, parties: parties, acks: acks[request.id] ?? [], now: now)
                : nil)
    }

    private func alarm(
        _ request: WorkflowRecord, deadline: Timestamp?, parties: [PartyAcknowledgement],
        acks: [WorkflowRecord], now: Int64
    ) -> AcknowledgementAlarm? {
        guard let raisedAt = deadline?.millisecondsSinceEpoch, now > raisedAt else { return nil }
        let lateOrMissing = parties.filter { $0.state == .overdue || $0.late == true }
        guard !lateOrMissing.isEmpty else { return nil }
        let missing = parties.filter { $0.state == .overdue }
        // Only the requester or the national desk acknowledges an alarm, and only once it exists.
        let answer = acks.first {
            $0.committedAt > raisedAt && ($0.origin == request.origin || $0.origin == .national)
        }
        let acknowledgement = answer.map { ack in
            AlarmAcknowledgement(
                organisation: ack.origin, by: ack.section("ack")?["by"]?.stringValue ?? ack.author,
                note: ack.section("ack")?["note"]?.stringValue, at: ack.committedAt, sequence: ack.sequence)
        }
        let state: AcknowledgementAlarm.State =
            missing.isEmpty ? .resolved : acknowledgement != nil ? .acknowledged : .open
        return AcknowledgementAlarm(
            request: request.id, raisedAt: raisedAt, state: state, missing: missing.map(\.party),
            notDelivered: missing.filter { $0.delivered == false }.map(\.party),
            escalated: state == .open && now - raisedAt >= rules.escalateAfterMs,
            acknowledgedBy: acknowledgement)
    }

    /// A few words naming a report: "threat level 5 · PV26 · declared", "GRIP 3 · VR09-…".
    public static func summary(_ record: WorkflowRecord) -> String {
        switch record.type {
        case .threat:
            let section = record.section("threat")
            let level = section?["level"]?.integerValue.map { "threat level \($0)" } ?? "threat level"
            let area = String(record.key.split(separator: "/").last ?? "")
            return [level, area, section?["step"]?.stringValue].compactMap { $0 }.joined(separator: " · ")
        case .incident:
            let title = record.section("incident")?["title"]?.stringValue
            return "incident \(record.incident?.rawValue ?? "")" + (title.map { ": \($0)" } ?? "")
        case .grip:
            let level = record.section("grip")?["level"]?.stringValue ?? "?"
            return "GRIP \(level == "RIJK" ? "Rijk" : level) · \(record.incident?.rawValue ?? "")"
        case .sitrep:
            let advice = record.section("communicatie")?["actionAdvice"]?.stringValue
            return "sitrep \(record.origin) · \(record.incident?.rawValue ?? "")"
                + (advice.map { " · advice: \($0.prefix(60))" } ?? "")
        case .measure:
            return
                "measures \(record.section("measure")?["municipality"]?.stringValue ?? "") by \(record.origin)"
        case .ackRequest, .ack, .signal, .signalAck, .signalFollowUp, .signalRead:
            return "\(record.type.rawValue) by \(record.origin)"
        }
    }
}
