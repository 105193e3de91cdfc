import DequeModule
import KnooppuntDomain
import KnooppuntProtocol

/// Limits of a daemon's outbox, named once.
public struct OutboxLimits: Sendable {
    /// Reports queued and not yet accepted; a full outbox refuses new reports (E501).
    public var capacity: Int
    /// Reports sent and not yet answered (the send window).
    public var window: Int
    /// Wait this long for an answer before sending again; doubles on every retry...
    public var firstRetry: Duration
    /// ...up to this cap. A queued report is never dropped by a retry limit.
    public var maxRetry: Duration

    public init(
        capacity: Int = 10_000, window: Int = 64, firstRetry: Duration = .seconds(2),
        maxRetry: Duration = .seconds(15)
    ) {
        self.capacity = capacity
        self.window = window
        self.firstRetry = firstRetry
        self.maxRetry = maxRetry
    }
}

/// A report in the outbox, waiting for the node's answer.
public struct QueuedReport: Sendable, Hashable {
    public let report: SealedReport
    /// When the operator handed it over (ms since 1970).
    public let queuedAt: Int64
    public var originSeq: UInt64 { report.envelope.originSeq }
    public var id: ReportID { report.id }

    public init(report: SealedReport, queuedAt: Int64) {
        self.report = report
        self.queuedAt = queuedAt
    }

    /// The same report (same id, the stored canonical `document`) sealed again with a new
    /// origin sequence, after the node said it had used the old one (E401, `OutboxEvent.reseal`).
    public func resealed<G: RandomNumberGenerator>(
        document: [UInt8], originSeq: UInt64, created: Timestamp, signingKey: SigningKey,
        codec: DocumentCodec, random: inout G
    ) throws -> QueuedReport {
        let parsed = try codec.decode(try DocumentReader.parseJSON(document, field: "$"))
        return QueuedReport(
            report: SealedReport.seal(
                parsed, id: id, origin: report.origin, originSeq: originSeq, created: created,
                signingKey: signingKey, codec: codec, random: &random),
            queuedAt: queuedAt)
    }
}

/// What the outbox asks its daemon to do.
public enum OutboxEvent: Sendable, Hashable {
    /// Persist: the report is accepted at (epoch, sequence).
    case accepted(QueuedReport, Ack)
    /// Persist: the node refused the report for good (its origin sequence is used up).
    case rejected(QueuedReport, code: ErrorCode, message: String)
    /// The node has already used this origin sequence for something else: seal the report
    /// again with a fresh origin sequence (same id) and queue it at the end.
    case reseal(QueuedReport)
    /// The node expects an origin sequence we had already seen answered: it lost reports it
    /// acknowledged (a store restored from an older copy; the retired pair did so under a
    /// partition). Take the reports from
    /// `from` up to the first still queued out of the store and ``restore(_:)`` them.
    case resend(from: UInt64, below: UInt64)
}

/// A daemon's outbox state machine: reports go out in origin order, within a window, and are
/// sent again with capped backoff until the node answers. No I/O and no clock of its own:
/// the daemon stores every report before ``enqueue(_:)`` and passes the time in.
public struct Outbox: Sendable {
    public let limits: OutboxLimits
    /// Queued reports in origin-sequence order; the first `inFlight` of them have been sent.
    public private(set) var queue: Deque<QueuedReport> = []
    private var inFlight = 0
    private var lastSendAt: ContinuousClock.Instant?
    private var retryDelay: Duration
    /// Rises each time the window is sent again from the front; an "out of order" answer to a
    /// send from an older round is stale and ignored, so one lost report causes one resend,
    /// not one per report behind it.
    private var round = 0
    /// A ``OutboxEvent/resend(from:below:)`` is being handled: do not ask again meanwhile.
    private var restoring = false
    /// E400 rounds in a row without an answer that made progress.
    private var outOfOrderStreak = 0
    /// Per report, the rounds of its sends the node has not answered yet, oldest first, as
    /// (round, sends). The node answers one connection's submits in order, so an answer
    /// belongs to the oldest: a resend must not make the answer to an earlier send look new.
    private var unanswered: [ReportID: [(round: Int, sends: Int)]] = [:]
    /// Rounds remembered per report; beyond this the oldest is forgotten (a bound, not a loss:
    /// the retry timer resends whatever an ignored answer leaves behind).
    private static let roundsRemembered = 8
    /// The origin sequence of the last report queued (persisted by the daemon).
    public private(set) var lastOriginSeq: UInt64

    public init(limits: OutboxLimits = OutboxLimits(), lastOriginSeq: UInt64, queued: [QueuedReport]) {
        self.limits = limits
        self.lastOriginSeq = max(lastOriginSeq, queued.map(\.originSeq).max() ?? 0)
        queue = Deque(queued.sorted { $0.originSeq < $1.originSeq })
        retryDelay = limits.firstRetry
    }

    public var backlog: Int { queue.count }
    public var isFull: Bool { queue.count >= limits.capacity }
    public var nextOriginSeq: UInt64 { lastOriginSeq + 1 }

    /// Age of the oldest queued report in ms at `now` (0 when the outbox is empty).
    public func oldestAge(now: Int64) -> Int64 { queue.map(\.queuedAt).min().map { max(0, now - $0) } ?? 0 }

    /// Adds a report sealed with ``nextOriginSeq``. Fails when full (the caller answers E501).
    public mutating func enqueue(_ item: QueuedReport) -> Bool {
        precondition(item.originSeq == lastOriginSeq + 1, "reports are queued in origin-sequence order")
        guard !isFull else { return false }
        queue.append(item)
        lastOriginSeq = item.originSeq
        return true
    }

    /// Reports to send now: the ones that fit in the window, or all outstanding ones again
    /// when the node has not answered within the retry delay.
    public mutating func due(now: ContinuousClock.Instant) -> [SealedReport] {
        if inFlight > 0, let lastSendAt, now - lastSendAt >= retryDelay {
            inFlight = 0
            retryDelay = min(retryDelay * 2, limits.maxRetry)
        }
        let end = min(queue.count, limits.window)
        guard inFlight < end else { return [] }
        let batch = queue[inFlight..<end].map(\.report)
        for report in batch { recordSend(report.id) }
        inFlight = end
        lastSendAt = now
        return batch
    }

    /// The connection to the node was (re)established: everything outstanding goes again.
    public mutating func connectionReset() {
        inFlight = 0
        round += 1
        // Answers to sends on the old connection never arrive.
        unanswered.removeAll()
        retryDelay = limits.firstRetry
    }

    public mutating func handle(_ ack: Ack, now: ContinuousClock.Instant) -> OutboxEvent? {
        guard let item = remove(ack.reportID) else { return nil }
        progress(now)
        return .accepted(item, ack)
    }

    /// A refusal for one of our reports. Returns what to persist, if anything.
    /// - Parameter expected: for E400, the origin sequence the node expects next.
    public mutating func handle(
        error code: ErrorCode, reportID: ReportID?, message: String, expected: UInt64? = nil,
        now: ContinuousClock.Instant
    ) -> OutboxEvent? {
        let answeredRound = reportID.flatMap { answer($0) }
        switch code {
        case .outOfOrder:
            // The node lacks reports we hold as answered: they must go again, before the queue.
            let front = queue.first?.originSeq ?? lastOriginSeq + 1
            if let expected, expected < front, !restoring {
                restoring = true
                return .resend(from: expected, below: front)
            }
            // An earlier report never arrived (a reconnect or a node restart lost it): send the
            // window again from the front, once per round.
            if let answeredRound, answeredRound < round { return nil }
            round += 1
            outOfOrderStreak += 1
            if outOfOrderStreak <= 1 {
                inFlight = 0
            } else {
                // The same gap again without progress: wait (doubling) before sending the
                // window again, so a node that cannot take our reports costs little.
                let wait = min(Duration.milliseconds(100) * (1 << min(outOfOrderStreak, 7)), limits.maxRetry)
                lastSendAt = now - retryDelay + wait
            }
            return nil
        case .rateLimited, .notActive, .fenced, .storageFailure, .nodeUnreachable, .originMismatch:
            // Transient (or our own configuration): keep the report, send again after the
            // retry delay. It stays visible as backlog.
            return nil
        case .staleOriginSequence:
            guard let reportID, let item = remove(reportID) else { return nil }
            return .reseal(item)
        default:
            guard let reportID, let item = remove(reportID) else { return nil }
            progress(now)
            return .rejected(item, code: code, message: message)
        }
    }

    /// A node's WELCOME says which origin sequence it expects from us next. Lower than the
    /// queue's front means it lacks reports it acknowledged earlier (a store restored from an
    /// older copy): they must go again even if we have nothing new.
    public mutating func welcomed(nextOriginSeq expected: UInt64) -> OutboxEvent? {
        let front = queue.first?.originSeq ?? lastOriginSeq + 1
        guard expected < front, !restoring else { return nil }
        restoring = true
        return .resend(from: expected, below: front)
    }

    /// Puts reports the node lost back at the front (their origin sequences come before the
    /// queue's), and sends the window again from there.
    public mutating func restore(_ items: [QueuedReport]) {
        restoring = false
        let front = queue.first?.originSeq ?? lastOriginSeq + 1
        let earlier = items.filter { $0.originSeq < front }.sorted { $0.originSeq < $1.originSeq }
        guard !earlier.isEmpty else { return }
        queue.insert(contentsOf: earlier, at: 0)
        round += 1
        inFlight = 0
    }

    /// Queues a resealed report (fresh origin sequence, same id) at the end.
    public mutating func requeue(_ item: QueuedReport) {
        precondition(item.originSeq == lastOriginSeq + 1, "a resealed report takes the next origin sequence")
        queue.append(item)
        lastOriginSeq = item.originSeq
    }

    /// The time until a retry is due, for the daemon's timer (nil when nothing is in flight).
    public func retryDue(now: ContinuousClock.Instant) -> Duration? {
        guard inFlight > 0, let lastSendAt else { return nil }
        return max(.zero, retryDelay - (now - lastSendAt))
    }

    private mutating func remove(_ id: ReportID) -> QueuedReport? {
        guard let index = queue.firstIndex(where: { $0.id == id }) else { return nil }
        unanswered.removeValue(forKey: id)
        if index < inFlight { inFlight -= 1 }
        return queue.remove(at: index)
    }

    private mutating func recordSend(_ id: ReportID) {
        var rounds = unanswered[id] ?? []
        if let last = rounds.last, last.round == round {
            rounds[rounds.count - 1].sends += 1
        } else {
            rounds.append((round, 1))
            if rounds.count > Self.roundsRemembered { rounds.removeFirst() }
        }
        unanswered[id] = rounds
    }

    /// The round of the send an answer for `id` belongs to (nil when none is remembered).
    private mutating func answer(_ id: ReportID) -> Int? {
        guard var rounds = unanswered[id], let oldest = rounds.first else { return nil }
        if oldest.sends > 1 {
            rounds[0].sends -= 1
        } else {
            rounds.removeFirst()
        }
        unanswered[id] = rounds.isEmpty ? nil : rounds
        return oldest.round
    }

    /// An answer arrived: the retry clock starts again from now.
    private mutating func progress(_ now: ContinuousClock.Instant) {
        retryDelay = limits.firstRetry
        outOfOrderStreak = 0
        lastSendAt = inFlight > 0 ? now : nil
    }
}
