import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntTestSupport
import Testing

@Suite("Store durability")
struct StoreDurabilityTests {
    @Test("the node's and a daemon's SQLite writers run with synchronous=FULL (reads back 2)")
    func synchronousFull() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let node = try NodeStore(path: folder.appendingPathComponent("node.sqlite").path)
        #expect(try node.synchronousLevel() == 2)
        let daemon = try DaemonStore(path: folder.appendingPathComponent("daemon.sqlite").path)
        #expect(try daemon.synchronousLevel() == 2)
    }
}

@Suite("Node store checkpoints")
struct NodeStoreCheckpointTests {
    /// 2,000 refusals of about 3 KB each: about 1,500 pages of WAL, past the 1,000 that ask
    /// for a checkpoint.
    static func refusals(_ batch: Int) -> [RejectionRecord] {
        (0..<100).map { index in
            let originSeq = UInt64(batch * 100 + index + 1)
            return RejectionRecord(
                rejection: Rejection(
                    reportID: ReportID(String(format: "00000000-0000-4000-8000-%012x", Int(originSeq)))!,
                    origin: OrganisationCode("VR09")!,
                    originSeq: originSeq,
                    problem: Problem(.outOfOrder, field: "originSeq", String(repeating: "x", count: 3_000))),
                epoch: 1, afterSequence: 0, at: 0)
        }
    }

    @Test(
        "the WAL is copied into the database file by the store's own checkpoint connection, and nothing is lost"
    )
    func backgroundCheckpoint() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("node.sqlite")
        do {
            let store = try NodeStore(path: path)
            let before = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            for batch in 0..<20 { try store.commit(accepted: [], records: Self.refusals(batch)) }
            // The checkpoint runs on its own queue: wait for it (a bounded wait, not a timing).
            for _ in 0..<200 where store.backgroundCheckpoints == 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(store.backgroundCheckpoints >= 1)
            let after = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            #expect(after > before + 2_000_000, "database file \(before) → \(after) bytes")
        }
        let reopened = try NodeStore(path: path)
        for batch in [0, 19] {
            for record in Self.refusals(batch) {
                #expect(try reopened.outcome(of: record.rejection.reportID) == .rejected(record.rejection))
            }
        }
    }
}
