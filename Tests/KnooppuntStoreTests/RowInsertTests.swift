import Foundation
import GRDB
import KnooppuntTestSupport
import Testing

@testable import KnooppuntStore

@Suite("Rows bound through SQLite's C API")
struct RowInsertTests {
    static func table(_ folder: borrowing TemporaryFolder) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: folder.path("rows.sqlite"))
        try queue.write { db in
            try db.execute(
                sql:
                    "CREATE TABLE t(i INTEGER PRIMARY KEY, s TEXT NOT NULL, d TEXT NOT NULL, b BLOB NOT NULL, n TEXT)"
            )
        }
        return queue
    }

    static func insert(
        _ db: Database, _ i: Int64, _ s: String, _ d: [UInt8], _ b: [UInt8], _ n: String?
    ) throws {
        var row = RowInsert(
            try db.cachedStatement(sql: "INSERT INTO t(i, s, d, b, n) VALUES (?, ?, ?, ?, ?)"))
        row.bind(i)
        row.bind(s)
        row.bind(text: d)
        row.bind(blob: b)
        row.bind(n)
        try row.run()
    }

    @Test("texts, blobs and NULL read back as bound: empty ones stay empty, not NULL")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.table(folder)
        try queue.write { db in
            try Self.insert(db, 1, "Utrecht — 24 Oktoberplein", Array("{\"a\":1}".utf8), [0, 1, 255], "VR09")
            try Self.insert(db, 2, "", [], [], nil)
        }
        let rows = try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM t ORDER BY i") }
        #expect(rows.count == 2)
        #expect(rows[0]["s"] as String == "Utrecht — 24 Oktoberplein")
        #expect(rows[0]["d"] as String == "{\"a\":1}")
        #expect(rows[0]["b"] as Data == Data([0, 1, 255]))
        #expect(rows[0]["n"] as String? == "VR09")
        #expect(rows[1]["s"] as String == "")
        #expect(rows[1]["d"] as String == "")
        #expect(rows[1]["b"] as Data == Data())
        #expect(rows[1]["n"] as String? == nil)
    }

    @Test("a refused row throws SQLite's constraint error, and the statement runs again afterwards")
    func constraint() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.table(folder)
        try queue.write { db in
            try Self.insert(db, 1, "a", [], [1], nil)
            #expect {
                try Self.insert(db, 1, "again", [], [2], nil)
            } throws: { error in
                (error as? DatabaseError)?.resultCode == .SQLITE_CONSTRAINT
            }
            try Self.insert(db, 2, "b", [], [3], nil)
        }
        let count = try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") }
        #expect(count == 2)
    }
}
