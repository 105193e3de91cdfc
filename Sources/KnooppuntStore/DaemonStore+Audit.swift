import Foundation
import GRDB
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

extension DaemonStore {
    static let auditSchema = """
        CREATE TABLE audit_checkpoint(
            seq INTEGER PRIMARY KEY, head_hash BLOB NOT NULL, epoch INTEGER NOT NULL, at INTEGER NOT NULL,
            signature BLOB NOT NULL);
        """

    /// Checkpoints kept per daemon: the newest ones (older checkpoints are covered by newer ones
    /// for a chain that only grows; an inspection wants the recent ones).
    public static let checkpointsKept = 10_000

    /// Keeps a checkpoint the node signed (already verified by the caller).
    public func saveCheckpoint(_ checkpoint: AuditCheckpoint) throws {
        try db.write { db in
            try NodeStore.insertCheckpoint(checkpoint, db)
            try db.execute(
                sql:
                    "DELETE FROM audit_checkpoint WHERE seq < (SELECT seq FROM audit_checkpoint ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                arguments: [Self.checkpointsKept - 1])
        }
    }

    public func latestCheckpoint() throws -> AuditCheckpoint? {
        try db.read { db in try NodeStore.checkpoints(db, latestOnly: true).first }
    }
}

/// A daemon's store opened read-only for the checkpoints it received (`audit verify`).
public final class CheckpointReader {
    let db: DatabaseQueue

    public init(daemonStorePath path: String) throws {
        db = try ReadOnlyDatabase.open(at: path, what: "a daemon's store")
    }

    public func checkpoints() throws -> [AuditCheckpoint] {
        try db.read { db in try db.tableExists("audit_checkpoint") ? try NodeStore.checkpoints(db) : [] }
    }
}
