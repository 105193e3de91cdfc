import Foundation
import KnooppuntHarness
import Testing

/// Children without the network: `/bin/sleep` and `/bin/sh` stand in for `knooppunt`.
@Suite("Child processes", .serialized)
struct ChildProcessTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-harness-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// The state letter of /proc/PID/stat: "S" sleeping, "T" stopped.
    func state(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(close, offsetBy: 2)...].split(separator: " ").first.map(String.init)
    }

    @Test("a child is started, paused, resumed and stopped by SIGTERM")
    func sleepLifecycle() throws {
        let child = ChildProcess(
            name: "sleeper", executable: URL(fileURLWithPath: "/bin/sleep"), arguments: ["30"],
            log: folder.appendingPathComponent("sleeper.log"))
        try child.start()
        let pid = try #require(child.pid)
        #expect(child.isRunning)
        child.pause()
        #expect(Readiness.wait(timeout: .seconds(2)) { state(pid) == "T" })
        #expect(child.isPaused)
        child.resume()
        #expect(Readiness.wait(timeout: .seconds(2)) { state(pid) != "T" })
        let took = child.stop(grace: .seconds(5))
        #expect(!child.isRunning)
        #expect(took < .seconds(5))
        #expect(child.exitDescription == "signal \(SIGTERM)")
        let attributes = try FileManager.default.attributesOfItem(
            atPath: folder.appendingPathComponent("sleeper.log").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test("a child that ignores SIGTERM is killed after the grace period and named")
    func killAfterGrace() throws {
        let group = ProcessGroup(binary: URL(fileURLWithPath: "/bin/sh"), logFolder: folder)
        try group.start("stubborn", ["-c", "trap '' TERM; echo ready; exec sleep 30"])
        try group.start("polite", ["-c", "exec sleep 30"])
        #expect(Readiness.wait(timeout: .seconds(5)) { group.logText("stubborn").contains("ready") })
        let started = ContinuousClock.now
        let killed = group.stopAll(grace: .milliseconds(500))
        #expect(killed == ["stubborn"])
        #expect(ContinuousClock.now - started < .seconds(5), "\(group.logText("stubborn"))")
        #expect(!group.isRunning("stubborn") && !group.isRunning("polite"))
    }

    @Test("a supervisor restarts a child that died and reports it")
    func supervisorRestarts() throws {
        // The supervisor reports on the thread that calls supervise(): this one.
        final class Lines { var all: [String] = [] }
        let lines = Lines()
        let supervisor = Supervisor(binary: URL(fileURLWithPath: "/bin/sh")) { lines.all.append($0) }
        try supervisor.add(
            name: "flaky", arguments: ["-c", "echo started; exit 3"],
            log: folder.appendingPathComponent("flaky.log"))
        #expect(
            Readiness.wait(timeout: .seconds(5)) {
                supervisor.supervise()
                return lines.all.contains { $0.hasPrefix("flaky restarted (restart 1") }
            })
        let said = lines.all
        let log = folder.appendingPathComponent("flaky.log")
        #expect(
            Readiness.wait(timeout: .seconds(5)) {
                ((try? String(contentsOf: log, encoding: .utf8)) ?? "").components(separatedBy: "started")
                    .count >= 3
            }, "the log is appended across restarts")
        #expect(said.first?.contains("exited with status 3; restarting in 0.5 seconds") == true, "\(said)")
        #expect(supervisor.stopAll().isEmpty)
    }

    @Test("readiness waits until a condition holds, and gives up at the deadline")
    func readiness() {
        let start = ContinuousClock.now
        #expect(!Readiness.wait(timeout: .milliseconds(200)) { false })
        #expect(ContinuousClock.now - start >= .milliseconds(200))
        var calls = 0
        #expect(
            Readiness.wait(timeout: .seconds(5)) {
                calls += 1
                return calls == 3
            })
        #expect(!Readiness.httpOK(port: 1, path: "/healthz", timeout: .milliseconds(200)))
        #expect(
            !Readiness.answersStatus("ipc:///nonexistent/knooppunt-harness.sock", timeout: .milliseconds(200))
        )
    }
}
