import KnooppuntDomain

/// Batch proofs written once per batch message (docs/PROTOCOL.md §5.5). Reports an origin
/// sealed together often sit side by side in a snapshot: their batch proofs repeat the same
/// signature and most of the same path. Within one `ENTRIES` or `UPDATES` message, a report
/// whose batch an earlier report of the message shares may carry a *shared* proof instead: the
/// earlier report's position (its anchor), its own leaf index, and only the hashes below the
/// level where its path and the anchor's part. The receiver rebuilds the full batch proof,
/// byte for byte, before it reads the report: what it stores, verifies and exports is the
/// frame the origin's batch gave, exactly as if the proof had travelled whole.
public enum SharedProof {
    /// The first byte of a shared proof (a single signature has none, a batch proof `0x01`).
    public static let tag: UInt8 = 0x02
    /// Tag, anchor position and leaf index (2 bytes each, big-endian).
    static let headerBytes = 1 + 2 + 2
    /// Where the envelope and the signature are among an update's stream parts (sequence,
    /// epoch, committedAt, envelope, signature, sections).
    static let envelopePart = 3
    static let signaturePart = 4

    /// The updates of one batch message (each its stream parts, in order) with every batch
    /// proof that an earlier update of the message can stand in for written in the shared
    /// form. An update keeps its whole proof when no earlier update shares its batch, or when
    /// its path above the parting level is not the anchor's.
    ///
    /// The node's reports were each verified when it accepted them, so two proofs under one
    /// signature lead to one root, and a leaf has one path to it: what the receiver rebuilds
    /// is the report's own frame. Only the shared top is compared here (bytes, no hashing):
    /// this runs for every entry of a snapshot's first encoding.
    public static func shorten(_ updates: [[[UInt8]]]) -> [[[UInt8]]] {
        var out = updates
        // Per batch (its leaf count and signature), its updates so far: position, leaf, path length.
        var batches: [ArraySlice<UInt8>: [(position: Int, leaf: Int, depth: Int)]] = [:]
        for (position, parts) in updates.enumerated() {
            guard parts.count > signaturePart else { continue }
            let frame = parts[signaturePart]
            let header = ReportSeal.batchHeaderBytes
            // The header read in place: ReportSeal(frame:) would copy every hash of the path.
            guard let (leaf, count, depth) = ReportSeal.batchHeader(frame),
                depth == Self.depth(of: leaf, count: count)
            else { continue }
            let batch = frame[3..<header]
            defer { batches[batch, default: []].append((position, leaf, depth)) }
            // The anchor whose path shares the most levels with this one: the fewest hashes sent.
            var best: (position: Int, shared: Int, depth: Int)?
            for anchor in batches[batch] ?? [] where anchor.leaf != leaf {
                let shared = parting(anchor.leaf, leaf, count: count).shared
                if shared > best?.shared ?? -1 { best = (anchor.position, shared, anchor.depth) }
            }
            guard let best else { continue }
            let below = depth - best.shared - 1
            let anchorFrame = updates[best.position][signaturePart]
            guard below >= 0,
                frame[(header + (below + 1) * MerkleTree.hashBytes)...]
                    == anchorFrame[(header + (best.depth - best.shared) * MerkleTree.hashBytes)...]
            else { continue }
            var short: [UInt8] = [tag]
            short.reserveCapacity(headerBytes + below * MerkleTree.hashBytes)
            for value in [best.position, leaf] {
                short.append(UInt8(truncatingIfNeeded: value >> 8))
                short.append(UInt8(truncatingIfNeeded: value))
            }
            short += frame[header..<(header + below * MerkleTree.hashBytes)]
            out[position][signaturePart] = short
        }
        return out
    }

    /// The full batch proof a shared proof stands for, from the updates before it in its
    /// message (their parts as rebuilt). Throws `ERROR 218` (field `field`) for a frame that
    /// names no earlier batch proof, a leaf outside it or the anchor's own, or the wrong
    /// number of hashes.
    public static func expand(
        _ frame: [UInt8], earlier: ArraySlice<[[UInt8]]>, field: String
    ) throws(Problem) -> [UInt8] {
        func refuse(_ why: String) -> Problem { Problem(.badSignature, field: field, "shared proof: \(why)") }
        guard frame.count >= headerBytes, frame[0] == tag,
            (frame.count - headerBytes) % MerkleTree.hashBytes == 0
        else {
            throw refuse("a tag 2, an anchor, a leaf index and 32-byte hashes, found \(frame.count) bytes")
        }
        let position = Int(frame[1]) << 8 | Int(frame[2])
        let index = Int(frame[3]) << 8 | Int(frame[4])
        guard earlier.indices.contains(position), earlier[position].count > signaturePart,
            case .batch(let anchor)? = ReportSeal(frame: earlier[position][signaturePart])
        else { throw refuse("anchor \(position) is not an earlier update with a batch proof") }
        guard index < anchor.leafCount, index != anchor.leafIndex else {
            throw refuse("leaf \(index) is not another leaf of the anchor's \(anchor.leafCount)")
        }
        let (shared, anchorSide) = parting(anchor.leafIndex, index, count: anchor.leafCount)
        let anchorBelow = anchor.path.count - shared - 1
        let below = (frame.count - headerBytes) / MerkleTree.hashBytes
        guard anchorBelow >= 0, below == depth(of: index, count: anchor.leafCount) - shared - 1,
            let sideRoot = MerkleTree.root(
                leaf: MerkleTree.leaf(earlier[position][envelopePart]),
                index: anchor.leafIndex - anchorSide.lowerBound, count: anchorSide.count,
                path: Array(anchor.path[..<anchorBelow]))
        else {
            throw refuse(
                "leaf \(index) of \(anchor.leafCount) does not fit \(below) hashes and the anchor's path")
        }
        var path: [[UInt8]] = []
        path.reserveCapacity(below + 1 + shared)
        for number in 0..<below {
            let start = headerBytes + number * MerkleTree.hashBytes
            path.append(Array(frame[start..<start + MerkleTree.hashBytes]))
        }
        path.append(sideRoot)
        path += anchor.path[(anchorBelow + 1)...]
        return ReportSeal.batch(
            BatchProof(
                leafIndex: index, leafCount: anchor.leafCount, path: path, rootSignature: anchor.rootSignature
            )
        ).frame
    }

    /// Where leaves `anchor` and `leaf` (different, both below `count`) part, walking down from
    /// the root as RFC 9162 splits a tree: the levels above that point, where their paths hold
    /// the same sibling, and the leaves under the child that holds `anchor` there.
    static func parting(_ anchor: Int, _ leaf: Int, count: Int) -> (shared: Int, anchorSide: Range<Int>) {
        var low = 0
        var high = count
        var shared = 0
        while high - low > 1 {
            let split = low + MerkleTree.largestPowerOfTwo(below: high - low)
            switch (anchor < split, leaf < split) {
            case (true, true): high = split
            case (false, false): low = split
            case (true, false): return (shared, low..<split)
            case (false, true): return (shared, split..<high)
            }
            shared += 1
        }
        return (shared, low..<high)
    }

    /// The length of the path of `leaf` in a tree of `count` leaves.
    static func depth(of leaf: Int, count: Int) -> Int {
        var low = 0
        var high = count
        var depth = 0
        while high - low > 1 {
            let split = low + MerkleTree.largestPowerOfTwo(below: high - low)
            if leaf < split { high = split } else { low = split }
            depth += 1
        }
        return depth
    }
}
