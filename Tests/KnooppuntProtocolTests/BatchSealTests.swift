import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// One signature over a batch of an origin's reports (a Merkle root), each report carrying
/// its proof and verifiable on its own.
@Suite("Batch seals")
struct BatchSealTests {
    /// `count` unsigned reports of VR09 (sitreps, grips and threats in turn) with origin
    /// sequences from 1.
    static func unsigned(_ count: Int, seed: UInt64 = 7) -> [SealedReport] {
        var random = SeededGenerator(seed: seed)
        let types: [ReportType] = [.sitrep, .grip, .threat]
        return (0..<count).map { index in
            SealedReport.unsigned(
                Fixtures.sample(types[index % types.count]), id: ReportID.random(using: &random),
                origin: Fixtures.origin, originSeq: UInt64(index + 1),
                created: Fixtures.time("2025-06-11T10:52:00+02:00"), codec: Fixtures.codec, random: &random)
        }
    }

    static func batch(_ count: Int, key: SigningKey = Fixtures.signingKey) -> [SealedReport] {
        BatchSeal.seal(unsigned(count), with: key)
    }

    /// The report as a receiver reads it from `signature` and the report's own frames.
    static func received(
        _ report: SealedReport, signature: [UInt8]? = nil, envelope: [UInt8]? = nil
    )
        -> SealedReport?
    {
        try? SealedReport.decode(
            envelope: envelope ?? report.envelopeBytes, signature: signature ?? report.signature,
            sections: report.sections.map { $0 ?? [] }, allowWithheld: true, reference: Fixtures.reference)
    }

    static let key = Fixtures.signingKey.publicKey

    @Test("every report of a batch of 1 to 40, 64, 255, 256 and 257 verifies on its own after the wire")
    func roundTrip() throws {
        for count in Array(1...40) + [64, 255, 256, 257] {
            let sealed = Self.batch(count)
            #expect(sealed.count == count)
            let roots = VerifiedRoots()
            for (index, report) in sealed.enumerated() {
                let back = try #require(Self.received(report), "batch of \(count), report \(index)")
                #expect(back == report)
                #expect(back.verifySignature(with: Self.key), "batch of \(count), report \(index)")
                #expect(
                    back.verifySignature(with: Self.key, roots: roots), "batch of \(count), report \(index)")
                switch back.seal {
                case .single?:
                    // Alone (or the one left over past the largest batch): today's signature.
                    #expect(count == 1 || (count == 257 && index == 256))
                    #expect(back.signature.count == 64)
                case .batch(let proof)?:
                    let size = index < BatchSeal.maxLeaves ? min(count, BatchSeal.maxLeaves) : count - 256
                    #expect(proof.leafCount == size)
                    #expect(proof.leafIndex == index % BatchSeal.maxLeaves)
                    #expect(back.signature.count == 69 + 32 * proof.path.count)
                    #expect(back.signature.count != 64)
                case nil:
                    Issue.record("batch of \(count), report \(index): no seal")
                }
            }
            // One root per batch of up to 256 reports.
            #expect(roots.count == (count == 1 ? 0 : 1))
        }
    }

    @Test("the first report of each sender's batch is told apart, so a verifier checks its root first")
    func firstOfEachBatch() {
        let first = Self.batch(3)
        let second = BatchSeal.seal(Self.unsigned(2, seed: 9), with: Fixtures.signingKey)
        let alone = Self.batch(1)
        let vr10 = OrganisationCode("VR10")!
        let reports: [(report: SealedReport, sender: OrganisationCode)] =
            first.map { ($0, Fixtures.origin) } + [(alone[0], Fixtures.origin)]
            + second.map { ($0, Fixtures.origin) } + [(first[0], vr10)]
        #expect(
            BatchSeal.firstOfEachBatch(reports) == [true, false, false, true, true, false, true])
    }

    @Test("a report sealed alone keeps the 64-byte signature over its envelope")
    func singleUnchanged() throws {
        let alone = try #require(Self.batch(1).first)
        #expect(alone.signature.count == 64)
        #expect(Self.key.verify(alone.signature, for: alone.envelopeBytes))
        let old = Fixtures.seal(Fixtures.sample(.grip))
        #expect(old.signature.count == 64)
        #expect(old.verifySignature(with: Self.key))
        #expect(old.verifySignature(with: Self.key, roots: VerifiedRoots()))
        // A single signature that happens to start with the batch tag is still a signature.
        var tagged = old.signature
        tagged[0] = ReportSeal.batchTag
        #expect(ReportSeal(frame: tagged) == .single(signature: tagged))
    }

    @Test("any flipped bit in the proof or the root signature is refused, with or without verified roots")
    func flippedProofBits() throws {
        for count in [2, 3, 5, 8] {
            let sealed = Self.batch(count)
            let roots = VerifiedRoots()
            // The batch's root is known to the cache: a tampered copy must still fail.
            #expect(sealed[0].verifySignature(with: Self.key, roots: roots))
            for report in [sealed[count / 2], sealed[count - 1]] {
                for byte in report.signature.indices {
                    for bit in [0, 3, 7] {
                        var frame = report.signature
                        frame[byte] ^= UInt8(1 << bit)
                        guard let back = Self.received(report, signature: frame) else { continue }
                        #expect(!back.verifySignature(with: Self.key), "byte \(byte) bit \(bit)")
                        #expect(
                            !back.verifySignature(with: Self.key, roots: roots), "byte \(byte) bit \(bit)")
                    }
                }
            }
        }
    }

    @Test("a flipped bit in the envelope is refused; another report's proof does not fit")
    func flippedEnvelopeBits() throws {
        let sealed = Self.batch(6)
        let roots = VerifiedRoots()
        #expect(sealed[0].verifySignature(with: Self.key, roots: roots))
        let report = sealed[3]
        var checked = 0
        for byte in stride(from: 0, to: report.envelopeBytes.count, by: 7) {
            var bytes = report.envelopeBytes
            bytes[byte] ^= 0x02
            guard let back = Self.received(report, envelope: bytes) else { continue }
            checked += 1
            #expect(!back.verifySignature(with: Self.key, roots: roots), "byte \(byte)")
        }
        #expect(checked > 0, "some changed envelopes still decode")
        for other in sealed where other.id != report.id {
            let swapped = try #require(Self.received(report, signature: other.signature))
            #expect(!swapped.verifySignature(with: Self.key, roots: roots))
        }
    }

    @Test("a report taken out of its batch and projected for a view verifies alone, as in an export")
    func aloneOutOfItsBatch() throws {
        let sealed = Self.batch(7)
        // A sitrep: the public view withholds its sections for partners and the police.
        let report = sealed[3]
        let projected = report.projected(for: .publicView)
        #expect(projected.sections.contains { $0 == nil }, "the public view withholds a section")
        let frames = MessageCodec.encode(.submit(projected))
        #expect(frames.contains(report.signature), "the proof travels with the report")
        let back = try #require(Self.received(projected))
        #expect(back.verifySignature(with: Self.key))
        #expect(back.visibleJSON == projected.visibleJSON)
    }

    @Test("a verified root is not accepted for another origin's key")
    func rootsPerOrigin() throws {
        let sealed = Self.batch(4)
        let roots = VerifiedRoots()
        #expect(sealed[0].verifySignature(with: Self.key, roots: roots))
        #expect(roots.count == 1)
        let other = Fixtures.otherKey.publicKey
        for report in sealed {
            #expect(!report.verifySignature(with: other, roots: roots))
            #expect(!SigningKeySet(current: other).verifies(report, roots: roots))
        }
        // The other origin's own batch with the same envelopes is not the first one's either.
        let impostor = Self.batch(4, key: Fixtures.otherKey)
        #expect(impostor[1].verifySignature(with: other, roots: roots))
        #expect(!impostor[1].verifySignature(with: Self.key, roots: roots))
        #expect(roots.count == 2)
    }

    @Test("a retired key still verifies its batches")
    func retiredKey() {
        let sealed = Self.batch(3, key: Fixtures.otherKey)
        let keys = SigningKeySet(current: Self.key, retired: [Fixtures.otherKey.publicKey])
        let roots = VerifiedRoots()
        #expect(sealed.allSatisfy { keys.verifies($0, roots: roots) })
    }

    @Test("the verified roots stay within their capacity")
    func bounded() {
        let roots = VerifiedRoots(capacity: 4)
        for seed in 1...10 {
            let sealed = BatchSeal.seal(Self.unsigned(2, seed: UInt64(seed)), with: Fixtures.signingKey)
            #expect(sealed[1].verifySignature(with: Self.key, roots: roots))
            #expect(roots.count <= 4)
        }
        // Forgotten roots are verified again, not refused.
        let first = BatchSeal.seal(Self.unsigned(2, seed: 1), with: Fixtures.signingKey)
        #expect(first[0].verifySignature(with: Self.key, roots: roots))
    }

    @Test(
        "a signature frame of neither form is refused as a bad signature",
        arguments: [0, 1, 63, 65, 68, 70, 69 + 31, 69 + 32 * 9])
    func malformedFrames(_ length: Int) {
        var frame = [UInt8](repeating: 0, count: length)
        if length > 0 { frame[0] = ReportSeal.batchTag }
        if length >= 5 { frame[4] = 2 }
        let report = Fixtures.seal(Fixtures.sample(.grip))
        do {
            _ = try SealedReport.decode(
                envelope: report.envelopeBytes, signature: frame, sections: report.sections.map { $0! },
                allowWithheld: false, reference: Fixtures.reference)
            Issue.record("a \(length)-byte frame was read")
        } catch {
            #expect(error.contains(.badSignature, at: "signature"))
        }
    }

    @Test("a proof frame claiming more leaves than a batch may have, or a leaf past the count, is refused")
    func proofLimits() {
        let good = Self.batch(2)[0]
        guard case .batch(let proof)? = good.seal else {
            Issue.record("not a batch seal")
            return
        }
        for (index, count) in [(0, BatchSeal.maxLeaves + 1), (2, 2), (0, 0)] {
            var frame = good.signature
            frame[1] = UInt8(index >> 8)
            frame[2] = UInt8(index & 0xFF)
            frame[3] = UInt8(count >> 8)
            frame[4] = UInt8(count & 0xFF)
            #expect(ReportSeal(frame: frame) == nil, "index \(index) of \(count)")
        }
        #expect(ReportSeal(frame: good.signature) == .batch(proof))
    }

    @Test("the tree of an odd count is not the tree with its last leaf doubled")
    func oddCounts() {
        let leaves = (0..<3).map { MerkleTree.leaf([UInt8($0)]) }
        let odd = MerkleTree.build(leaves).root
        let doubled = MerkleTree.build(leaves + [leaves[2]]).root
        #expect(odd != doubled)
        // RFC 9162's shape: ((0 1) 2).
        #expect(odd == MerkleTree.node(MerkleTree.node(leaves[0], leaves[1]), leaves[2]))
        // A proof with a sibling too many or too few leads nowhere.
        let paths = MerkleTree.build(leaves).paths
        #expect(MerkleTree.root(leaf: leaves[2], index: 2, count: 3, path: paths[2]) == odd)
        #expect(MerkleTree.root(leaf: leaves[2], index: 2, count: 3, path: paths[2] + [leaves[0]]) == nil)
        #expect(MerkleTree.root(leaf: leaves[0], index: 0, count: 3, path: Array(paths[0].prefix(1))) == nil)
    }
}
