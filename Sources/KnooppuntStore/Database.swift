import Foundation
import GRDB

/// A store could not be opened or written.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Opens SQLite the way every Knooppunt store needs it: WAL, and `synchronous=FULL` so a
/// commit is on disk (fsync'd) before we say "accepted".
///
/// GRDB sets `synchronous=NORMAL` on a WAL writer during its own setup, so FULL is set after
/// opening and read back; a store that does not read back FULL refuses to open.
enum DurableDatabase {
    /// `label` names the connection's queue (the file's name by default).
    static func open(at path: String, label: String? = nil) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.label = label ?? URL(fileURLWithPath: path).lastPathComponent
        // Our stores are written by one thread; a busy database means another process holds
        // it (a second daemon on the same folder), which the lock file catches first.
        configuration.busyMode = .timeout(5)
        try ownerOnly(path)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let level = try synchronousLevel(queue)
        guard level == 2 else {
            throw StoreError("\(path): PRAGMA synchronous reads back \(level), not 2 (FULL)")
        }
        return queue
    }

    /// Makes the store file readable by its owner only, creating it empty if it is missing
    /// (SQLite takes an empty file as a new database). Its WAL and shared-memory files get the
    /// same mode from SQLite. Stores hold reports others may not see, password hashes and token
    /// digests: the folder being owner-only is one line of defence, the file another.
    static func ownerOnly(_ path: String) throws {
        let descriptor = Foundation.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError("\(path): cannot open (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else {
            throw StoreError("\(path): cannot make it owner-only (\(String(cString: strerror(errno))))")
        }
        for suffix in ["-wal", "-shm"] { chmod(path + suffix, 0o600) }
    }

    /// `PRAGMA synchronous` as SQLite reports it: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    static func synchronousLevel(_ queue: DatabaseQueue) throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }
}

/// Section frames in one blob: a count, then each frame's length and bytes; a withheld
/// section has the length 0xFFFFFFFF and no bytes.
enum FrameBlob {
    static func encode(_ frames: [[UInt8]?]) -> Data { Data(bytes(frames)) }

    /// The blob's bytes, in a buffer sized once.
    static func bytes(_ frames: [[UInt8]?]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 + frames.reduce(0) { $0 + 4 + ($1?.count ?? 0) })
        func put(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) } }
        put(UInt32(frames.count))
        for frame in frames {
            if let frame {
                put(UInt32(frame.count))
                out.append(contentsOf: frame)
            } else {
                put(UInt32.max)
            }
        }
        return out
    }

    static func decode(_ data: Data) throws -> [[UInt8]?] {
        let bytes = [UInt8](data)
        var index = 0
        func get() throws -> UInt32 {
            guard index + 4 <= bytes.count else { throw StoreError("corrupt section blob") }
            defer { index += 4 }
            return bytes[index..<(index + 4)].reduce(0) { $0 << 8 | UInt32($1) }
        }
        let count = try get()
        guard count <= 64 else { throw StoreError("corrupt section blob") }
        var frames: [[UInt8]?] = []
        for _ in 0..<count {
            let length = try get()
            if length == UInt32.max {
                frames.append(nil)
                continue
            }
            guard index + Int(length) <= bytes.count else { throw StoreError("corrupt section blob") }
            frames.append(Array(bytes[index..<(index + Int(length))]))
            index += Int(length)
        }
        return frames
    }
}
