import FramePacking
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// One message of a party's picture stream, packed as it goes on the wire.
struct StreamMessage {
    let packed: [UInt8]
    /// Updates (or snapshot entries) it carries.
    let count: Int
    /// The sequence of the last of them.
    let last: SequenceNumber
}

/// Encoding the picture stream once for every party that sees it the same way.
///
/// What a view receives of a report depends only on which of its sections the view may read:
/// a bit mask. Parties whose masks are equal (the same audiences, for one update or for every
/// entry of a snapshot) get the same bytes, so those bytes are made once and shared; parties
/// whose masks differ never share a byte (need-to-know, docs/PROTOCOL.md §6).
enum StreamEncoding {
    /// Bit `i` set: `view` may read section `i` (an envelope has at most 16 sections).
    static func mask(_ report: SealedReport, for view: View) -> UInt64 {
        var mask: UInt64 = 0
        // By index: only the classification of each section is read, not a copy of it.
        let sections = report.envelope.sections
        for bit in sections.indices where view.allows(sections[bit].classification) {
            mask |= 1 << UInt64(bit)
        }
        return mask
    }

    /// The parts of one update as `view` may see it.
    static func frames(_ update: Update, for view: View) -> [[UInt8]] {
        MessageCodec.streamFrames(
            Update(
                sequence: update.sequence, epoch: update.epoch, committedAt: update.committedAt,
                report: update.report.projected(for: view)))
    }

    /// Updates' parts (``frames(_:for:)``) as messages in order: batched within
    /// ``StreamBatch``'s limits when `batched`, else one per update; with `sharedProofs`, the
    /// batch proofs of each batch message shortened where the message allows (``SharedProof``).
    static func messages(
        _ frames: [[[UInt8]]], sequences: [SequenceNumber], entries: Bool, batched: Bool,
        sharedProofs: Bool = false
    ) -> [StreamMessage] {
        let runs: [Range<Int>]
        if batched {
            runs = StreamBatch.runs(sizes: frames.map { parts in 4 + parts.reduce(0) { $0 + 4 + $1.count } })
        } else {
            runs = frames.indices.map { $0..<($0 + 1) }
        }
        return runs.map { run in
            let updates = Array(frames[run])
            let sent = sharedProofs && updates.count > 1 ? SharedProof.shorten(updates) : updates
            return StreamMessage(
                packed: FramePack.pack(MessageCodec.streamMessage(sent, entries: entries)),
                count: run.count, last: sequences[run.last!])
        }
    }
}

/// A snapshot of the picture at one sequence, encoded for one class of views: shared by every
/// party of that class that joins at that sequence. It is encoded as it is first sent (so the
/// first message goes out at once, and a party never waits for all of it); a later party of
/// the class reads what is encoded and extends it.
final class SnapshotEncoding {
    let sequence: SequenceNumber
    let epoch: Epoch
    /// Whether it is made of `ENTRIES` (for parties that announced batches) or single `ENTRY`s.
    let batched: Bool
    /// Whether its `ENTRIES` carry shared proofs (for parties that announced them too).
    let sharedProofs: Bool
    /// A view of the class: any view with the same masks projects to the same bytes.
    let view: View
    /// The picture's entries at `sequence`, in sequence order (the order they are sent in).
    let entries: [PictureEntry]
    /// Per entry, the sections the class may read.
    let masks: [UInt64]
    private(set) var messages: [StreamMessage] = []
    /// Entries encoded into `messages`.
    private(set) var encoded = 0

    init(
        sequence: SequenceNumber, epoch: Epoch, reader: SnapshotCache.Reader, entries: [PictureEntry],
        masks: [UInt64]
    ) {
        self.sequence = sequence
        self.epoch = epoch
        self.batched = reader.batched
        self.sharedProofs = reader.sharedProofs
        self.view = reader.view
        self.entries = entries
        self.masks = masks
    }

    var isComplete: Bool { encoded == entries.count }

    /// Encodes the next run of entries (one message's worth, or a few when the byte limit
    /// splits it).
    func encodeMore() {
        guard !isComplete else { return }
        let end = min(entries.count, encoded + (batched ? StreamBatch.maxUpdates : 1))
        let run = entries[encoded..<end]
        messages += StreamEncoding.messages(
            run.map { StreamEncoding.frames($0.update, for: view) }, sequences: run.map(\.sequence),
            entries: true, batched: batched, sharedProofs: sharedProofs)
        encoded = end
    }
}

/// The snapshot encodings of the node's current picture, a few views' worth at most: they go
/// as soon as the picture changes (a party still sending one keeps its own reference).
struct SnapshotCache {
    /// Encodings kept at once: each holds up to a whole picture's bytes, so the bound is also
    /// the node's memory for snapshots beyond those being sent.
    static let maxEncodings = 4

    /// A party's way of reading the picture: its view, whether it reads batches, and whether
    /// it reads shared proofs in them.
    struct Reader: Hashable {
        let view: View
        let batched: Bool
        let sharedProofs: Bool

        init(view: View, accepts: StreamFeatures) {
            self.view = view
            batched = accepts.contains(.batches)
            sharedProofs = batched && accepts.contains(.sharedProofs)
        }
    }

    private(set) var encodings: [SnapshotEncoding] = []
    /// The encoding each reader already got at the encodings' sequence. A view's masks are
    /// fixed for one picture (its entries, and the registry that resolves audiences: changing
    /// it changes the picture), so a reader seen before needs no pass over every entry. Only
    /// readers of encodings still kept: one dictionary entry per party's view, no masks.
    private var readers: [Reader: SnapshotEncoding] = [:]

    /// Forgets every encoding: the picture changed.
    mutating func forget() {
        if !encodings.isEmpty { encodings.removeAll() }
        if !readers.isEmpty { readers.removeAll() }
    }

    /// Forgets every encoding not taken at `sequence` in `epoch`. The epoch counts as much as
    /// the sequence: a replica that becomes active again holds the same picture in a new
    /// epoch, and a snapshot names the epoch it was taken in.
    mutating func keep(sequence: SequenceNumber, epoch: Epoch) {
        if encodings.contains(where: { $0.sequence != sequence || $0.epoch != epoch }) {
            encodings.removeAll { $0.sequence != sequence || $0.epoch != epoch }
            dropReadersOfForgotten()
        }
    }

    /// The encoding at `sequence` for `view`'s class, made from `picture` when there is none
    /// (evicting the least recently used beyond ``maxEncodings``).
    mutating func encoding(
        for view: View, accepts: StreamFeatures, sequence: SequenceNumber, epoch: Epoch,
        picture: @autoclosure () -> [String: PictureEntry]
    ) -> SnapshotEncoding {
        keep(sequence: sequence, epoch: epoch)
        let reader = Reader(view: view, accepts: accepts)
        if let known = readers[reader] {
            touch(known)
            return known
        }
        // Every encoding at one sequence holds the same entries in the same order.
        let entries = encodings.first?.entries ?? Self.inSequenceOrder(picture())
        let masks = Self.masks(of: entries, for: view)
        if let found = encodings.first(where: {
            $0.batched == reader.batched && $0.sharedProofs == reader.sharedProofs && $0.masks == masks
        }) {
            touch(found)
            readers[reader] = found
            return found
        }
        let made = SnapshotEncoding(
            sequence: sequence, epoch: epoch, reader: reader, entries: entries, masks: masks)
        encodings.append(made)
        readers[reader] = made
        if encodings.count > Self.maxEncodings {
            encodings.removeFirst()
            dropReadersOfForgotten()
        }
        return made
    }

    /// Moves `encoding` to the most recently used end.
    private mutating func touch(_ encoding: SnapshotEncoding) {
        guard let index = encodings.firstIndex(where: { $0 === encoding }), index != encodings.count - 1
        else {
            return
        }
        encodings.append(encodings.remove(at: index))
    }

    private mutating func dropReadersOfForgotten() {
        readers = readers.filter { _, encoding in encodings.contains { $0 === encoding } }
    }

    /// Per entry, the sections `view` may read.
    static func masks(of entries: [PictureEntry], for view: View) -> [UInt64] {
        var masks: [UInt64] = []
        masks.reserveCapacity(entries.count)
        for index in entries.indices {
            masks.append(StreamEncoding.mask(entries[index].report, for: view))
        }
        return masks
    }

    /// The picture's entries in sequence order.
    static func inSequenceOrder(_ picture: [String: PictureEntry]) -> [PictureEntry] {
        // Sorting sequences and positions, not entries: an entry is large, and copying one
        // retains every part of it. Each entry is copied once, into the result.
        var order: [(sequence: SequenceNumber, index: [String: PictureEntry].Index)] = []
        order.reserveCapacity(picture.count)
        for index in picture.indices { order.append((picture[index].value.sequence, index)) }
        order.sort { $0.sequence < $1.sequence }
        var sorted: [PictureEntry] = []
        sorted.reserveCapacity(order.count)
        for position in order { sorted.append(picture[position.index].value) }
        return sorted
    }
}
