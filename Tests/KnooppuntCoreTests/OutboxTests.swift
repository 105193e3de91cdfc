import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import StrictJSON
import Testing

extension [SealedReport] {
    /// What a failed expectation should print: the origin sequences, not the envelopes.
    var originSeqs: [UInt64] { map(\.envelope.originSeq) }
}

@Suite("Outbox")
struct OutboxTests {
    /// One instant all times are measured from; only differences matter.
    static let t0 = ContinuousClock.now

    static func at(_ seconds: Double) -> ContinuousClock.Instant {
        t0 + .milliseconds(Int64(seconds * 1_000))
    }

    /// An outbox with `count` VR09 reports queued at 1,000 ms apart.
    static func outbox(
        _ network: Network, count: Int, window: Int = 3, capacity: Int = 100,
        firstRetry: Duration = .seconds(2),
        maxRetry: Duration = .seconds(5)
    ) -> Outbox {
        var outbox = Outbox(
            limits: OutboxLimits(
                capacity: capacity, window: window, firstRetry: firstRetry, maxRetry: maxRetry),
            lastOriginSeq: 0, queued: [])
        for n in 1...count {
            let report = network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: UInt64(n))
            let queued = outbox.enqueue(QueuedReport(report: report, queuedAt: Int64(n) * 1_000))
            #expect(queued)
        }
        return outbox
    }

    static func isResend(_ event: OutboxEvent?, from: UInt64, below: UInt64) -> Bool {
        guard case .resend(let start, let end)? = event else { return false }
        return start == from && end == below
    }

    static func ack(_ report: SealedReport, sequence: SequenceNumber) -> Ack {
        Ack(reportID: report.id, epoch: 1, sequence: sequence, originSeq: report.envelope.originSeq)
    }

    @Test("the window limits what is in flight")
    func window() {
        var outbox = Self.outbox(Network(), count: 5)
        let sent = outbox.due(now: Self.at(0))
        #expect(sent.originSeqs == [1, 2, 3])
        #expect(outbox.due(now: Self.at(0.5)).originSeqs == [])
        #expect(outbox.backlog == 5)
    }

    @Test("an ACK frees a place in the window and is reported as accepted")
    func ackFreesWindow() throws {
        var outbox = Self.outbox(Network(), count: 5)
        let sent = outbox.due(now: Self.at(0))
        let event = outbox.handle(Self.ack(sent[0], sequence: 10), now: Self.at(0.1))
        guard case .accepted(let item, let ack)? = event else {
            Issue.record("expected accepted, got \(String(describing: event))")
            return
        }
        #expect(item.id == sent[0].id)
        #expect(ack.sequence == 10)
        #expect(outbox.backlog == 4)
        #expect(outbox.due(now: Self.at(0.2)).originSeqs == [4])
        #expect(outbox.due(now: Self.at(0.3)).originSeqs == [])
        // An ACK for a report no longer queued changes nothing.
        #expect(outbox.handle(Self.ack(sent[0], sequence: 10), now: Self.at(0.4)) == nil)
        #expect(outbox.backlog == 4)
    }

    @Test("without an answer everything outstanding goes again, the delay doubling up to maxRetry")
    func retryBackoff() {
        var outbox = Self.outbox(Network(), count: 5)
        #expect(outbox.due(now: Self.at(0)).count == 3)
        #expect(outbox.retryDue(now: Self.at(0)) == .seconds(2))
        #expect(outbox.due(now: Self.at(1.999)).originSeqs == [])
        // 2 s: first retry; the next waits 4 s, then 5 s (the cap), then 5 s again.
        var sendTimes: [Int64] = []
        for millisecond in Int64(1)...60_000 where sendTimes.count < 4 {
            let batch = outbox.due(now: Self.t0 + .milliseconds(millisecond))
            if !batch.isEmpty {
                #expect(batch.originSeqs == [1, 2, 3])
                sendTimes.append(millisecond)
            }
        }
        #expect(sendTimes == [2_000, 6_000, 11_000, 16_000])
        #expect(outbox.retryDue(now: Self.at(16)) == .seconds(5))
        #expect(outbox.backlog == 5)
    }

    @Test("an answer resets the retry delay to the first one")
    func progressResetsBackoff() {
        var outbox = Self.outbox(Network(), count: 5)
        let sent = outbox.due(now: Self.at(0))
        #expect(outbox.due(now: Self.at(2)).count == 3)
        #expect(outbox.due(now: Self.at(6)).count == 3)
        #expect(outbox.retryDue(now: Self.at(6)) == .seconds(5))

        _ = outbox.handle(Self.ack(sent[0], sequence: 1), now: Self.at(7))
        #expect(outbox.retryDue(now: Self.at(7)) == .seconds(2))
        #expect(outbox.due(now: Self.at(7)).originSeqs == [4])
        #expect(outbox.due(now: Self.at(8.999)).originSeqs == [])
        #expect(outbox.due(now: Self.at(9)).originSeqs == [2, 3, 4])
    }

    @Test(
        "E400 from the newest round resends the window once from the front; older rounds' E400s are ignored")
    func outOfOrderOncePerRound() {
        var outbox = Self.outbox(Network(), count: 3)
        let sent = outbox.due(now: Self.at(0))
        // Report 1 was lost: the node answers 2 and 3 with E400.
        #expect(
            outbox.handle(error: .outOfOrder, reportID: sent[1].id, message: "", now: Self.at(0.1)) == nil)
        #expect(outbox.due(now: Self.at(0.1)).originSeqs == [1, 2, 3])
        // The answer to the first send of 3 arrives after the resend: stale.
        #expect(
            outbox.handle(error: .outOfOrder, reportID: sent[2].id, message: "", now: Self.at(0.2)) == nil)
        #expect(outbox.due(now: Self.at(0.2)).originSeqs == [])

        // The resent reports are answered with E400 again (no progress): this round resends too,
        // but only after a wait that doubles with every such round (100 ms × 2², here).
        #expect(
            outbox.handle(error: .outOfOrder, reportID: sent[1].id, message: "", now: Self.at(0.3)) == nil)
        #expect(outbox.due(now: Self.at(0.3)).originSeqs == [])
        #expect(outbox.due(now: Self.at(0.7)).originSeqs == [1, 2, 3])
    }

    @Test("reports the node acknowledged and then lost go again, before the queue, once")
    func lostAfterAck() {
        let network = Network()
        var outbox = Self.outbox(network, count: 5, window: 5)
        let sent = outbox.due(now: Self.at(0))
        for (index, report) in sent.prefix(4).enumerated() {
            _ = outbox.handle(Self.ack(report, sequence: UInt64(index + 1)), now: Self.at(0.1))
        }
        // A WELCOME that expects what we would send next asks for nothing.
        #expect(outbox.welcomed(nextOriginSeq: 5) == nil)
        // The active after a partition holds reports up to 2 only: 3 and 4 must go again.
        #expect(Self.isResend(outbox.welcomed(nextOriginSeq: 3), from: 3, below: 5))
        // While the daemon fetches them from its store, neither a WELCOME nor an E400 asks twice.
        #expect(outbox.welcomed(nextOriginSeq: 3) == nil)
        #expect(
            !Self.isResend(
                outbox.handle(
                    error: .outOfOrder, reportID: sent[4].id, message: "", expected: 3, now: Self.at(0.2)),
                from: 3, below: 5))
        outbox.restore(sent[2...3].enumerated().map { QueuedReport(report: $1, queuedAt: Int64($0)) })
        #expect(outbox.due(now: Self.at(0.3)).originSeqs == [3, 4, 5])
        // Once restored, a later loss is asked for again.
        #expect(Self.isResend(outbox.welcomed(nextOriginSeq: 1), from: 1, below: 3))
    }

    @Test("a whole window of E400s behind one lost report causes exactly one resend")
    func oneResendPerLoss() {
        var outbox = Self.outbox(Network(), count: 8, window: 8)
        let sent = outbox.due(now: Self.at(0))
        var resends = 0
        // The daemon reads answers one at a time and flushes its outbox after each.
        for report in sent.dropFirst() {
            _ = outbox.handle(error: .outOfOrder, reportID: report.id, message: "", now: Self.at(0.1))
            if !outbox.due(now: Self.at(0.1)).isEmpty { resends += 1 }
        }
        #expect(resends == 1)
    }

    @Test("a refusal (E402) removes the report as rejected and frees its place")
    func rejection() {
        var outbox = Self.outbox(Network(), count: 4)
        let sent = outbox.due(now: Self.at(0))
        let event = outbox.handle(
            error: .unknownIncident, reportID: sent[1].id, message: "incident unknown", now: Self.at(0.1))
        guard case .rejected(let item, let code, let message)? = event else {
            Issue.record("expected rejected, got \(String(describing: event))")
            return
        }
        #expect(item.id == sent[1].id)
        #expect(code == .unknownIncident)
        #expect(message == "incident unknown")
        #expect(outbox.queue.map(\.originSeq) == [1, 3, 4])
        #expect(outbox.due(now: Self.at(0.2)).originSeqs == [4])
    }

    @Test("transient refusals keep the report queued")
    func transient() {
        var outbox = Self.outbox(Network(), count: 2)
        let sent = outbox.due(now: Self.at(0))
        for code in [ErrorCode.rateLimited, .notActive, .fenced, .storageFailure] {
            #expect(outbox.handle(error: code, reportID: sent[0].id, message: "", now: Self.at(0.1)) == nil)
        }
        #expect(outbox.backlog == 2)
    }

    @Test("E401 asks for a reseal; the resealed report takes the next origin sequence at the end")
    func reseal() throws {
        let network = Network()
        var outbox = Self.outbox(network, count: 3)
        let sent = outbox.due(now: Self.at(0))
        let event = outbox.handle(
            error: .staleOriginSequence, reportID: sent[0].id, message: "", now: Self.at(0.1))
        guard case .reseal(let item)? = event else {
            Issue.record("expected reseal, got \(String(describing: event))")
            return
        }
        #expect(item.id == sent[0].id)
        #expect(outbox.backlog == 2)
        #expect(outbox.nextOriginSeq == 4)

        // Sealed again from the stored canonical document, as the daemon and the desk do.
        let document = try item.report.document(codec: network.codec)
        var random = SystemRandomNumberGenerator()
        let resealed = try item.resealed(
            document: JSONWriter.canonical(network.codec.encode(document)), originSeq: outbox.nextOriginSeq,
            created: Timestamp(millisecondsSinceEpoch: 1_764_500_000_000),
            signingKey: network.signingKeys[Org.vr09]!,
            codec: network.codec, random: &random)
        #expect(resealed.id == item.id)
        #expect(resealed.queuedAt == item.queuedAt)
        #expect(resealed.report.origin == Org.vr09)
        #expect(try resealed.report.document(codec: network.codec) == document)
        #expect(resealed.report.verifySignature(with: network.verifyingKeys[Org.vr09]!))
        outbox.requeue(resealed)
        #expect(outbox.queue.map(\.originSeq) == [2, 3, 4])
        #expect(outbox.queue.last?.id == item.id)
        #expect(outbox.due(now: Self.at(0.2)).originSeqs == [4])
    }

    @Test("a full outbox refuses a new report")
    func capacity() {
        let network = Network()
        var outbox = Self.outbox(network, count: 2, capacity: 2)
        #expect(outbox.isFull)
        let third = network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 3)
        let refused = !outbox.enqueue(QueuedReport(report: third, queuedAt: 3_000))
        #expect(refused)
        #expect(outbox.backlog == 2)
        #expect(outbox.nextOriginSeq == 3)

        let sent = outbox.due(now: Self.at(0))
        _ = outbox.handle(Self.ack(sent[0], sequence: 1), now: Self.at(0.1))
        let queued = outbox.enqueue(QueuedReport(report: third, queuedAt: 3_000))
        #expect(queued)
    }

    @Test("the age of the oldest queued report is visible, and zero when nothing is queued")
    func oldestAge() {
        var outbox = Self.outbox(Network(), count: 2)
        #expect(outbox.oldestAge(now: 5_000) == 4_000)
        let sent = outbox.due(now: Self.at(0))
        _ = outbox.handle(Self.ack(sent[0], sequence: 1), now: Self.at(0.1))
        #expect(outbox.oldestAge(now: 5_000) == 3_000)
        _ = outbox.handle(Self.ack(sent[1], sequence: 2), now: Self.at(0.2))
        #expect(outbox.oldestAge(now: 5_000) == 0)
        #expect(outbox.retryDue(now: Self.at(0.3)) == nil)
    }

    @Test("a reconnect sends everything outstanding again at once")
    func connectionReset() {
        var outbox = Self.outbox(Network(), count: 5)
        #expect(outbox.due(now: Self.at(0)).count == 3)
        outbox.connectionReset()
        #expect(outbox.due(now: Self.at(0.1)).originSeqs == [1, 2, 3])
        #expect(outbox.retryDue(now: Self.at(0.1)) == .seconds(2))
    }

    @Test("a restarted outbox resumes from its stored reports in origin order")
    func restart() {
        let network = Network()
        let reports = (1...3).map {
            QueuedReport(
                report: network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: UInt64($0)),
                queuedAt: Int64($0))
        }
        var outbox = Outbox(lastOriginSeq: 1, queued: reports.reversed())
        #expect(outbox.nextOriginSeq == 4)
        #expect(outbox.due(now: Self.at(0)).originSeqs == [1, 2, 3])
    }
}
