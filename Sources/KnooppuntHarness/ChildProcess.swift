import Foundation

/// One child process of a local network: its command line, its log file (standard output and
/// error, appended across restarts), and the signals a harness sends it. Not thread-safe: the
/// thread that owns a network drives its children.
public final class ChildProcess {
    public let name: String
    public let executable: URL
    public let arguments: [String]
    public let log: URL
    /// Extra environment variables on top of this process's own (nil: inherit as is).
    public let environment: [String: String]?
    public private(set) var process: Process?
    /// Stopped with SIGSTOP by ``pause()`` and not yet resumed.
    public private(set) var isPaused = false
    public private(set) var startedAt: ContinuousClock.Instant?

    public init(
        name: String, executable: URL, arguments: [String], log: URL, environment: [String: String]? = nil
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.log = log
        self.environment = environment
    }

    /// The running binary, so children are exactly this version.
    public static func currentExecutable() -> URL {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path)
    }

    /// Starts (or starts again) the process; its output goes to the end of ``log``, which is
    /// made owner-only when it does not exist yet (logs name paths and organisations).
    public func start() throws {
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(
                atPath: log.path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let handle = FileHandle(forWritingAtPath: log.path) else {
            throw HarnessError("cannot write the log \(log.path)")
        }
        handle.seekToEndOfFile()
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment {
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
        }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try Self.withStopSignalsUnblocked { try process.run() }
        self.process = process
        isPaused = false
        startedAt = .now
    }

    /// A child inherits the signal mask of the thread that starts it, and a program whose
    /// top-level code awaits (a test runner, an async command) runs with SIGTERM and SIGINT
    /// blocked: its children could then not be stopped gracefully. They are unblocked on this
    /// thread while the child is spawned, so every child starts able to receive them.
    static func withStopSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var stops = sigset_t()
        sigemptyset(&stops)
        sigaddset(&stops, SIGTERM)
        sigaddset(&stops, SIGINT)
        var saved = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &stops, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        return try body()
    }

    public var isRunning: Bool { process?.isRunning ?? false }
    public var pid: Int32? { process?.processIdentifier }

    /// Sends `number` when the process runs (a process that is gone is left alone).
    public func signal(_ number: Int32) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, number)
    }

    /// SIGSTOP: the process keeps its sockets and files but does nothing (a hung machine).
    public func pause() {
        signal(SIGSTOP)
        isPaused = true
    }

    /// SIGCONT after ``pause()``.
    public func resume() {
        signal(SIGCONT)
        isPaused = false
    }

    /// SIGKILL and wait until the process is gone (and its locks released).
    public func kill9() {
        signal(SIGKILL)
        waitUntilExit()
    }

    public func waitUntilExit() { process?.waitUntilExit() }

    /// How a process that ended did so: "signal N" or "status N".
    public var exitDescription: String {
        guard let process, !process.isRunning else { return "running" }
        return process.terminationReason == .uncaughtSignal
            ? "signal \(process.terminationStatus)" : "status \(process.terminationStatus)"
    }

    /// Forgets an ended process (a supervisor restarts it later).
    func clear() { process = nil }

    /// SIGTERM, then SIGKILL when it has not stopped within `grace`; waits until it is gone.
    /// Returns how long it took.
    @discardableResult
    public func stop(grace: Duration) -> Duration {
        let started = ContinuousClock.now
        guard let process else { return .zero }
        if isPaused { resume() }
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        signal(SIGKILL)
        process.waitUntilExit()
        return ContinuousClock.now - started
    }

    /// Stops several at once: SIGCONT to the paused, SIGTERM in the given order, SIGKILL to
    /// whatever has not stopped within `grace`. Returns the names that had to be killed.
    @discardableResult
    public static func stop(_ children: [ChildProcess], grace: Duration) -> [String] {
        for child in children where child.isRunning {
            if child.isPaused { child.resume() }
            child.signal(SIGTERM)
        }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, children.contains(where: \.isRunning) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        var killed: [String] = []
        for child in children where child.isRunning {
            child.signal(SIGKILL)
            killed.append(child.name)
        }
        for child in children { child.waitUntilExit() }
        return killed
    }
}

/// A harness failure a user can act on (a log that cannot be written, a network not ready).
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
