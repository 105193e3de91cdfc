import Foundation
import KnooppuntStore
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
