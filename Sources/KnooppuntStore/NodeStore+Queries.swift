import Foundation
import GRDB
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

// Read-only queries for the tools that reconstruct what happened (the timeline, the CAP
// export). They open a store file read-only, never migrate or write it, so they can run beside
// a live node or daemon, or on a copy taken afterwards.

extension LogFilter {
    /// The SQL condition and its arguments.
    var condition: (sql: String, arguments: [any DatabaseValueConvertible]) {
        var terms: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        for key in keys {
            terms.append("key = ?")
            arguments.append(key)
        }
        // substr() instead of LIKE/GLOB: keys may hold `_`, which LIKE reads as a wildcard.
        for prefix in keyPrefixes {
            terms.append("substr(key, 1, ?) = ?")
            arguments.append(prefix.count)
            arguments.append(prefix)
        }
        for type in types {
            terms.append("type = ?")
            arguments.append(type.rawValue)
        }
        return (terms.isEmpty ? "0" : "(" + terms.joined(separator: " OR ") + ")", arguments)
    }
}

/// The national node's log, opened read-only.
public final class LogReader {
    let db: DatabaseQueue
    let reference: ReferenceData

    /// Largest number of rows one call returns; callers page on with `after`.
    public static let pageSize = 2_000

    public init(nodeStorePath path: String, reference: ReferenceData = .builtIn) throws {
        db = try ReadOnlyDatabase.open(at: path, what: "the node's store")
        self.reference = reference
    }

    /// The accepted report with this id, if any.
    public func update(id: ReportID) throws -> Update? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM log WHERE report_id = ?", arguments: [id.rawValue])
        }.map(update(from:))
    }

    /// Rows matching `filter` with sequence above `after`, in sequence order, at most ``pageSize``.
    public func updates(matching filter: LogFilter, after: SequenceNumber = 0) throws -> [Update] {
        let (condition, arguments) = filter.condition
        let rows = try db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM log WHERE seq > ? AND \(condition) ORDER BY seq LIMIT ?",
                arguments: StatementArguments([Int64(clamping: after)] + arguments + [Self.pageSize]))
        }
        return try rows.map(update(from:))
    }

    /// Every row matching `filter`, in sequence order (pages through the log).
    public func allUpdates(matching filter: LogFilter) throws -> [Update] {
        var result: [Update] = []
        var after: SequenceNumber = 0
        while true {
            let page = try updates(matching: filter, after: after)
            result += page
            guard page.count == Self.pageSize, let last = page.last else { return result }
            after = last.sequence
        }
    }

    func update(from row: Row) throws -> Update {
        let report = try SealedReport.decodeStored(
            envelope: [UInt8](row["envelope"] as Data), signature: [UInt8](row["signature"] as Data),
            sections: try FrameBlob.decode(row["sections"]), reference: reference)
        return Update(
            sequence: row["seq"], epoch: row["epoch"], committedAt: row["committed_at"], report: report)
    }
}

/// A daemon's mirror, opened read-only: which global sequences reached it.
public final class MirrorReader {
    let db: DatabaseQueue

    public init(daemonStorePath path: String) throws {
        db = try ReadOnlyDatabase.open(at: path, what: "a daemon's store")
    }

    /// Of `sequences`, those the mirror holds: in its history (applied one by one) or as a
    /// current entry (a snapshot brings only the latest report per key, without history).
    public func held(_ sequences: Set<SequenceNumber>) throws -> Set<SequenceNumber> {
        var held: Set<SequenceNumber> = []
        let sorted = sequences.filter { $0 <= SequenceNumber(Int64.max) }.sorted()
        // Ask in chunks: SQLite bounds the number of arguments of one statement.
        for start in stride(from: 0, to: sorted.count, by: 500) {
            let chunk = sorted[start..<min(start + 500, sorted.count)].map { Int64($0) }
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let found = try db.read { db in
                try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT seq FROM mirror_history WHERE seq IN (\(marks))
                        UNION SELECT seq FROM mirror_entry WHERE seq IN (\(marks))
                        """,
                    arguments: StatementArguments(chunk + chunk))
            }
            held.formUnion(found.map { SequenceNumber($0) })
        }
        return held
    }

    /// The last sequence the mirror applied.
    public func applied() throws -> SequenceNumber {
        try db.read { db in
            SequenceNumber(try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'applied'") ?? 0)
        }
    }
}

enum ReadOnlyDatabase {
    static func open(at path: String, what: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError("\(path): no such file (\(what) has never been written here)")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = URL(fileURLWithPath: path).lastPathComponent
        // A live writer holds the lock only for the length of one commit.
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}
