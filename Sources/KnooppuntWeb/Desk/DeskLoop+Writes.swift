import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

// The desk officers' write path: a document is checked, sealed as NATIONAL with the next
// origin sequence, stored in the desk's journal (durable) and only then queued; the outbox
// sends it until the node answers, across reconnects and desk restarts, exactly as a daemon
// does for its operators.

extension DeskLoop {
    func submit(_ document: ReportDocument, again: Bool) -> DeskWriteOutcome {
        let wall = Self.wallClock()
        if let id = document.id, let known = try? journal.state(of: id) {
            // The same report sent again (a retry after a timeout): it is already queued.
            let originSeq = known["originSeq"]?.integerValue.map { UInt64($0) } ?? 0
            return .queued(id, originSeq: originSeq)
        }
        var withoutID = document
        withoutID.id = nil
        // SHA-256 through the protocol's digest (this module does not link swift-crypto itself).
        let bodyHash = Hex.encode(
            SealedReport.digest(
                salt: [], name: "body", content: JSONWriter.canonical(documentCodec.encode(withoutID))))
        if !again {
            let since = wall - options.duplicateWindow.components.seconds * 1000
            if let previous = try? journal.recentReport(bodyHash: bodyHash, since: since) {
                return .refused(
                    Problem(
                        .duplicateSubmission, field: "$",
                        "the same report was written less than \(options.duplicateWindow) ago as \(previous); send it with \"again\": true if you mean to"
                    ),
                    detail: ["previous": .string(previous.rawValue)])
            }
        }
        guard !outbox.isFull else {
            return .refused(
                Problem(
                    .outboxFull, field: "outbox",
                    "the desk holds \(outbox.limits.capacity) reports the node has not accepted; the node may be unreachable"
                ), detail: [:])
        }
        let id = document.id ?? ReportID.random(using: &random)
        let item = QueuedReport(
            report: SealedReport.seal(
                document, id: id, origin: .national, originSeq: outbox.nextOriginSeq,
                created: Timestamp(millisecondsSinceEpoch: wall).inAmsterdam, signingKey: secrets.signing,
                codec: documentCodec, random: &random),
            queuedAt: wall)
        do {
            try journal.enqueue(
                item, document: JSONWriter.canonical(documentCodec.encode(document)), bodyHash: bodyHash)
        } catch {
            logger.error("could not store a desk report", metadata: ["error": "\(error)"])
            return .refused(
                Problem(.storageFailure, field: "outbox", "could not store the report: \(error)"), detail: [:]
            )
        }
        precondition(outbox.enqueue(item), "capacity was checked before sealing")
        logger.info(
            "desk report queued",
            metadata: [
                "report.id": "\(id)", "origin.seq": "\(item.originSeq)",
                "type": "\(document.body.type.rawValue)",
                "person": "\(document.author ?? "-")",
            ])
        flushOutbox()
        dirty = true
        return .queued(id, originSeq: item.originSeq)
    }

    func flushOutbox() {
        guard connected else { return }
        for report in outbox.due(now: .now) { send(.submit(report)) }
    }

    /// Stores the node's answers, reseals stale reports and tells waiting requests.
    func record(_ answers: [OutboxEvent], at wall: Int64) {
        guard !answers.isEmpty else { return }
        do {
            try journal.record(answers, at: wall)
        } catch {
            // Without the record the report would be sent again after a restart and answered
            // as a duplicate: nothing is lost, so keep serving the picture.
            logger.error("could not record the node's answers", metadata: ["error": "\(error)"])
        }
        for answer in answers {
            switch answer {
            case .accepted(let item, let ack):
                logger.info(
                    "desk report accepted",
                    metadata: ["report.id": "\(item.id)", "report.seq": "\(ack.sequence)"])
                notify(item.id)
            case .rejected(let item, let code, let message):
                logger.notice(
                    "desk report refused by the node",
                    metadata: [
                        "report.id": "\(item.id)", "error.code": "\(code.rawValue)", "error": "\(message)",
                    ])
                notify(item.id)
            case .reseal(let item):
                reseal(item)
            case .resend(let from, let below):
                do {
                    let items = try journal.requeue(from: from, below: below)
                    outbox.restore(items)
                    logger.warning(
                        "the national node lost desk reports it had acknowledged alone; sending them again",
                        metadata: ["origin.seq": "\(from)..<\(below)", "reports": "\(items.count)"])
                } catch {
                    logger.error("could not queue desk reports again", metadata: ["error": "\(error)"])
                }
            }
        }
        dirty = true
    }

    private func reseal(_ item: QueuedReport) {
        do {
            guard let bytes = try journal.document(of: item.id) else { return }
            let resealed = try item.resealed(
                document: bytes, originSeq: outbox.nextOriginSeq,
                created: Timestamp(millisecondsSinceEpoch: Self.wallClock()).inAmsterdam,
                signingKey: secrets.signing, codec: documentCodec, random: &random)
            try journal.reseal(resealed)
            outbox.requeue(resealed)
            logger.warning(
                "the node had used this report's origin sequence already; sent again with a new one",
                metadata: ["report.id": "\(item.id)", "origin.seq": "\(resealed.originSeq)"])
        } catch {
            logger.error(
                "could not reseal a desk report", metadata: ["report.id": "\(item.id)", "error": "\(error)"])
        }
    }

    /// The node says which origin sequence it expects next from NATIONAL. With nothing queued
    /// and a desk store younger than the node's log (a fresh `DIR/desk`), start there instead
    /// of walking up one refusal at a time.
    func adoptOriginSequence(_ next: UInt64) {
        guard outbox.backlog == 0, next > outbox.nextOriginSeq else { return }
        logger.notice(
            "the node expects a later origin sequence for NATIONAL; continuing from there",
            metadata: ["origin.seq": "\(next)", "desk.seq": "\(outbox.nextOriginSeq)"])
        outbox = Outbox(limits: options.outbox, lastOriginSeq: next - 1, queued: [])
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
        waiters[id, default: []].append(oneShot)
        loop.after(timeout) { [weak self] in
            guard let self else { return }
            if var list = self.waiters[id], let index = list.firstIndex(where: { $0 === oneShot }) {
                list.remove(at: index)
                self.waiters[id] = list.isEmpty ? nil : list
                oneShot.resume(self.reportState(id))
            }
        }
    }

    private func notify(_ id: ReportID) {
        guard let list = waiters.removeValue(forKey: id) else { return }
        let state = reportState(id)
        for waiter in list { waiter.resume(state) }
    }
}
