import Foundation

/// Starts the network's processes and keeps them running, as a process manager would: a
/// process that dies is logged and restarted with capped backoff; stopping sends SIGTERM in
/// reverse start order and SIGKILL to whatever has not stopped within the grace period.
final class Supervisor {
    struct Child {
        let name: String
        let arguments: [String]
        let log: URL
        var process: Process?
        var restarts = 0
        var backoff: Duration = Supervisor.firstBackoff
        var restartAt: ContinuousClock.Instant?
        var startedAt: ContinuousClock.Instant?
    }

    /// First wait before restarting a process that died; doubles up to ``maxBackoff``.
    static let firstBackoff: Duration = .milliseconds(500)
    static let maxBackoff: Duration = .seconds(30)
    /// A process that ran this long counts as healthy again: its backoff starts over.
    static let healthyAfter: Duration = .seconds(60)
    /// Time a process gets to stop after SIGTERM before SIGKILL.
    static let stopGrace: Duration = .seconds(10)

    let binary: URL
    private(set) var children: [Child] = []
    private var stopping = false
    let report: (String) -> Void

    init(binary: URL, report: @escaping (String) -> Void) {
        self.binary = binary
        self.report = report
    }

    /// The running binary, so children are exactly this version.
    static func currentBinary() -> URL {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path)
    }

    func add(name: String, arguments: [String], log: URL) throws {
        children.append(
            Child(name: name, arguments: arguments + ["--parent-pid", String(getpid())], log: log))
        try launch(children.count - 1)
    }

    func pid(of name: String) -> Int32? {
        children.first { $0.name == name }?.process.map(\.processIdentifier)
    }

    func isRunning(_ name: String) -> Bool { children.first { $0.name == name }?.process?.isRunning ?? false }

    private func launch(_ index: Int) throws {
        let child = children[index]
        if !FileManager.default.fileExists(atPath: child.log.path) {
            _ = FileManager.default.createFile(
                atPath: child.log.path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let handle = FileHandle(forWritingAtPath: child.log.path) else {
            throw ConfigLikeError("cannot write the log \(child.log.path)")
        }
        handle.seekToEndOfFile()
        let process = Process()
        process.executableURL = binary
        process.arguments = child.arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        children[index].process = process
        children[index].startedAt = .now
        children[index].restartAt = nil
    }

    /// Restarts what died; call it regularly (every ~100 ms).
    func supervise() {
        guard !stopping else { return }
        let now = ContinuousClock.now
        for index in children.indices {
            var child = children[index]
            if let restartAt = child.restartAt {
                guard now >= restartAt else { continue }
                do {
                    try launch(index)
                    report(
                        "\(child.name) restarted (restart \(child.restarts), pid \(children[index].process?.processIdentifier ?? 0))"
                    )
                } catch {
                    child.restartAt = now + child.backoff
                    children[index] = child
                    report("\(child.name) could not be restarted: \(error)")
                }
                continue
            }
            guard let process = child.process, !process.isRunning else { continue }
            if let started = child.startedAt, now - started >= Self.healthyAfter {
                child.backoff = Self.firstBackoff
            }
            let how =
                process.terminationReason == .uncaughtSignal
                ? "signal \(process.terminationStatus)" : "status \(process.terminationStatus)"
            report(
                "\(child.name) (pid \(process.processIdentifier)) exited with \(how); restarting in \(child.backoff) (log: \(child.log.path))"
            )
            child.process = nil
            child.restarts += 1
            child.restartAt = now + child.backoff
            child.backoff = min(child.backoff * 2, Self.maxBackoff)
            children[index] = child
        }
    }

    /// Stops everything: SIGTERM in reverse start order (daemons before the node), then
    /// SIGKILL after the grace period. Returns the names that had to be killed.
    @discardableResult
    func stopAll() -> [String] {
        stopping = true
        for child in children.reversed() {
            if let process = child.process, process.isRunning { kill(process.processIdentifier, SIGTERM) }
        }
        let deadline = ContinuousClock.now + Self.stopGrace
        while ContinuousClock.now < deadline, children.contains(where: { $0.process?.isRunning == true }) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        var killed: [String] = []
        for child in children {
            if let process = child.process, process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed.append(child.name)
            }
        }
        for child in children { child.process?.waitUntilExit() }
        return killed
    }

    struct ConfigLikeError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// SIGINT/SIGTERM as a flag the supervisor's loop checks (signal sources, not `signal()`
/// handlers: the runtime blocks signals in threads, and a source receives them reliably).
final class StopSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [any DispatchSourceSignal] = []

    init(_ signals: [Int32] = [SIGINT, SIGTERM]) {
        for number in signals {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                self?.lock.lock()
                self?.received = number
                self?.lock.unlock()
            }
            source.resume()
            sources.append(source)
        }
    }

    var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }
}
