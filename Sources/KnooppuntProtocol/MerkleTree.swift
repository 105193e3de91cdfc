import Crypto

/// The Merkle tree an origin signs when it seals several reports at once (docs/PROTOCOL.md
/// §4): leaves are the domain-separated digests of the envelopes, in batch order, and the
/// tree has RFC 9162's shape (the left subtree holds the largest power of two below the leaf
/// count), so an odd count needs no duplicated leaf that could stand for two batches.
public enum MerkleTree {
    /// The bytes of one hash.
    public static let hashBytes = 32
    /// Tags before every leaf and every inner node: a leaf can never pass for a node (or the
    /// other way round), and neither for a hash of another use of SHA-256 in the protocol.
    static let leafTag = Array("knooppunt-leaf-v1".utf8) + [0]
    static let nodeTag = Array("knooppunt-node-v1".utf8) + [0]

    /// SHA-256("knooppunt-leaf-v1" ‖ 0x00 ‖ envelope bytes).
    public static func leaf(_ envelopeBytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: leafTag)
        hasher.update(data: envelopeBytes)
        return Array(hasher.finalize())
    }

    /// SHA-256("knooppunt-node-v1" ‖ 0x00 ‖ left ‖ right).
    public static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: nodeTag)
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The root of `leaves` (at least one) and, per leaf, its inclusion path: the sibling
    /// hashes from the leaf's level up to the root.
    public static func build(_ leaves: [[UInt8]]) -> (root: [UInt8], paths: [[[UInt8]]]) {
        precondition(!leaves.isEmpty, "a tree has at least one leaf")
        var paths = [[[UInt8]]](repeating: [], count: leaves.count)
        func subtree(_ low: Int, _ high: Int) -> [UInt8] {
            guard high - low > 1 else { return leaves[low] }
            let split = low + largestPowerOfTwo(below: high - low)
            let left = subtree(low, split)
            let right = subtree(split, high)
            // Children are complete before their parent, so each path grows from the leaf up.
            for index in low..<split { paths[index].append(right) }
            for index in split..<high { paths[index].append(left) }
            return node(left, right)
        }
        return (subtree(0, leaves.count), paths)
    }

    /// The root that `path` leads to from `leaf` at `index` of `count` leaves (RFC 9162
    /// §2.1.3.2), or nil when the path does not fit that place (too short or too long).
    public static func root(leaf: [UInt8], index: Int, count: Int, path: [[UInt8]]) -> [UInt8]? {
        guard count >= 1, index >= 0, index < count else { return nil }
        var fn = index
        var sn = count - 1
        var hash = leaf
        for sibling in path {
            guard sn != 0, sibling.count == hashBytes else { return nil }
            if fn & 1 == 1 || fn == sn {
                hash = node(sibling, hash)
                if fn & 1 == 0 {
                    // The last leaf of an odd level: it rises unpaired until it is a right child.
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                hash = node(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? hash : nil
    }

    static func largestPowerOfTwo(below count: Int) -> Int {
        var power = 1
        while power << 1 < count { power <<= 1 }
        return power
    }
}
