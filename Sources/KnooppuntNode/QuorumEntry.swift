import FramePacking
import KnooppuntDomain
import KnooppuntProtocol

/// One entry of the replicated log in etcd: everything one fenced commit wrote, in order,
/// under one key. Each item is an accepted report's Update (sequence, epoch, committedAt,
/// the sealed report's frames; with its accepted row of the audit chain when it has one), a
/// refusal that used up an origin sequence, or another row of the audit chain
/// (docs/PROTOCOL.md §13); all are what a follower needs to reach the active's
/// store state, so the chain continues on whichever replica takes over. The value is a
/// REPLICATE message (``LogMessage``) with those items, packed into one byte string
/// (docs/PROTOCOL.md §12) and compressed (``LogEntryBytes``). An entry of one item (what
/// every commit wrote before issue 15) is a batch of one. This namespace packs and reads
/// entries; an entry read back is that ``LogMessage``.
///
/// Why a batch per key: etcd's cost per key (MVCC, its index, boltdb) dominated a commit of
/// one key per report (docs/BENCHMARKS.md, "One log entry per commit").
enum QuorumEntry {
    /// The parts of the REPLICATE message before its items.
    static let headerParts = 5
    /// The most items one entry holds: a message's parts, less the header's.
    static let maximumItems = LogMessage.maxParts - headerParts
    /// Bytes kept free for the header when a commit's items are measured (the header is a
    /// signature, a command and three decimal numbers).
    static let headerAllowance = 128

    /// One item as the active's pipeline holds it: its part of the REPLICATE message, exactly
    /// the bytes the entry will hold, and the report sequence at it.
    struct Item: Sendable, Hashable {
        let part: [UInt8]
        let sequence: SequenceNumber

        /// The bytes the item adds to a packed entry (its part and the part's length).
        var packedSize: Int { 4 + part.count }

        /// An item from its part as packed (a log entry read back, or a test's bytes).
        init(part: [UInt8], sequence: SequenceNumber) {
            self.part = part
            self.sequence = sequence
        }
    }

    /// The items of a commit, as the REPLICATE codec builds them (so an entry holds the same
    /// bytes as a REPLICATE message): audit rows in chain order, an accepted report's row
    /// inside its Update's item, refusals last (``LogMessage/replicateItems(updates:rejections:audit:)``).
    static func items(updates: [Update], rejections: [RejectionRecord], audit: [AuditRecord]) -> [Item] {
        LogMessage.replicateItems(updates: updates, rejections: rejections, audit: audit).map {
            Item(part: $0.part, sequence: $0.sequence)
        }
    }

    /// The largest packed entry with items of `itemBytes` (their ``Item/packedSize``) in total.
    static func valueSize(itemBytes: Int) -> Int { 4 + headerAllowance + itemBytes }

    /// The packed entry of `items` (at least one, at most ``maximumItems``), committed in `epoch`.
    static func value(of items: some Collection<Item>, epoch: Epoch) -> [UInt8] {
        precondition(
            !items.isEmpty && items.count <= maximumItems, "an entry holds 1...\(maximumItems) items")
        let header = LogMessage(
            epoch: epoch, activeLastSequence: items.reduce(0) { max($0, $1.sequence) }, updates: [],
            rejections: []
        ).parts
        return LogEntryBytes.value(ofPacked: FramePack.pack(header + items.map(\.part)))
    }

    /// The item parts of a packed entry, in order (what ``value(of:epoch:)`` packed).
    static func itemParts(of value: [UInt8]) -> [[UInt8]]? {
        guard let parts = LogEntryBytes.parts(value), parts.count > headerParts
        else { return nil }
        return Array(parts.dropFirst(headerParts))
    }

    /// Reads an entry's value; a problem for anything that is not a REPLICATE of at least one item.
    static func decode(_ value: [UInt8]) throws(Problem) -> LogMessage {
        // Any other command is refused by the decoder (unknownCommand).
        let message = try LogEntryBytes.message(value)
        guard !message.updates.isEmpty || !message.rejections.isEmpty || !message.audit.isEmpty else {
            throw Problem(.wrongFrameCount, field: "log entry", "an entry holds at least one item")
        }
        return message
    }
}

extension LogMessage {
    /// The bytes stored at the entry's log key, packed as the pipeline packs a commit
    /// (``QuorumEntry/items(updates:rejections:audit:)`` and ``QuorumEntry/value(of:epoch:)``,
    /// one encoder for both).
    var entryValue: [UInt8] {
        QuorumEntry.value(
            of: QuorumEntry.items(updates: updates, rejections: rejections, audit: audit), epoch: epoch)
    }

    /// Items in the entry.
    var itemCount: Int { updates.count + rejections.count + audit.count }
}
