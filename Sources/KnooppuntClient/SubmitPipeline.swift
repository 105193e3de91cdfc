import Crypto
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Logging
import StrictJSON

/// Submitting from a durable outbox, once for every party that does (a daemon for its
/// operators, the national desk for its officers): a document is checked against the
/// duplicate window and the outbox's capacity, sealed (id, origin sequence, created; the
/// reports of one round signed together, ``BatchSeal``), stored, and only then queued; the outbox sends it until the node answers,
/// across reconnects and restarts. The node's answers are recorded, stale reports resealed
/// and lost ones sent again.
///
/// Who may publish and what the publisher hears stay with the owner; who waits for the
/// node's answer is kept in ``OutcomeWaiters``.
/// Use it from one thread (the owner's loop).
public final class SubmitPipeline {
    public private(set) var outbox: Outbox
    public let storage: any OutboxStorage
    public let origin: OrganisationCode
    /// A body handed over again within this window is refused unless sent "again".
    public let duplicateWindow: Duration
    let signingKey: SigningKey
    let codec = DocumentCodec()
    var random = SystemRandomNumberGenerator()
    let logger: Logger
    /// Whether an E400 answer's `expected` origin sequence is used to send lost reports again.
    let readsExpectedSequence: Bool
    /// Called when the store cannot record what the node answered (a daemon stops; the desk
    /// logs and serves on: without the record the report goes again and is a duplicate).
    let storageFailed: (_ error: any Error, _ what: String) -> Void
    /// The node's answers read in this round, recorded together by ``recordAnswers(at:)``.
    private var answers: [OutboxEvent] = []

    public init(
        storage: any OutboxStorage, origin: OrganisationCode, signingKey: SigningKey, limits: OutboxLimits,
        duplicateWindow: Duration, readsExpectedSequence: Bool = true, logger: Logger,
        storageFailed: @escaping (_ error: any Error, _ what: String) -> Void
    ) throws {
        let loaded = try storage.loadQueue()
        outbox = Outbox(limits: limits, lastOriginSeq: loaded.lastOriginSeq, queued: loaded.queued)
        self.storage = storage
        self.origin = origin
        self.signingKey = signingKey
        self.duplicateWindow = duplicateWindow
        self.readsExpectedSequence = readsExpectedSequence
        self.logger = logger
        self.storageFailed = storageFailed
    }

    /// The hash of a report's body: SHA-256 of its canonical document without its id, hex.
    /// The duplicate window compares it; daemons and the desk store it the same way.
    public static func bodyHash(_ document: ReportDocument, codec: DocumentCodec = DocumentCodec()) -> String
    {
        var withoutID = document
        withoutID.id = nil
        return Hex.encode(SHA256.hash(data: JSONWriter.canonical(codec.encode(withoutID))))
    }

    /// What became of a document handed over.
    public enum Decision: Sendable {
        /// Checked and sealed: store it with ``enqueue(_:write:)``.
        case ready(PreparedReport)
        /// The same report (by id) is stored already: a retry.
        case known(ReportID, originSeq: UInt64)
        /// The same body was handed over within the duplicate window as `previous`.
        case duplicate(previous: ReportID)
        /// The outbox holds as many unsent reports as it may.
        case full
    }

    /// Checks one document and seals all but its signature, after `batch` (prepared in the
    /// same round, not stored yet); ``enqueue(_:write:)`` signs the round's reports together.
    public func prepare(
        _ document: ReportDocument, again: Bool, after batch: [PreparedReport] = [], wall: Int64
    ) -> Decision {
        if let id = document.id {
            let known = (try? storage.originSeq(of: id)) ?? batch.first { $0.item.id == id }?.item.originSeq
            if let known { return .known(id, originSeq: known) }
        }
        let bodyHash = Self.bodyHash(document, codec: codec)
        if !again {
            let since = wall - duplicateWindow.components.seconds * 1000
            let previous =
                (try? storage.recentReport(bodyHash: bodyHash, since: since))
                ?? batch.first { $0.bodyHash == bodyHash }?.item.id
            if let previous { return .duplicate(previous: previous) }
        }
        guard outbox.backlog + batch.count < outbox.limits.capacity else { return .full }
        let id = document.id ?? ReportID.timeOrdered(at: wall, using: &random)
        // Signed in ``enqueue(_:write:)``, together with the rest of its round.
        let item = QueuedReport(
            report: SealedReport.unsigned(
                document, id: id, origin: origin, originSeq: outbox.nextOriginSeq + UInt64(batch.count),
                created: Timestamp(millisecondsSinceEpoch: wall).inAmsterdam, codec: codec, random: &random),
            queuedAt: wall)
        return .ready(
            PreparedReport(
                item: item, document: JSONWriter.canonical(codec.encode(document)), bodyHash: bodyHash))
    }

    /// Signs a batch with one signature (``BatchSeal``; a report alone gets its own), stores
    /// it (one transaction; `write` when the owner stores more with it), then queues it, and
    /// returns it as stored. When the store fails nothing is queued and the error is thrown.
    ///
    /// The signature is made here, before the store, and never again: what the outbox holds
    /// is what goes out, after a restart too (only a reseal, with a new origin sequence,
    /// signs a report anew).
    @discardableResult
    public func enqueue(
        _ prepared: [PreparedReport], write: (([PreparedReport]) throws -> Void)? = nil
    ) throws -> [PreparedReport] {
        guard !prepared.isEmpty else { return [] }
        let sealed = BatchSeal.seal(prepared.map(\.item.report), with: signingKey)
        let batch = zip(prepared, sealed).map { prepared, report in
            PreparedReport(
                item: QueuedReport(report: report, queuedAt: prepared.item.queuedAt),
                document: prepared.document,
                bodyHash: prepared.bodyHash)
        }
        if let write { try write(batch) } else { try storage.enqueue(prepared: batch) }
        for prepared in batch {
            precondition(outbox.enqueue(prepared.item), "capacity was checked when the report was prepared")
        }
        return batch
    }

    /// Reports to send to the followed node now.
    public func due(now: ContinuousClock.Instant) -> [SealedReport] { outbox.due(now: now) }

    /// We follow a node (anew): everything outstanding goes there.
    public func connectionReset() { outbox.connectionReset() }

    /// An ACK or ERROR from a node. Returns false for an error that concerns none of our
    /// queued reports (for the owner to log).
    @discardableResult
    public func handle(_ answer: ServerMessage, now: ContinuousClock.Instant) -> Bool {
        switch answer {
        case .ack(let ack):
            if let event = outbox.handle(ack, now: now) { answers.append(event) }
            return true
        case .error(let id, let code, let text, let detail):
            let expected =
                readsExpectedSequence ? detail["expected"]?.integerValue.map { UInt64(clamping: $0) } : nil
            guard
                let event = outbox.handle(
                    error: code, reportID: id, message: text, expected: expected, now: now)
            else { return false }
            answers.append(event)
            return true
        default:
            return true
        }
    }

    /// A node's WELCOME to us as its follower: it may lack reports it acknowledged alone.
    public func welcomed(nextOriginSeq: UInt64) {
        if let resend = outbox.welcomed(nextOriginSeq: nextOriginSeq) { answers.append(resend) }
    }

    /// The node expects a later origin sequence: with nothing queued and a store younger
    /// than the node's log (a fresh store), start there instead of walking up one refusal at
    /// a time. Returns whether it did.
    @discardableResult
    public func adopt(nextOriginSeq next: UInt64) -> Bool {
        guard outbox.backlog == 0, next > outbox.nextOriginSeq else { return false }
        outbox = Outbox(limits: outbox.limits, lastOriginSeq: next - 1, queued: [])
        return true
    }

    /// Records this round's answers, reseals stale reports and queues lost ones again.
    /// Returns every answer, for the owner to tell who waits (accepted, rejected).
    public func recordAnswers(at wall: Int64) -> [OutboxEvent] {
        guard !answers.isEmpty else { return [] }
        let events = answers
        answers.removeAll()
        do {
            try storage.record(events, at: wall)
        } catch {
            storageFailed(error, "could not record the node's answers")
        }
        for event in events {
            switch event {
            case .accepted:
                break
            case .rejected(let item, let code, let message):
                logger.notice(
                    "report refused by the node",
                    metadata: [
                        "report.id": "\(item.id)", "error.code": "\(code.rawValue)", "error": "\(message)",
                    ])
            case .reseal(let item):
                reseal(item, wall: wall)
            case .resend(let from, let below):
                do {
                    let items = try storage.requeue(from: from, below: below)
                    outbox.restore(items)
                    logger.warning(
                        "the national node lost reports it had acknowledged alone; sending them again",
                        metadata: ["origin.seq": "\(from)..<\(below)", "reports": "\(items.count)"])
                } catch {
                    storageFailed(error, "could not queue reports again")
                }
            }
        }
        return events
    }

    private func reseal(_ item: QueuedReport, wall: Int64) {
        do {
            guard let bytes = try storage.document(of: item.id) else { return }
            let resealed = try item.resealed(
                document: bytes, originSeq: outbox.nextOriginSeq,
                created: Timestamp(millisecondsSinceEpoch: wall).inAmsterdam, signingKey: signingKey,
                codec: codec, random: &random)
            try storage.reseal(resealed)
            outbox.requeue(resealed)
            logger.warning(
                "the node had used this report's origin sequence already; sent again with a new one",
                metadata: ["report.id": "\(item.id)", "origin.seq": "\(resealed.originSeq)"])
        } catch {
            logger.error(
                "could not reseal a report", metadata: ["report.id": "\(item.id)", "error": "\(error)"])
        }
    }
}
