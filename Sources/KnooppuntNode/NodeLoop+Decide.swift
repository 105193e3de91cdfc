import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// Deciding submits: their signatures and documents checked on every core, then each decided
/// in the order it came.
extension NodeLoop {
    /// Submits gathered before they are checked together: enough to keep every core busy, few
    /// enough that the decide budget is still kept to within a few milliseconds.
    static let contentCheckChunk = 64
    /// Below this many reports the checks run on the loop's thread: handing them over costs more.
    static let parallelCheckMinimum = 4

    /// Checks the gathered submits' signatures and documents at once on every core (the
    /// checks need no state), then decides each in order, and empties `submits`.
    func decideInOrder(
        _ submits: inout [(report: SealedReport, session: Session)], now: Int64, pending: inout Pending
    ) {
        guard !submits.isEmpty else { return }
        // One copy of the coordinator for the batch: a method called on the loop's stored
        // property copies the whole value (every reference it holds retained) at each call.
        let coordinator = coordinator
        let wanted = submits.map { coordinator.wantsContentCheck($0.report, sender: $0.session.organisation) }
        let work: [(report: SealedReport, sender: OrganisationCode, keys: SigningKeySet?)] = submits.map {
            ($0.report, $0.session.organisation, coordinator.signingKeys[$0.session.organisation])
        }
        let documents = coordinator.codec
        let roots = verifiedRoots
        var checks = [Result<CheckedContent, Problem>?](repeating: nil, count: work.count)
        @Sendable func check(_ index: Int) -> Result<CheckedContent, Problem>? {
            guard wanted[index] else { return nil }
            let item = work[index]
            return Coordinator.checkContent(
                item.report, sender: item.sender, keys: item.keys, codec: documents, roots: roots)
        }
        func run(_ indices: [Int]) {
            if indices.count(where: { wanted[$0] }) < Self.parallelCheckMinimum {
                for index in indices { checks[index] = check(index) }
                return
            }
            checks.withUnsafeMutableBufferPointer { buffer in
                // Each iteration writes only its own slot.
                nonisolated(unsafe) let slots = buffer
                DispatchQueue.concurrentPerform(iterations: indices.count) { position in
                    slots[indices[position]] = check(indices[position])
                }
            }
        }
        // The reports of one sealed batch arrive together. The first of each is checked before
        // the others, so its root is verified once and the rest find it in `roots`, instead of
        // every core verifying the same root at the same moment.
        let leads = BatchSeal.firstOfEachBatch(work.map { ($0.report, $0.sender) })
        run(work.indices.filter { leads[$0] })
        run(work.indices.filter { !leads[$0] })
        // What the log says about each of these ids, read in one transaction: the store does
        // not change until the batch commits, and decisions made since are in `pending`.
        let known: [ReportID: PastOutcome?]
        do {
            known = try store.outcomes(of: submits.map(\.report.id))
        } catch {
            storageFailed(error)
        }
        for (index, submit) in submits.enumerated() {
            decide(
                submit.report, from: submit.session, now: now, checked: checks[index], known: known,
                pending: &pending)
        }
        submits.removeAll(keepingCapacity: true)
    }

    private func decide(
        _ report: SealedReport, from session: Session, now: Int64, checked: Result<CheckedContent, Problem>?,
        known: [ReportID: PastOutcome?], pending: inout Pending
    ) {
        let decision = coordinator.decide(
            report, sender: session.organisation, now: now, checked: checked,
            lookup: { id in
                if let outcome = pending.outcomes[id] { return outcome }
                if let outcome = known[id] { return outcome }
                do {
                    return try store.outcome(of: id)
                } catch {
                    storageFailed(error)
                }
            },
            signals: { id in signalEnvelope(id, pending: pending) })
        switch decision {
        case .accept(let update, let document):
            pending.accepted.append((session.routingID, update, document))
            pending.outcomes[report.id] = .accepted(
                Ack(
                    reportID: report.id, epoch: update.epoch, sequence: update.sequence,
                    originSeq: report.envelope.originSeq, duplicate: true),
                origin: session.organisation)
        case .rejectAndConsume(let rejection):
            let record = RejectionRecord(
                rejection: rejection, epoch: epoch, afterSequence: coordinator.lastSequence, at: now)
            pending.rejected.append((session.routingID, record))
            pending.outcomes[report.id] = .rejected(rejection)
            count(rejection.problem.code)
            logger.notice(
                "report refused",
                metadata: [
                    "org": "\(session.organisation)", "report.id": "\(report.id)",
                    "error.code": "\(rejection.problem.code.rawValue)", "error": "\(rejection.problem)",
                ])
        case .refuse(let id, let problem, let detail):
            logger.notice(
                "report refused",
                metadata: [
                    "org": "\(session.organisation)", "report.id": "\(id?.rawValue ?? "-")",
                    "error.code": "\(problem.code.rawValue)", "error": "\(problem)",
                ])
            refuse(session.routingID, id, problem, detail: detail, from: session.organisation)
        case .repeatOutcome(let outcome):
            pending.repeats.append((session.routingID, outcome))
        }
    }
}
