import KnooppuntDomain
import Synchronization

/// Sealing several reports of one origin with one Ed25519 signature, and verifying such
/// seals without repeating the signature check for every report of a batch.
public enum BatchSeal {
    /// The most reports one signature covers: the proof a report carries grows with the
    /// logarithm of it (8 sibling hashes, 325 bytes at 256), and a larger batch saves little.
    public static let maxLeaves = 256
    /// The longest inclusion path a tree of ``maxLeaves`` leaves has.
    public static let maxDepth = 8
    /// The tag the origin signs before the root: a root signature is never a signature over
    /// an envelope or an audit checkpoint.
    static let batchTag = Array("knooppunt-batch-v1".utf8) + [0]

    /// What the origin signs: "knooppunt-batch-v1" ‖ 0x00 ‖ leaf count (2 bytes, big-endian) ‖
    /// root. The count is signed too, so a proof cannot claim another shape of the same tree.
    public static func signedBytes(root: [UInt8], leafCount: Int) -> [UInt8] {
        batchTag + [UInt8(truncatingIfNeeded: leafCount >> 8), UInt8(truncatingIfNeeded: leafCount)] + root
    }

    /// For each report, whether it is the first of its sender's batch (the same root
    /// signature) among `reports`; a report signed alone is always first. A verifier checks
    /// those first, so the others of a batch find its root already verified.
    public static func firstOfEachBatch(
        _ reports: [(report: SealedReport, sender: OrganisationCode)]
    ) -> [Bool] {
        var seen: Set<HashedBytes> = []
        return reports.map { item in
            guard case .batch(let proof)? = item.report.seal else { return true }
            return seen.insert(HashedBytes(bytes: Array(item.sender.rawValue.utf8) + proof.rootSignature))
                .inserted
        }
    }

    /// Seals `reports` (their envelopes; any signature they carry is replaced) with one
    /// signature per ``maxLeaves`` of them, in order. A report alone gets the plain 64-byte
    /// signature over its envelope, exactly as ``SealedReport/seal(_:id:origin:originSeq:created:signingKey:codec:random:)``.
    public static func seal(_ reports: [SealedReport], with key: SigningKey) -> [SealedReport] {
        var sealed: [SealedReport] = []
        sealed.reserveCapacity(reports.count)
        var start = 0
        while start < reports.count {
            let chunk = reports[start..<min(reports.count, start + maxLeaves)]
            start += chunk.count
            guard chunk.count > 1 else {
                sealed += chunk.map { $0.signed(.single(signature: key.sign($0.envelopeBytes))) }
                continue
            }
            let tree = MerkleTree.build(chunk.map { MerkleTree.leaf($0.envelopeBytes) })
            let signature = key.sign(signedBytes(root: tree.root, leafCount: chunk.count))
            for (offset, report) in chunk.enumerated() {
                sealed.append(
                    report.signed(
                        .batch(
                            BatchProof(
                                leafIndex: offset, leafCount: chunk.count, path: tree.paths[offset],
                                rootSignature: signature))))
            }
        }
        return sealed
    }
}

/// Batch roots whose signature one verifier has checked, per origin key: the first report of
/// a batch pays the Ed25519 verification, the others only their proof's hashes. Bounded:
/// past ``capacity`` the oldest half is forgotten (a report of a forgotten batch is verified
/// again, never accepted unchecked). Safe to share between threads (the node's check pool).
public final class VerifiedRoots: Sendable {
    /// Roots remembered by default: many more batches than a node has in flight at once.
    public static let defaultCapacity = 4_096

    /// What was verified: this key signed these bytes (tag, count, root) with this signature.
    struct Entry: Hashable {
        let key: [UInt8]
        let signed: [UInt8]
        let signature: [UInt8]

        /// The signature alone tells entries apart; equality still compares all three.
        func hash(into hasher: inout Hasher) { hasher.combine(byteRun: signature) }
    }

    struct State {
        var recent: Set<Entry> = []
        var older: Set<Entry> = []
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = VerifiedRoots.defaultCapacity) {
        precondition(capacity >= 2, "a cache holds at least two roots")
        self.capacity = capacity
    }

    /// Whether `key` signed `signed` with `signature`: from the cache, or checked now and
    /// remembered when it holds.
    func verify(_ signature: [UInt8], for signed: [UInt8], with key: VerifyingKey) -> Bool {
        let entry = Entry(key: key.rawRepresentation, signed: signed, signature: signature)
        if state.withLock({ $0.recent.contains(entry) || $0.older.contains(entry) }) { return true }
        // Checked outside the lock: the pool's other threads go on meanwhile.
        guard key.verify(signature, for: signed) else { return false }
        state.withLock { state in
            if state.recent.count >= capacity / 2 {
                state.older = state.recent
                state.recent = []
            }
            state.recent.insert(entry)
        }
        return true
    }

    /// Roots held now (for tests and status).
    public var count: Int { state.withLock { $0.recent.count + $0.older.count } }
}
