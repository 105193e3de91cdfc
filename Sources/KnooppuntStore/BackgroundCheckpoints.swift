import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies a store's WAL back into its database file on a connection and queue of its own,
/// instead of on the writer's thread after a commit.
///
/// SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past 1,000 pages:
/// the writer then reads every frame back, writes it into the database file and fsyncs that
/// file before its COMMIT returns. At the node's full load that happened every few group
/// commits, on the loop's thread; at a steady 1,000 reports a second, every second or two.
/// A checkpoint changes nothing a reader or a crash can see (every committed transaction is
/// already synced in the WAL), so it may run anywhere, later; `PASSIVE` never waits for the
/// writer, and the writer never waits for it.
final class BackgroundCheckpoints: Sendable {
    /// WAL pages after a commit that ask for a checkpoint: SQLite's own default.
    static let wantedPages: Int32 = 1_000
    /// WAL pages after which the writer checkpoints itself, as SQLite would: the background
    /// connection has fallen this far behind (or fails), and the WAL must stay bounded.
    static let writerPages: Int32 = 64_000

    private let connection: DatabaseQueue
    /// A checkpoint is queued and has not started: later commits need not queue another.
    private let queued = Atomic<Bool>(false)
    /// Checkpoints this connection ran that copied pages into the database file.
    let copying = Atomic<Int>(0)

    init(path: String) throws {
        // Opened as every store is (synchronous=FULL read back): the database file is synced
        // after each checkpoint, before the WAL may be reused.
        connection = try DurableDatabase.open(
            at: path, label: URL(fileURLWithPath: path).lastPathComponent + " checkpoints")
    }

    /// Replaces SQLite's automatic checkpoint on `writer` by this queue's.
    func install(on writer: DatabaseQueue) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        writer.writeWithoutTransaction { db in
            _ = sqlite3_wal_hook(db.sqliteConnection, Self.afterCommit, context)
        }
    }

    /// Gives the writer SQLite's automatic checkpoint back (before this object goes away).
    func uninstall(from writer: DatabaseQueue) {
        writer.writeWithoutTransaction { db in
            _ = sqlite3_wal_autocheckpoint(db.sqliteConnection, Self.wantedPages)
        }
    }

    /// Called by SQLite on the writer's thread after each commit, with the WAL's size in pages.
    private static let afterCommit:
        @convention(c) (
            UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32
        ) -> Int32 = { context, connection, _, pages in
            guard let context else { return SQLITE_OK }
            let checkpoints = Unmanaged<BackgroundCheckpoints>.fromOpaque(context).takeUnretainedValue()
            if pages >= writerPages {
                var logged: Int32 = 0
                var copied: Int32 = 0
                _ = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, &logged, &copied)
            } else if pages >= wantedPages {
                checkpoints.request()
            }
            return SQLITE_OK
        }

    private func request() {
        guard !queued.exchange(true, ordering: .acquiringAndReleasing) else { return }
        connection.asyncWriteWithoutTransaction { [self] db in
            queued.store(false, ordering: .releasing)
            // A failed checkpoint leaves the WAL as it was; the next commit asks again, and
            // past `writerPages` the writer checkpoints itself.
            if let result = try? db.checkpoint(.passive), result.checkpointedFrameCount > 0 {
                copying.add(1, ordering: .relaxed)
            }
        }
    }
}
