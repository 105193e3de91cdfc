import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The node's fdatasync of its store's WAL, on a thread of its own, so that the loop decides
/// and commits the next batch while the previous one reaches the disk.
///
/// The loop asks for one sync at a time (`request`); the thread runs fdatasync on its own
/// descriptor of the `-wal` file and hands the outcome back through `deliver` (which queues it
/// on the loop: the thread touches no socket and no SQLite connection). fdatasync acts on the
/// file, not on the descriptor, so it flushes what the loop's connection wrote through its own.
/// The descriptor is opened again when the file at the path is another one (SQLite deletes
/// the WAL when the last connection closes; a new one is a new file).
final class SyncThread: Sendable {
    /// The outcome of one sync: nil on success, else what failed (errno's text).
    typealias Deliver = @Sendable (_ token: UInt64, _ failure: String?) -> Void

    let walPath: String
    private let deliver: Deliver
    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    private struct State {
        var requested: UInt64?
        var stopping = false
        var started = false
    }

    init(walPath: String, deliver: @escaping Deliver) {
        self.walPath = walPath
        self.deliver = deliver
    }

    /// Starts the thread (once).
    func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "node-sync"
        thread.start()
    }

    /// Asks for a sync that starts after this call; its outcome arrives through `deliver`.
    func request(_ token: UInt64) {
        state.withLock { $0.requested = token }
        wakeUp.signal()
    }

    /// How long a stop waits for a sync that is still running (a disk that hangs must not
    /// hang the node's shutdown; the loop has stopped, so its answer goes nowhere).
    static let stopTimeout: DispatchTimeInterval = .seconds(10)

    /// Ends the thread after the sync it runs, and waits for it (at most ``stopTimeout``).
    func stop() {
        let started = state.withLock { state -> Bool in
            state.stopping = true
            return state.started
        }
        guard started else { return }
        wakeUp.signal()
        _ = finished.wait(timeout: .now() + Self.stopTimeout)
    }

    private func run() {
        var file = WALFile(path: walPath)
        defer { file.close() }
        while true {
            wakeUp.wait()
            let (token, stopping) = state.withLock { state -> (UInt64?, Bool) in
                defer { state.requested = nil }
                return (state.requested, state.stopping)
            }
            if let token { deliver(token, file.sync()) }
            if stopping { return }
        }
    }

    /// Syncs the WAL on the calling thread (the loop's, at shutdown, when no answer could reach
    /// it any more). Nil on success.
    func syncHere() -> String? {
        var file = WALFile(path: walPath)
        defer { file.close() }
        return file.sync()
    }
}

/// One descriptor on the WAL, opened again if the file at the path was replaced.
private struct WALFile {
    let path: String
    var descriptor: Int32 = -1
    var identity: (device: UInt64, inode: UInt64)?

    init(path: String) { self.path = path }

    /// fdatasync of the file now at `path`; nil on success, else the failure.
    mutating func sync() -> String? {
        var current = stat()
        guard fstatat(AT_FDCWD, path, &current, 0) == 0 else { return "stat \(path): \(Self.lastError())" }
        let now = (device: UInt64(current.st_dev), inode: UInt64(current.st_ino))
        if descriptor < 0 || identity.map({ $0 != now }) ?? true {
            close()
            descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return "open \(path): \(Self.lastError())" }
            identity = now
        }
        var result: Int32
        repeat { result = fdatasync(descriptor) } while result != 0 && errno == EINTR
        return result == 0 ? nil : "fdatasync \(path): \(Self.lastError())"
    }

    mutating func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
        identity = nil
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
