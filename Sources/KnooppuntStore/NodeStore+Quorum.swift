import GRDB
import KnooppuntDomain

/// A replica on etcd: how far this store holds the log in etcd, kept in `meta` so a replica
/// that starts reads the log only from there on (the log before it may be trimmed away).
public struct QuorumPoint: Sendable, Hashable {
    /// The last log index this store holds, and the etcd revision that wrote it.
    public var index: UInt64
    public var revision: Int64
    /// The last report sequence at that index.
    public var sequence: SequenceNumber

    public init(index: UInt64, revision: Int64, sequence: SequenceNumber) {
        self.index = index
        self.revision = revision
        self.sequence = sequence
    }

    public static let none = QuorumPoint(index: 0, revision: 0, sequence: 0)
}

extension NodeStore {
    /// The point saved last (``QuorumPoint/none`` when never).
    public func quorumPoint() throws -> QuorumPoint {
        try db.read { db in
            func value(_ name: String) throws -> Int64 {
                try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name]) ?? 0
            }
            return QuorumPoint(
                index: UInt64(clamping: try value("quorumIndex")), revision: try value("quorumRevision"),
                sequence: SequenceNumber(clamping: try value("quorumSequence")))
        }
    }

    /// Saves the point in its own transaction.
    public func setQuorumPoint(_ point: QuorumPoint) throws {
        try db.write { db in try Self.saveQuorumPoint(point, db) }
    }

    static func saveQuorumPoint(_ point: QuorumPoint, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)")
        try statement.execute(arguments: ["quorumIndex", Int64(clamping: point.index)])
        try statement.execute(arguments: ["quorumRevision", point.revision])
        try statement.execute(arguments: ["quorumSequence", Int64(clamping: point.sequence)])
    }
}
