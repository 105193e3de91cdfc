import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// Answers: a released batch's ACKs and refusals, and refusals with their count and audit.
extension NodeLoop {
    /// Acknowledges and publishes a batch that is as durable as it will get.
    func release(_ batch: Batch) {
        for (routing, answer) in batch.answers { self.answer(routing, answer) }
        for (_, answer) in batch.answers {
            if case .refusal(let rejection) = answer { awaitingRejections.remove(rejection.reportID) }
        }
        if !batch.updates.isEmpty { crashPoint?.check(.afterAck, batch: committedBatches) }
        for update in batch.updates { picture.apply(update) }
        publish(batch.updates)
    }

    func answer(_ routing: [UInt8], _ answer: Batch.Answer) {
        switch answer {
        case .ack(let ack):
            send(routing, .ack(ack))
        case .refusal(let rejection):
            send(routing, rejectionMessage(rejection))
        }
    }

    func rejectionMessage(_ rejection: Rejection) -> ServerMessage {
        .error(
            reportID: rejection.reportID, code: rejection.problem.code, message: rejection.problem.message,
            detail: ["field": .string(rejection.problem.field)])
    }

    /// Answers a refusal. With `from`, it is audited: one row for a refusal about a report or
    /// an authorisation (3xx); a count for the once-a-second summary for unreadable messages
    /// and for messages on a connection made with a retired key (one per message would let a
    /// connection that is no longer rate limited as its organisation fill the log).
    /// With `summarised`, a refusal of a message that did not decode is counted for the
    /// summary even when the answer names the report its envelope claims.
    func refuse(
        _ routing: [UInt8], _ id: ReportID?, _ problem: Problem, detail: JSONValue = [:],
        from organisation: OrganisationCode? = nil, summarised: Bool = false
    ) {
        count(problem.code)
        if let organisation {
            let named = id != nil && !summarised
            if named || ((300..<400).contains(problem.code.rawValue) && problem.code != .retiredKey) {
                var object = detail.objectValue ?? [:]
                object["field"] = .string(problem.field)
                object["message"] = .string(problem.message)
                audit(
                    AuditEvent(
                        at: Self.wallClock(), kind: .refused, actor: organisation.rawValue,
                        subject: id?.rawValue ?? "", code: problem.code.rawValue, detail: .object(object)))
            } else {
                security.malformedSinceSummary[organisation, default: [:]][problem.code, default: 0] += 1
            }
        }
        var detail = detail
        if case .object(var object) = detail {
            object["field"] = .string(problem.field)
            detail = .object(object)
        }
        send(routing, .error(reportID: id, code: problem.code, message: problem.message, detail: detail))
    }

    func count(_ code: ErrorCode) { refusals[code, default: 0] += 1 }
}
