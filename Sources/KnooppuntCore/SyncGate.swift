/// Which committed batches a finished fdatasync makes durable (group commit off the loop).
///
/// The node commits a batch with `synchronous=NORMAL` (its COMMIT writes the WAL without
/// syncing it) and hands the fdatasync to a thread of its own. A batch may be released
/// (acknowledged, published) only once a sync that *started after its COMMIT returned* has
/// finished: a sync already running when the batch was committed may have flushed the file
/// before the batch's pages were written. The gate keeps that rule without any I/O:
///
/// - `committed(_:)` after each COMMIT returns;
/// - `syncStarted()` when the loop hands the thread a sync request: the token covers every
///   batch committed so far, and nothing committed later;
/// - `syncFinished(_:)` when that sync reports success: the covered batches, oldest first.
///
/// One sync runs at a time. Batches committed while it runs wait and share the next one.
public struct SyncGate<Item> {
    /// Names one sync request; a finished sync is matched to the batches it covers by it.
    public struct Token: Hashable, Sendable {
        public let value: UInt64
        public init(value: UInt64) { self.value = value }
    }

    /// Committed batches not yet released, oldest first.
    private var waiting: [Item] = []
    /// How many of `waiting` (from the front) the running sync covers; 0 when none runs.
    private var covered = 0
    private var running: Token?
    private var issued: UInt64 = 0

    public init() {}

    /// Committed batches that no finished sync has released yet.
    public var count: Int { waiting.count }
    public var isEmpty: Bool { waiting.isEmpty }
    /// A sync request is out and has not finished.
    public var syncRunning: Bool { running != nil }

    /// Records a batch whose COMMIT has returned.
    public mutating func committed(_ item: Item) {
        waiting.append(item)
    }

    /// Starts a sync covering every batch committed so far. Nil while another sync runs (the
    /// batches wait for the next one) or when nothing waits.
    public mutating func syncStarted() -> Token? {
        guard running == nil, !waiting.isEmpty else { return nil }
        issued += 1
        let token = Token(value: issued)
        running = token
        covered = waiting.count
        return token
    }

    /// The batches a finished sync made durable, oldest first; none for a token that is not
    /// the running sync's (a stale or repeated answer releases nothing).
    public mutating func syncFinished(_ token: Token) -> [Item] {
        guard running == token else { return [] }
        running = nil
        let released = Array(waiting.prefix(covered))
        waiting.removeFirst(covered)
        covered = 0
        return released
    }

    /// Changes the newest waiting batch (an answer to a resend rides with it). False when
    /// nothing waits.
    @discardableResult
    public mutating func updateNewest(_ change: (inout Item) -> Void) -> Bool {
        guard !waiting.isEmpty else { return false }
        change(&waiting[waiting.count - 1])
        return true
    }

    /// Every waiting batch, oldest first, for a caller that has itself run a sync that started
    /// after the last COMMIT returned (at shutdown, on its own thread). A running sync's answer
    /// then releases nothing.
    public mutating func syncedAll() -> [Item] {
        let released = waiting
        waiting.removeAll()
        covered = 0
        running = nil
        return released
    }

    /// Forgets every waiting batch without releasing it (the node stepped down: what it
    /// committed but never acknowledged is not its to acknowledge any more).
    public mutating func discardAll() {
        waiting.removeAll()
        covered = 0
    }
}

extension SyncGate: Sendable where Item: Sendable {}
