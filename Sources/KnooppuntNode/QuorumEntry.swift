import FramePacking
import KnooppuntProtocol

/// One entry of the replicated log in etcd: an accepted report's Update (sequence, epoch,
/// committedAt, the sealed report's frames), or a refusal that used up an origin sequence.
/// Both are what a follower needs to reach the active's store state. The value is the pair's
/// own REPLICATE message with that one item, packed into one byte string: one codec for
/// every copy of the log (docs/PROTOCOL.md §12).
enum QuorumEntry: Sendable, Hashable {
    case update(Update)
    case rejection(RejectionRecord)

    /// The bytes stored at the entry's log key.
    var value: [UInt8] {
        let message: PairMessage
        switch self {
        case .update(let update):
            message = .replicate(
                epoch: update.epoch, activeLastSequence: update.sequence, batch: 0, updates: [update],
                rejections: [])
        case .rejection(let record):
            message = .replicate(
                epoch: record.epoch, activeLastSequence: record.afterSequence, batch: 0, updates: [],
                rejections: [record])
        }
        return FramePack.pack(message.parts)
    }

    /// Reads an entry's value; a problem for anything that is not exactly one item.
    init(value: [UInt8]) throws(Problem) {
        guard let parts = FramePack.unpack(value, maxParts: PairMessage.maxParts) else {
            throw Problem(.wrongFrameCount, field: "log entry", "not a packed message")
        }
        guard case .replicate(_, _, _, let updates, let rejections) = try PairMessage.decode(parts) else {
            throw Problem(.wrongFrameCount, field: "log entry", "not a REPLICATE message")
        }
        switch (updates.count, rejections.count) {
        case (1, 0): self = .update(updates[0])
        case (0, 1): self = .rejection(rejections[0])
        default: throw Problem(.wrongFrameCount, field: "log entry", "an entry holds exactly one item")
        }
    }
}
