import Foundation
import Synchronization
import Testing

@testable import KnooppuntNode

/// The node's sync thread on a real file: each request is answered once, with its token, on
/// success; a WAL that cannot be synced is reported as a failure (the node then stops).
@Suite("Sync thread (the WAL's fdatasync off the loop)", .serialized)
struct SyncThreadTests {
    @Test("each request is answered with its token; a replaced file is synced through a new descriptor")
    func answersRequests() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let wal = folder.appendingPathComponent("store.sqlite-wal")
        try Data("frames".utf8).write(to: wal)
        let answers = Mutex<[(UInt64, String?)]>([])
        let answered = DispatchSemaphore(value: 0)
        let thread = SyncThread(walPath: wal.path) { token, failure in
            answers.withLock { $0.append((token, failure)) }
            answered.signal()
        }
        thread.start()
        defer { thread.stop() }
        thread.request(1)
        #expect(answered.wait(timeout: .now() + 20) == .success)
        // The file at the path is replaced (as SQLite does with a new WAL after the last close).
        try FileManager.default.removeItem(at: wal)
        try Data("new frames".utf8).write(to: wal)
        thread.request(2)
        #expect(answered.wait(timeout: .now() + 20) == .success)
        let seen = answers.withLock { $0 }
        #expect(seen.map(\.0) == [1, 2])
        #expect(seen.allSatisfy { $0.1 == nil }, "\(seen)")
        #expect(thread.syncHere() == nil)
    }

    @Test("a WAL that is not there is a failure, not a success")
    func missingFileFails() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-sync-missing-\(UUID().uuidString)-wal"
        ).path
        let answers = Mutex<[String?]>([])
        let answered = DispatchSemaphore(value: 0)
        let thread = SyncThread(walPath: path) { _, failure in
            answers.withLock { $0.append(failure) }
            answered.signal()
        }
        thread.start()
        defer { thread.stop() }
        thread.request(7)
        #expect(answered.wait(timeout: .now() + 20) == .success)
        let first = answers.withLock { $0.first }
        let failure = try #require(first ?? nil)
        #expect(failure.contains(path))
        #expect(thread.syncHere() != nil)
    }
}
