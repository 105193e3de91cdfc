import KnooppuntClient
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

// The desk officers' write path: a document is checked, sealed as NATIONAL with the next
// origin sequence, stored in the desk's journal (durable) and only then queued; the outbox
// sends it until the node answers, across reconnects and desk restarts: the same
// SubmitPipeline a daemon runs for its operators.

extension DeskLoop {
    func submit(_ document: ReportDocument, again: Bool) -> DeskWriteOutcome {
        let prepared: PreparedReport
        switch submits.prepare(document, again: again, wall: Self.wallClock()) {
        case .known(let id, let originSeq):
            // The same report sent again (a retry after a timeout): it is already queued.
            return .queued(id, originSeq: originSeq)
        case .duplicate(let previous):
            return .refused(
                Problem(
                    .duplicateSubmission, field: "$",
                    "the same report was written less than \(options.duplicateWindow) ago as \(previous); send it with \"again\": true if you mean to"
                ),
                detail: ["previous": .string(previous.rawValue)])
        case .full:
            return .refused(
                Problem(
                    .outboxFull, field: "outbox",
                    "the desk holds \(outbox.limits.capacity) reports the node has not accepted; the node may be unreachable"
                ), detail: [:])
        case .ready(let report):
            prepared = report
        }
        do {
            try submits.enqueue([prepared])
        } catch {
            logger.error("could not store a desk report", metadata: ["error": "\(error)"])
            return .refused(
                Problem(.storageFailure, field: "outbox", "could not store the report: \(error)"), detail: [:]
            )
        }
        let item = prepared.item
        logger.info(
            "desk report queued",
            metadata: [
                "report.id": "\(item.id)", "origin.seq": "\(item.originSeq)",
                "type": "\(document.body.type.rawValue)",
                "person": "\(document.author ?? "-")",
            ])
        flushOutbox()
        dirty = true
        return .queued(item.id, originSeq: item.originSeq)
    }

    func flushOutbox() {
        guard connected else { return }
        for report in submits.due(now: .now) { send(.submit(report)) }
    }

    /// Tells the requests waiting for these reports what the node answered (the pipeline
    /// has recorded the answers, resealed and queued again what needed it).
    func record(_ answers: [OutboxEvent]) {
        guard !answers.isEmpty else { return }
        for answer in answers {
            switch answer {
            case .accepted(let item, let ack):
                logger.info(
                    "desk report accepted",
                    metadata: ["report.id": "\(item.id)", "report.seq": "\(ack.sequence)"])
                notify(item.id)
            case .rejected(let item, _, _):
                notify(item.id)
            case .reseal, .resend:
                break
            }
        }
        dirty = true
    }

    /// The node says which origin sequence it expects next from NATIONAL. With nothing queued
    /// and a desk store younger than the node's log (a fresh `DIR/desk`), start there instead
    /// of walking up one refusal at a time.
    func adoptOriginSequence(_ next: UInt64) {
        let before = outbox.nextOriginSeq
        guard submits.adopt(nextOriginSeq: next) else { return }
        logger.notice(
            "the node expects a later origin sequence for NATIONAL; continuing from there",
            metadata: ["origin.seq": "\(next)", "desk.seq": "\(before)"])
    }

    func reportState(_ id: ReportID) -> JSONValue? {
        (try? journal.state(of: id)) ?? nil
    }

    /// Answers `oneShot` when the node has answered for `id`, or after `timeout`.
    func wait(for id: ReportID, within timeout: Duration, _ oneShot: OneShot<JSONValue?>) {
        let state = reportState(id)
        guard let current = state?["state"]?.stringValue, current == "queued" else {
            oneShot.resume(state)
            return
        }
        waiters.wait(oneShot, for: id)
        loop.after(timeout) { [weak self] in
            guard let self else { return }
            if self.waiters.remove(id, where: { $0 === oneShot }) { oneShot.resume(self.reportState(id)) }
        }
    }

    private func notify(_ id: ReportID) {
        let list = waiters.take(id)
        guard !list.isEmpty else { return }
        let state = reportState(id)
        for waiter in list { waiter.resume(state) }
    }
}
