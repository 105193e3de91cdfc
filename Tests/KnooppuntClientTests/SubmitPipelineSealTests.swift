import Foundation
import KnooppuntClient
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import Logging
import Testing

/// The pipeline signs the reports of one round together (one signature, a proof each),
/// before they are stored: the outbox holds, and sends after a restart, exactly what was signed.
@Suite("Submit pipeline seals")
struct SubmitPipelineSealTests {
    static let key = SigningKey.generate()

    static func pipeline(_ storage: any OutboxStorage) throws -> SubmitPipeline {
        try SubmitPipeline(
            storage: storage, origin: OrganisationCode("VR09")!, signingKey: key,
            limits: OutboxLimits(capacity: 100, window: 64), duplicateWindow: .seconds(60),
            logger: Logger(label: "test"), storageFailed: { _, _ in })
    }

    /// Prepares `count` reports in one round.
    static func round(_ pipeline: SubmitPipeline, _ count: Int, from first: Int = 0) -> [PreparedReport] {
        var batch: [PreparedReport] = []
        for number in first..<first + count {
            guard
                case .ready(let prepared) = pipeline.prepare(
                    SubmitPipelineTests.sitrep("bericht \(number)"), again: false, after: batch,
                    wall: SubmitPipelineTests.wall)
            else {
                Issue.record("report \(number) not prepared")
                continue
            }
            batch.append(prepared)
        }
        return batch
    }

    @Test("a round of reports is signed once and stored signed; each report verifies alone")
    func roundSignedTogether() throws {
        let storage = MemoryStorage()
        let pipeline = try Self.pipeline(storage)
        let prepared = Self.round(pipeline, 5)
        #expect(prepared.allSatisfy { $0.item.report.seal == nil }, "not signed before the round is stored")
        let stored = try pipeline.enqueue(prepared)
        #expect(stored.map(\.item.id) == prepared.map(\.item.id))
        #expect(stored.map(\.item.originSeq) == [1, 2, 3, 4, 5])
        var signatures: Set<[UInt8]> = []
        for item in stored {
            #expect(item.item.report.verifySignature(with: Self.key.publicKey))
            #expect(storage.stored[item.item.id]?.item.report == item.item.report, "stored as signed")
            guard case .batch(let proof)? = item.item.report.seal else {
                Issue.record("not a batch seal")
                continue
            }
            #expect(proof.leafCount == 5)
            signatures.insert(proof.rootSignature)
        }
        #expect(signatures.count == 1, "one signature for the round")
        #expect(pipeline.due(now: .now) == stored.map(\.item.report))
    }

    @Test("a report alone is signed as before: 64 bytes over its envelope")
    func aloneAsBefore() throws {
        let pipeline = try Self.pipeline(MemoryStorage())
        let stored = try pipeline.enqueue(Self.round(pipeline, 1))
        let report = try #require(stored.first?.item.report)
        #expect(report.signature.count == 64)
        #expect(Self.key.publicKey.verify(report.signature, for: report.envelopeBytes))
    }

    @Test("a daemon store opened again sends the same signed reports, and they verify")
    func durableAcrossRestart() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-seal-\(UUID().uuidString).sqlite"
        ).path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let sent: [SealedReport]
        do {
            let store = try DaemonStore(path: path)
            let pipeline = try Self.pipeline(store)
            _ = try pipeline.enqueue(Self.round(pipeline, 3))
            _ = try pipeline.enqueue(Self.round(pipeline, 4, from: 3))
            sent = pipeline.due(now: .now)
        }
        let reopened = try Self.pipeline(try DaemonStore(path: path))
        let again = reopened.due(now: .now)
        #expect(again.count == 7)
        #expect(again.map(\.signature) == sent.map(\.signature))
        #expect(again.allSatisfy { $0.verifySignature(with: Self.key.publicKey) })
        let roots = VerifiedRoots()
        #expect(again.allSatisfy { $0.verifySignature(with: Self.key.publicKey, roots: roots) })
        #expect(roots.count == 2, "two rounds, two roots")
    }
}
