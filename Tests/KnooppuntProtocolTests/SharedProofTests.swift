import KnooppuntDomain
import KnooppuntProtocol
import Testing

/// Shared proofs in batch messages (docs/PROTOCOL.md §5.5): written once per batch, rebuilt
/// byte for byte, and refused with a stable code when they lead nowhere.
@Suite("Shared proofs")
struct SharedProofTests {
    /// Stream parts of `count` updates of one batch: each envelope distinct bytes, each
    /// signature frame its batch proof (the root's signature is not checked here).
    static func batch(_ count: Int, tag: UInt8 = 0) -> [[[UInt8]]] {
        let envelopes = (0..<count).map { Array("envelope \(tag) \($0)".utf8) }
        let tree = MerkleTree.build(envelopes.map(MerkleTree.leaf))
        let signature = [UInt8](repeating: tag &+ 7, count: ReportSeal.signatureBytes)
        return envelopes.indices.map { index in
            let proof = BatchProof(
                leafIndex: index, leafCount: count, path: tree.paths[index], rootSignature: signature)
            return [
                Array("\(index + 1)".utf8), [0x31], [0x30], envelopes[index], ReportSeal.batch(proof).frame,
                [],
            ]
        }
    }

    /// The parts as a receiver rebuilds them, update after update.
    static func rebuilt(_ sent: [[[UInt8]]]) throws(Problem) -> [[[UInt8]]] {
        var out: [[[UInt8]]] = []
        for var parts in sent {
            // As the codec reads them: a 64-byte part is a single signature whatever its first byte.
            if parts[4].count != ReportSeal.signatureBytes, parts[4].first == SharedProof.tag {
                parts[4] = try SharedProof.expand(
                    parts[4], earlier: out[...], field: "ENTRIES.\(out.count).signature")
            }
            out.append(parts)
        }
        return out
    }

    @Test(
        "every pair of leaves of trees of 2 to 20 leaves, and of 64: the second's proof travels shared and is rebuilt exactly"
    )
    func everyPair() throws {
        for count in Array(2...20) + [64] {
            let updates = Self.batch(count)
            for anchor in 0..<count {
                for leaf in 0..<count where leaf != anchor {
                    let message = [updates[anchor], updates[leaf]]
                    let sent = SharedProof.shorten(message)
                    #expect(sent[0] == updates[anchor], "an anchor travels whole")
                    #expect(sent[1][4].first == SharedProof.tag && sent[1][4].count < updates[leaf][4].count)
                    #expect(try Self.rebuilt(sent) == message, "leaf \(leaf) after \(anchor) of \(count)")
                }
            }
        }
    }

    @Test(
        "batches interleaved in a message, as a snapshot holds them: fewer bytes, read back the same reports")
    func interleaved() throws {
        let first = Self.batch(64, tag: 1)
        let second = Self.batch(37, tag: 2)
        let single: [[UInt8]] = [
            [0x39], [0x31], [0x30], Array("alone".utf8), [UInt8](repeating: 2, count: 64), [],
        ]
        var message: [[[UInt8]]] = [single]
        for index in 0..<30 { message += [first[index * 2], second[index]] }
        let sent = SharedProof.shorten(message)
        #expect(try Self.rebuilt(sent) == message)
        let shared = sent.filter { $0[4].count != 64 && $0[4].first == SharedProof.tag }.count
        // Every report of a batch but the first of each; the single signature (first byte 2,
        // 64 bytes) is never taken for a shared proof.
        #expect(shared == message.count - 3)
        let before = message.reduce(0) { $0 + $1[4].count }
        let after = sent.reduce(0) { $0 + $1[4].count }
        #expect(after * 3 < before, "\(before) bytes of proofs became \(after)")
        // Under the same signature but with another top to its path: it keeps its whole proof.
        var odd = first[1]
        odd[4][odd[4].count - 1] ^= 1
        #expect(SharedProof.shorten([first[0], odd]) == [first[0], odd])
    }

    @Test("sealed reports in an ENTRIES message with shared proofs decode as the same entries")
    func throughTheCodec() throws {
        let unsigned = (1...12).map { originSeq in
            var random = SeededRandom(seed: UInt64(originSeq))
            return SealedReport.unsigned(
                Fixtures.sample(.sitrep), id: .random(using: &random), origin: Fixtures.origin,
                originSeq: UInt64(originSeq), created: Fixtures.time("2019-03-18T10:45:00+01:00"),
                codec: Fixtures.codec, random: &random)
        }
        let sealed = BatchSeal.seal(unsigned, with: Fixtures.signingKey)
        let updates = sealed.enumerated().map { index, report in
            Update(sequence: 100 + UInt64(index), epoch: 3, committedAt: 1_749_631_920_000, report: report)
        }
        let whole = MessageCodec.streamMessage(updates.map(MessageCodec.streamFrames), entries: true)
        var sent = SharedProof.shorten(updates.map(MessageCodec.streamFrames))
        let shortened = MessageCodec.streamMessage(sent, entries: true)
        #expect(shortened.reduce(0) { $0 + $1.count } < whole.reduce(0) { $0 + $1.count })
        let read = try Fixtures.messages.decodeStream(shortened)
        #expect(read == updates.map { ServerMessage.entry($0) })
        for case .entry(let entry) in read {
            #expect(entry.report.verifySignature(with: Fixtures.signingKey.publicKey))
        }
        // A shared proof naming itself as its anchor: refused, with the update's place.
        #expect(sent[2][4].first == SharedProof.tag)
        sent[2][4][1] = 0
        sent[2][4][2] = 2
        do {
            _ = try Fixtures.messages.decodeStream(MessageCodec.streamMessage(sent, entries: true))
            Issue.record("a shared proof anchored on itself was read")
        } catch {
            #expect(error.code == .badSignature && error.field == "ENTRIES.2.signature")
        }
    }

    @Test("a shared proof that leads nowhere is refused with E218, naming the update's signature")
    func malformed() throws {
        let updates = Self.batch(8)
        let sent = SharedProof.shorten([updates[0], updates[5]])
        let good = sent[1][4]
        func code(_ frame: [UInt8], earlier: [[[UInt8]]] = [updates[0]]) -> (ErrorCode, String)? {
            do {
                _ = try SharedProof.expand(frame, earlier: earlier[...], field: "ENTRIES.1.signature")
                return nil
            } catch { return (error.code, error.field) }
        }
        #expect(code(good) == nil)
        #expect(code(Array(good.prefix(4)))?.0 == .badSignature)
        #expect(code(Array(good.prefix(4)))?.1 == "ENTRIES.1.signature")
        // The anchor must be earlier in the message, and carry a batch proof.
        #expect(code([good[0], 0, 1] + good[3...])?.0 == .badSignature)
        #expect(code(good, earlier: [])?.0 == .badSignature)
        var alone = updates[0]
        alone[4] = [UInt8](repeating: 1, count: 64)
        #expect(code(good, earlier: [alone])?.0 == .badSignature)
        // Another leaf of the anchor's batch, and exactly the hashes below the parting level.
        #expect(code([good[0], 0, 0, 0, 0] + good[5...])?.0 == .badSignature)
        #expect(code([good[0], 0, 0, 0, 8] + good[5...])?.0 == .badSignature)
        #expect(code(good + [UInt8](repeating: 0, count: 32))?.0 == .badSignature)
    }

    @Test("HELLO announces shared proofs as `proofs`, next to `batch`")
    func announced() throws {
        let hello = ClientMessage.hello(
            applied: 0, epoch: 0, role: .watch, accepts: [.batches, .sharedProofs])
        let frames = MessageCodec.encode(hello)
        #expect(frames.last == Array("batch,proofs".utf8))
        #expect(try Fixtures.messages.decodeClient(frames) == hello)
    }
}
