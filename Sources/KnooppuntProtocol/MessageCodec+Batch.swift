import FramePacking
import KnooppuntDomain

/// What a party can read in its picture stream beyond one message per update, announced in
/// HELLO's optional fourth part (docs/PROTOCOL.md §5.2, §10). A node sends a party only what
/// it announced: a party that announces nothing gets one `UPDATE` or `ENTRY` per message.
public struct StreamFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `UPDATES` and `ENTRIES`: several updates or snapshot entries in one message.
    public static let batches = StreamFeatures(rawValue: 1 << 0)
    /// Shared proofs in those messages (``SharedProof``): a batch proof written once for the
    /// reports of one batch that travel together. Meaningful only with ``batches``.
    public static let sharedProofs = StreamFeatures(rawValue: 1 << 1)

    /// Every feature this build knows, with its name on the wire.
    static let names: [(feature: StreamFeatures, name: String)] = [
        (.batches, "batch"), (.sharedProofs, "proofs"),
    ]

    /// Reads HELLO's comma-separated list. A name this build does not know is ignored, so a
    /// later party may announce more without being refused by this node.
    public init(wire: [UInt8]) {
        let words = String(decoding: wire, as: UTF8.self).split(separator: ",").map(String.init)
        var features: StreamFeatures = []
        for (feature, name) in Self.names where words.contains(name) { features.insert(feature) }
        self = features
    }

    /// The comma-separated list HELLO carries.
    public var wire: [UInt8] {
        Array(Self.names.filter { contains($0.feature) }.map(\.name).joined(separator: ",").utf8)
    }
}

/// Limits of one `UPDATES` or `ENTRIES` message.
public enum StreamBatch {
    /// Updates per message: one part each after `KNP1` and the command, within
    /// `WireLimits.maxFrames` parts.
    public static let maxUpdates = WireLimits.maxFrames - 2
    /// Bytes of packed updates per message: a quarter of `WireLimits.maxMessageBytes`, so a
    /// batch never nears a receiver's limit. An update larger than this goes alone, as a plain
    /// `UPDATE` or `ENTRY`, exactly as it would to a party that announced nothing.
    public static let maxBytes = Int(WireLimits.maxMessageBytes / 4)

    /// Consecutive runs of parts of these sizes, each within both limits and in order: one
    /// message each. A run of one is sent as a plain `UPDATE` or `ENTRY`.
    public static func runs(sizes: [Int]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        var bytes = 0
        for (index, size) in sizes.enumerated() {
            // The 4-byte length each part gets in the pack counts too.
            if index > start, index - start == maxUpdates || bytes + size + 4 > maxBytes {
                runs.append(start..<index)
                start = index
                bytes = 0
            }
            bytes += size + 4
        }
        if start < sizes.count { runs.append(start..<sizes.count) }
        return runs
    }
}

extension MessageCodec {
    /// The parts after the command of an `UPDATE` or `ENTRY`: sequence, epoch, committedAt,
    /// envelope, signature, sections.
    public static func streamFrames(_ update: Update) -> [[UInt8]] { updateFrames(update) }

    /// A whole message from ``streamFrames(_:)``: `UPDATE` or `ENTRY` for one update,
    /// `UPDATES` or `ENTRIES` (each part one update's frames packed as in §4.1) for several.
    public static func streamMessage(_ updates: [[[UInt8]]], entries: Bool) -> [[UInt8]] {
        if updates.count == 1 { return frames(entries ? "ENTRY" : "UPDATE", updates[0]) }
        return frames(entries ? "ENTRIES" : "UPDATES", updates.map(FramePack.pack))
    }

    /// The messages that carry `updates` in order: batched within ``StreamBatch``'s limits
    /// when `batched`, else one per update (what a party that announced nothing reads).
    public static func encodeStream(_ updates: [Update], entries: Bool, batched: Bool) -> [[[UInt8]]] {
        let each = updates.map(updateFrames)
        guard batched else { return each.map { streamMessage([$0], entries: entries) } }
        let sizes = each.map { parts in 4 + parts.reduce(0) { $0 + 4 + $1.count } }
        return StreamBatch.runs(sizes: sizes).map { streamMessage(Array(each[$0]), entries: entries) }
    }

    /// Reads one message of the picture stream as the messages it stands for: a batch as its
    /// `UPDATE`s or `ENTRY`s in order, any other message as ``decodeServer(_:)`` reads it.
    public func decodeStream(_ frames: [[UInt8]]) throws(Problem) -> [ServerMessage] {
        let (command, body) = try Self.header(frames)
        guard command == "UPDATES" || command == "ENTRIES" else { return [try decodeServer(frames)] }
        guard !body.isEmpty else {
            throw Problem(.wrongFrameCount, field: command, "\(command) carries at least one update")
        }
        var messages: [ServerMessage] = []
        messages.reserveCapacity(body.count)
        var previous: SequenceNumber?
        // Each update's parts with its proof rebuilt: the anchors of the shared proofs after it.
        var rebuilt: [[[UInt8]]] = []
        rebuilt.reserveCapacity(body.count)
        for (index, part) in body.enumerated() {
            guard var inner = FramePack.unpack(part, maxParts: WireLimits.maxFrames) else {
                throw Problem(.wrongFrameCount, field: "\(command).\(index)", "not one packed update")
            }
            let signature = SharedProof.signaturePart
            // A 64-byte frame is a single signature whatever its first byte (§4).
            if inner.count > signature, inner[signature].count != ReportSeal.signatureBytes,
                inner[signature].first == SharedProof.tag
            {
                inner[signature] = try SharedProof.expand(
                    inner[signature], earlier: rebuilt[...], field: "\(command).\(index).signature")
            }
            rebuilt.append(inner)
            let update = try update(inner, command)
            // In sequence order, as the node sends them: a batch out of order is not the node's.
            if let previous, update.sequence <= previous {
                throw Problem(.outOfRange, field: "\(command).\(index)", "updates out of sequence order")
            }
            previous = update.sequence
            messages.append(command == "UPDATES" ? .update(update) : .entry(update))
        }
        return messages
    }
}
