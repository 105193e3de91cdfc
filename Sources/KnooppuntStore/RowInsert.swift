import GRDB
import GRDBSQLite

/// One run of a prepared INSERT whose values are bound through SQLite's C API: the rows every
/// report writes (its log row, its row of the audit chain), on the active and on every
/// replica that follows it.
///
/// Why not GRDB's `execute(arguments:)`: it turns each value into a `DatabaseValue` (a blob
/// first into `Data`, a copy) inside an array of existentials, then binds them through one
/// nested closure per value. For the log's twelve columns that was 5 % of the node's poll loop
/// at full load and 9 % of a following replica's, nearly all of it reference counting
/// (docs/BENCHMARKS.md, "The rows of each report bound directly"). Here each value is bound
/// where it lies and SQLite copies it (`SQLITE_TRANSIENT`), once.
///
/// Only for statements run inside a write transaction of the store that owns them, with no
/// GRDB observation on that database (the stores use none): GRDB's statement bookkeeping is
/// for transaction and region tracking, which an INSERT inside an open transaction does not
/// change. Bind every placeholder, in order, then ``run()``.
struct RowInsert: ~Copyable {
    private let statement: Statement
    private let handle: OpaquePointer
    private var index: Int32 = 0

    /// Resets `statement` (a cached INSERT) and clears what an earlier run bound.
    init(_ statement: Statement) {
        self.statement = statement
        handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// SQLite copies a value bound with this destructor before the bind returns.
    private static let transient = unsafeBitCast(
        OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private mutating func next() -> Int32 {
        index += 1
        return index
    }

    mutating func bind(_ value: Int64) {
        sqlite3_bind_int64(handle, next(), value)
    }

    /// A sequence or epoch: SQLite stores integers as Int64, and none passes Int64.max.
    mutating func bind(_ value: UInt64) {
        bind(Int64(value))
    }

    mutating func bind(_ value: String?) {
        let at = next()
        guard var value else {
            sqlite3_bind_null(handle, at)
            return
        }
        value.withUTF8 { bindText(UnsafeRawBufferPointer($0), at: at) }
    }

    /// UTF-8 bytes bound as TEXT (a canonical JSON document, already encoded).
    mutating func bind(text bytes: [UInt8]) {
        let at = next()
        bytes.withUnsafeBytes { bindText($0, at: at) }
    }

    private func bindText(_ raw: UnsafeRawBufferPointer, at: Int32) {
        if let base = raw.baseAddress, !raw.isEmpty {
            sqlite3_bind_text(
                handle, at, base.assumingMemoryBound(to: CChar.self), Int32(raw.count), Self.transient)
        } else {
            // An empty text from a literal: a null pointer would bind NULL.
            "".withCString { _ = sqlite3_bind_text(handle, at, $0, 0, Self.transient) }
        }
    }

    mutating func bind(blob bytes: [UInt8]) {
        let at = next()
        bytes.withUnsafeBytes { raw in
            // An empty array has no base address, and SQLite binds a null pointer as NULL.
            if let base = raw.baseAddress, !raw.isEmpty {
                _ = sqlite3_bind_blob(handle, at, base, Int32(raw.count), Self.transient)
            } else {
                _ = sqlite3_bind_zeroblob(handle, at, 0)
            }
        }
    }

    /// Steps the INSERT once; a constraint or I/O failure is thrown as GRDB's `DatabaseError`.
    consuming func run() throws {
        precondition(
            index == sqlite3_bind_parameter_count(handle), "every placeholder of \(statement.sql) is bound")
        let code = sqlite3_step(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        guard code == SQLITE_DONE else {
            let message = sqlite3_db_handle(handle).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }
}
