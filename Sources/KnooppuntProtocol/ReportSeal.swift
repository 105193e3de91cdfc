import KnooppuntDomain

/// What a report's signature frame holds (docs/PROTOCOL.md §4, "Signature"): either the
/// origin's Ed25519 signature over the envelope alone (64 bytes, as every report had before
/// batch seals), or the proof that the envelope is leaf `leafIndex` of `leafCount` in a
/// Merkle tree whose root the origin signed. A batch frame starts with ``batchTag`` and is
/// 69 + 32·k bytes long, so it can never be taken for a single signature or the other way round.
public enum ReportSeal: Sendable, Hashable {
    case single(signature: [UInt8])
    case batch(BatchProof)

    /// The first byte of a batch frame; a later form of proof takes another tag.
    public static let batchTag: UInt8 = 0x01
    /// The bytes of an Ed25519 signature.
    public static let signatureBytes = 64
    /// Tag, leaf index and leaf count (2 bytes each, big-endian), root signature.
    static let batchHeaderBytes = 1 + 2 + 2 + signatureBytes

    /// Reads a signature frame; nil for any frame that is neither form.
    public init?(frame: [UInt8]) {
        if frame.count == Self.signatureBytes {
            self = .single(signature: frame)
            return
        }
        guard let (index, count, siblings) = Self.batchHeader(frame) else { return nil }
        let signature = Array(frame[5..<Self.batchHeaderBytes])
        let path = (0..<siblings).map { number in
            let start = Self.batchHeaderBytes + number * MerkleTree.hashBytes
            return Array(frame[start..<start + MerkleTree.hashBytes])
        }
        self = .batch(BatchProof(leafIndex: index, leafCount: count, path: path, rootSignature: signature))
    }

    /// A batch frame's leaf index, leaf count and number of path hashes, read in place; nil for
    /// any frame that is not a batch proof within ``BatchSeal``'s limits.
    static func batchHeader(_ frame: [UInt8]) -> (leafIndex: Int, leafCount: Int, siblings: Int)? {
        guard frame.count >= batchHeaderBytes, frame[0] == batchTag,
            (frame.count - batchHeaderBytes) % MerkleTree.hashBytes == 0
        else { return nil }
        let index = Int(frame[1]) << 8 | Int(frame[2])
        let count = Int(frame[3]) << 8 | Int(frame[4])
        let siblings = (frame.count - batchHeaderBytes) / MerkleTree.hashBytes
        guard count >= 1, count <= BatchSeal.maxLeaves, index < count, siblings <= BatchSeal.maxDepth
        else { return nil }
        return (index, count, siblings)
    }

    /// The frame as it travels and is stored.
    public var frame: [UInt8] {
        switch self {
        case .single(let signature):
            return signature
        case .batch(let proof):
            var out: [UInt8] = [Self.batchTag]
            out.reserveCapacity(Self.batchHeaderBytes + proof.path.count * MerkleTree.hashBytes)
            for value in [proof.leafIndex, proof.leafCount] {
                out.append(UInt8(truncatingIfNeeded: value >> 8))
                out.append(UInt8(truncatingIfNeeded: value))
            }
            out += proof.rootSignature
            for sibling in proof.path { out += sibling }
            return out
        }
    }

    /// Why a frame is not a signature frame, for the refusal (E218, origin sequence unused).
    static func problem(_ frame: [UInt8]) -> Problem {
        Problem(
            .badSignature, field: "signature",
            "a signature frame is a 64-byte Ed25519 signature or a batch proof (tag 1, 69 + 32·k bytes, at most \(BatchSeal.maxLeaves) leaves), found \(frame.count) bytes"
        )
    }
}

/// A report's place in a signed batch: enough for anyone to recompute the batch's root from
/// the report's envelope alone and check the origin's signature over it.
public struct BatchProof: Sendable, Hashable {
    public let leafIndex: Int
    public let leafCount: Int
    /// Sibling hashes from the leaf's level up to the root.
    public let path: [[UInt8]]
    /// The origin's Ed25519 signature over ``BatchSeal/signedBytes(root:leafCount:)``.
    public let rootSignature: [UInt8]

    public init(leafIndex: Int, leafCount: Int, path: [[UInt8]], rootSignature: [UInt8]) {
        self.leafIndex = leafIndex
        self.leafCount = leafCount
        self.path = path
        self.rootSignature = rootSignature
    }

    /// The root this proof leads to from `envelopeBytes`, or nil when it does not fit.
    public func root(of envelopeBytes: [UInt8]) -> [UInt8]? {
        MerkleTree.root(
            leaf: MerkleTree.leaf(envelopeBytes), index: leafIndex, count: leafCount, path: path)
    }
}
