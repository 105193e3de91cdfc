import Crypto
import KnooppuntClient
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Logging
import StrictJSON
import Testing

/// An outbox storage in memory: what the pipeline stored, and nothing durable.
final class MemoryStorage: OutboxStorage {
    var lastOriginSeq: UInt64 = 0
    var stored: [ReportID: PreparedReport] = [:]
    var bodies: [(hash: String, id: ReportID, at: Int64)] = []
    var recorded: [OutboxEvent] = []

    func loadQueue() throws -> (lastOriginSeq: UInt64, queued: [QueuedReport]) { (lastOriginSeq, []) }
    func enqueue(prepared: [PreparedReport]) throws {
        for report in prepared {
            stored[report.item.id] = report
            bodies.append((report.bodyHash, report.item.id, report.item.queuedAt))
            lastOriginSeq = max(lastOriginSeq, report.item.originSeq)
        }
    }
    func record(_ events: [OutboxEvent], at now: Int64) throws { recorded += events }
    func reseal(_ item: QueuedReport) throws { lastOriginSeq = max(lastOriginSeq, item.originSeq) }
    func requeue(from: UInt64, below: UInt64) throws -> [QueuedReport] { [] }
    func document(of id: ReportID) throws -> [UInt8]? { stored[id]?.document }
    func recentReport(bodyHash: String, since: Int64) throws -> ReportID? {
        bodies.last { $0.hash == bodyHash && $0.at >= since }?.id
    }
    func originSeq(of id: ReportID) throws -> UInt64? { stored[id]?.item.originSeq }
}

@Suite("Submit pipeline")
struct SubmitPipelineTests {
    static let incident = IncidentID("VR09-20190318-01")!
    static let wall: Int64 = 1_552_902_300_000

    static func sitrep(_ text: String = "Brandweer ter plaatse") -> ReportDocument {
        ReportDocument(
            body: .sitrep(
                Sitrep(
                    incident: incident,
                    beeld: [.brw: DisciplinePicture(text: text, classification: .partners)],
                    oordeel: nil, communicatie: nil, confidence: .medium, verification: .unconfirmed)))
    }

    static func pipeline(_ storage: MemoryStorage, capacity: Int = 10) throws -> SubmitPipeline {
        try SubmitPipeline(
            storage: storage, origin: OrganisationCode("VR09")!, signingKey: .generate(),
            limits: OutboxLimits(
                capacity: capacity, window: 3, firstRetry: .seconds(2), maxRetry: .seconds(5)),
            duplicateWindow: .seconds(60), logger: Logger(label: "test"), storageFailed: { _, _ in })
    }

    @Test func theBodyHashIsTheSHA256OfTheCanonicalDocumentWithoutItsID() {
        var document = Self.sitrep()
        let codec = DocumentCodec()
        let plain = Hex.encode(SHA256.hash(data: JSONWriter.canonical(codec.encode(document))))
        #expect(SubmitPipeline.bodyHash(document) == plain)
        document.id = ReportID("0a1b2c3d-0000-4000-8000-000000000001")
        #expect(SubmitPipeline.bodyHash(document) == plain)
    }

    @Test func aReportIsSealedWithTheNextOriginSequenceAndStoredBeforeItIsQueued() throws {
        let storage = MemoryStorage()
        let pipeline = try Self.pipeline(storage)
        guard case .ready(let first) = pipeline.prepare(Self.sitrep("a"), again: false, wall: Self.wall)
        else {
            Issue.record("not prepared")
            return
        }
        guard
            case .ready(let second) = pipeline.prepare(
                Self.sitrep("b"), again: false, after: [first], wall: Self.wall)
        else {
            Issue.record("not prepared")
            return
        }
        #expect(first.item.originSeq == 1)
        #expect(second.item.originSeq == 2)
        #expect(pipeline.outbox.backlog == 0)
        try pipeline.enqueue([first, second])
        #expect(storage.stored.count == 2)
        #expect(pipeline.outbox.backlog == 2)
        #expect(pipeline.due(now: .now).map(\.envelope.originSeq) == [1, 2])
    }

    @Test func theSameBodyWithinTheWindowIsRefusedUnlessSentAgain() throws {
        let storage = MemoryStorage()
        let pipeline = try Self.pipeline(storage)
        guard case .ready(let first) = pipeline.prepare(Self.sitrep(), again: false, wall: Self.wall) else {
            Issue.record("not prepared")
            return
        }
        // Within the same round, before it is stored.
        guard
            case .duplicate(let previous) = pipeline.prepare(
                Self.sitrep(), again: false, after: [first], wall: Self.wall)
        else {
            Issue.record("not refused as a duplicate")
            return
        }
        #expect(previous == first.item.id)
        try pipeline.enqueue([first])
        guard case .duplicate = pipeline.prepare(Self.sitrep(), again: false, wall: Self.wall + 1_000) else {
            Issue.record("not refused as a duplicate")
            return
        }
        guard case .ready = pipeline.prepare(Self.sitrep(), again: true, wall: Self.wall + 1_000) else {
            Issue.record("again was refused")
            return
        }
        guard case .ready = pipeline.prepare(Self.sitrep(), again: false, wall: Self.wall + 61_000) else {
            Issue.record("refused after the window")
            return
        }
    }

    @Test func aReportHandedOverAgainByIDIsKnownNotSealedTwice() throws {
        let storage = MemoryStorage()
        let pipeline = try Self.pipeline(storage)
        var document = Self.sitrep()
        document.id = ReportID("0a1b2c3d-0000-4000-8000-000000000001")
        guard case .ready(let first) = pipeline.prepare(document, again: false, wall: Self.wall) else {
            Issue.record("not prepared")
            return
        }
        try pipeline.enqueue([first])
        guard case .known(let id, let originSeq) = pipeline.prepare(document, again: true, wall: Self.wall)
        else {
            Issue.record("not known")
            return
        }
        #expect(id == document.id)
        #expect(originSeq == 1)
    }

    @Test func aFullOutboxRefusesCountingTheRound() throws {
        let pipeline = try Self.pipeline(MemoryStorage(), capacity: 1)
        guard case .ready(let first) = pipeline.prepare(Self.sitrep("a"), again: false, wall: Self.wall)
        else {
            Issue.record("not prepared")
            return
        }
        guard case .full = pipeline.prepare(Self.sitrep("b"), again: false, after: [first], wall: Self.wall)
        else {
            Issue.record("not refused as full")
            return
        }
    }

    @Test func anAckIsRecordedAndReturnedForWhoeverWaits() throws {
        let storage = MemoryStorage()
        let pipeline = try Self.pipeline(storage)
        guard case .ready(let first) = pipeline.prepare(Self.sitrep(), again: false, wall: Self.wall) else {
            Issue.record("not prepared")
            return
        }
        try pipeline.enqueue([first])
        _ = pipeline.due(now: .now)
        pipeline.handle(.ack(Ack(reportID: first.item.id, epoch: 1, sequence: 7, originSeq: 1)), now: .now)
        let events = pipeline.recordAnswers(at: Self.wall)
        #expect(events.count == 1)
        #expect(storage.recorded.count == 1)
        #expect(pipeline.outbox.backlog == 0)
        #expect(pipeline.recordAnswers(at: Self.wall).isEmpty)
    }

    @Test func aFreshStoreAdoptsTheNodesOriginSequenceOnlyWhenEmpty() throws {
        let pipeline = try Self.pipeline(MemoryStorage())
        #expect(pipeline.adopt(nextOriginSeq: 42))
        #expect(pipeline.outbox.nextOriginSeq == 42)
        #expect(!pipeline.adopt(nextOriginSeq: 10))
    }
}

@Suite("Outcome waiters")
struct OutcomeWaitersTests {
    static let a = ReportID("0a1b2c3d-0000-4000-8000-00000000000a")!
    static let b = ReportID("0a1b2c3d-0000-4000-8000-00000000000b")!
    static let c = ReportID("0a1b2c3d-0000-4000-8000-00000000000c")!

    @Test func everyoneWaitingForAReportHearsOnceThenNobodyWaits() {
        var waiters = OutcomeWaiters<Int>()
        waiters.wait(1, for: Self.a)
        waiters.wait(2, for: Self.a)
        #expect(waiters.take(Self.a) == [1, 2])
        #expect(waiters.take(Self.a).isEmpty)
    }

    @Test func aRetryTakesTheAnswerOverWhenReplacing() {
        var waiters = OutcomeWaiters<Int>()
        waiters.wait(1, for: Self.a, replacing: true)
        waiters.wait(2, for: Self.a, replacing: true)
        #expect(waiters.take(Self.a) == [2])
    }

    @Test func pastTheLimitTheEarlierWaitsAreDropped() {
        var waiters = OutcomeWaiters<Int>(limit: 2)
        waiters.wait(1, for: Self.a)
        waiters.wait(2, for: Self.b)
        waiters.wait(3, for: Self.b)
        #expect(waiters.count == 2)
        waiters.wait(4, for: Self.c)
        #expect(waiters.count == 1)
        #expect(waiters.take(Self.a).isEmpty)
        #expect(waiters.take(Self.c) == [4])
    }

    @Test func aWaiterThatGaveUpIsRemovedAlone() {
        var waiters = OutcomeWaiters<Int>()
        waiters.wait(1, for: Self.a)
        waiters.wait(2, for: Self.a)
        #expect(waiters.remove(Self.a) { $0 == 1 })
        #expect(!waiters.remove(Self.a) { $0 == 1 })
        #expect(waiters.takeAll() == [2])
        #expect(waiters.count == 0)
    }
}
