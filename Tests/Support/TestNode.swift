import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// The national node in miniature: the coordinator, a log of what it decided (the lookup the
/// node's store answers), and the picture of every view. What the node server does between a
/// submit and a publish, without sockets or SQLite.
public struct TestNode {
    public var coordinator: Coordinator
    public var picture = Picture(views: Picture.allViews)
    public var log: [ReportID: PastOutcome] = [:]
    public var accepted: [(update: Update, document: ReportDocument)] = []
    public var rejected: [Rejection] = []
    /// The node's wall clock (ms since 1970), one second per submit.
    public var clock: Int64 = 1_552_902_300_000

    public init(_ network: Network, epoch: Epoch = 1) {
        coordinator = network.coordinator(epoch: epoch)
    }

    /// Offers a report over a connection authenticated as `sender` (the report's origin when
    /// not given) and records the decision the way the node's store would.
    @discardableResult
    public mutating func submit(
        _ report: SealedReport, from sender: OrganisationCode? = nil
    ) -> SubmitDecision {
        let sender = sender ?? report.origin
        let past = log
        clock += 1_000
        let decision = coordinator.decide(report, sender: sender, now: clock) { past[$0] }
        switch decision {
        case .accept(let update, let document):
            log[report.id] = .accepted(
                Ack(
                    reportID: report.id, epoch: update.epoch, sequence: update.sequence,
                    originSeq: report.envelope.originSeq, duplicate: true),
                origin: sender)
            picture.apply(update)
            accepted.append((update, document))
        case .rejectAndConsume(let rejection):
            log[report.id] = .rejected(rejection)
            rejected.append(rejection)
        case .refuse, .repeatOutcome:
            break
        }
        return decision
    }

    /// Offers a report that must be accepted; returns its update.
    @discardableResult
    public mutating func accept(
        _ report: SealedReport, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Update {
        let decision = submit(report)
        return try #require(
            decision.update, "expected an accept, got \(decision)", sourceLocation: sourceLocation)
    }
}

extension SubmitDecision {
    public var update: Update? {
        if case .accept(let update, _) = self { return update }
        return nil
    }

    /// The code of a refusal that leaves the origin sequence unused.
    public var refusal: ErrorCode? {
        if case .refuse(_, let problem, _) = self { return problem.code }
        return nil
    }

    public var refusalDetail: JSONValue? {
        if case .refuse(_, _, let detail) = self { return detail }
        return nil
    }

    /// The code of a refusal that uses up the origin sequence.
    public var consumed: ErrorCode? {
        if case .rejectAndConsume(let rejection) = self { return rejection.problem.code }
        return nil
    }

    public var repeated: PastOutcome? {
        if case .repeatOutcome(let outcome) = self { return outcome }
        return nil
    }
}
