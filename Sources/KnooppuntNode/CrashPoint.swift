import Foundation

/// A deliberate crash for the real-process tests of the two nasty moments: after a batch is
/// committed but before its ACKs leave, and after the ACKs leave but before the updates are
/// published. Set `KNOOPPUNT_TEST_CRASH=after-commit:N` or `after-ack:N` to SIGKILL the node
/// at the N-th committed batch. Unset (always, outside tests) it does nothing.
struct CrashPoint {
    enum Moment: String { case afterCommit = "after-commit", afterAck = "after-ack" }

    let moment: Moment
    let batch: Int

    static func fromEnvironment() -> CrashPoint? {
        guard let value = ProcessInfo.processInfo.environment["KNOOPPUNT_TEST_CRASH"] else { return nil }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let moment = Moment(rawValue: String(parts[0])), let batch = Int(parts[1]),
            batch > 0
        else {
            return nil
        }
        return CrashPoint(moment: moment, batch: batch)
    }

    /// Dies like a SIGKILLed process at `moment` of batch `count`.
    func check(_ moment: Moment, batch count: Int) {
        guard moment == self.moment, count == batch else { return }
        if moment == .afterAck {
            // Give libzmq's I/O thread a moment to put the ACKs on the wire, so they really left.
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(getpid(), SIGKILL)
    }
}
