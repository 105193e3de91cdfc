import Foundation

/// An exclusive lock on a process's folder (`flock`), holding the owner's pid.
///
/// A second daemon for the same organisation and folder refuses to start and names the pid
/// already running; the lock disappears with the process, however it ends (even SIGKILL),
/// so a stale file never blocks a restart.
public final class LockFile {
    public let url: URL
    private let fd: Int32

    /// Takes the lock or throws, naming the pid that holds it.
    public init(_ url: URL) throws {
        self.url = url
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ConfigError("cannot open \(url.path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = LockFile.holder(of: url).map { " by pid \($0)" } ?? ""
            close(fd)
            throw ConfigError("\(url.deletingLastPathComponent().path) is in use\(holder)")
        }
        self.fd = fd
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit { close(fd) }

    /// The pid written in a lock file, if a live process still holds the lock.
    public static func holder(of url: URL) -> Int32? {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // If we can take the lock, nobody holds it.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = read(fd, &buffer, 31)
        guard count > 0 else { return nil }
        return Int32(
            String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}
