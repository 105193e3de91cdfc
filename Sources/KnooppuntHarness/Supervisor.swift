import Foundation

/// Starts a network's processes and keeps them running, as a process manager would: a process
/// that dies is logged and restarted with capped backoff; stopping sends SIGTERM in reverse
/// start order and SIGKILL to whatever has not stopped within the grace period.
public final class Supervisor {
    struct Restarts {
        var count = 0
        var backoff: Duration = Supervisor.firstBackoff
        var restartAt: ContinuousClock.Instant?
    }

    /// First wait before restarting a process that died; doubles up to ``maxBackoff``.
    public static let firstBackoff: Duration = .milliseconds(500)
    public static let maxBackoff: Duration = .seconds(30)
    /// A process that ran this long counts as healthy again: its backoff starts over.
    public static let healthyAfter: Duration = .seconds(60)
    /// Time a process gets to stop after SIGTERM before SIGKILL.
    public static let stopGrace: Duration = .seconds(10)

    public let children: ProcessGroup
    private var restarts: [String: Restarts] = [:]
    private var stopping = false
    let report: (String) -> Void

    /// Children run `binary`; each gets `--parent-pid` of this process, so it stops by itself
    /// when the supervisor is killed.
    public init(binary: URL, report: @escaping (String) -> Void) {
        children = ProcessGroup(
            binary: binary, logFolder: FileManager.default.temporaryDirectory,
            commonArguments: ["--parent-pid", String(getpid())])
        self.report = report
    }

    public func add(name: String, arguments: [String], log: URL) throws {
        try children.start(name, arguments, log: log)
        restarts[name] = Restarts()
    }

    public func pid(of name: String) -> Int32? { children.pid(of: name) }
    public func isRunning(_ name: String) -> Bool { children.isRunning(name) }

    /// Restarts what died; call it regularly (every ~100 ms).
    public func supervise() {
        guard !stopping else { return }
        let now = ContinuousClock.now
        for child in children.children {
            var state = restarts[child.name] ?? Restarts()
            defer { restarts[child.name] = state }
            if let restartAt = state.restartAt {
                guard now >= restartAt else { continue }
                do {
                    try child.start()
                    state.restartAt = nil
                    report("\(child.name) restarted (restart \(state.count), pid \(child.pid ?? 0))")
                } catch {
                    state.restartAt = now + state.backoff
                    report("\(child.name) could not be restarted: \(error)")
                }
                continue
            }
            guard let process = child.process, !process.isRunning else { continue }
            if let started = child.startedAt, now - started >= Self.healthyAfter {
                state.backoff = Self.firstBackoff
            }
            report(
                "\(child.name) (pid \(process.processIdentifier)) exited with \(child.exitDescription); restarting in \(state.backoff) (log: \(child.log.path))"
            )
            child.clear()
            state.count += 1
            state.restartAt = now + state.backoff
            state.backoff = min(state.backoff * 2, Self.maxBackoff)
        }
    }

    /// Stops everything: SIGTERM in reverse start order (daemons before the node), then
    /// SIGKILL after the grace period. Returns the names that had to be killed.
    @discardableResult
    public func stopAll() -> [String] {
        stopping = true
        return children.stopAll(grace: Self.stopGrace)
    }
}
