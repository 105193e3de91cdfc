import Foundation
import KnooppuntProtocol

/// Waiting until a process is ready: its control or operator socket answers STATUS, its HTTP
/// endpoint answers 200, or any condition the caller names. Blocking: call from a thread of
/// its own, never on the Swift concurrency pool.
public enum Readiness {
    /// Polls `condition` every `interval` until it holds (true) or `timeout` passes (false).
    public static func wait(
        timeout: Duration, interval: Duration = .milliseconds(50), _ condition: () -> Bool
    ) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: seconds(interval))
        }
        return false
    }

    /// ``wait(timeout:interval:_:)`` that throws `what did not …` on timeout.
    public static func require(
        _ what: String, timeout: Duration, interval: Duration = .milliseconds(50), _ condition: () -> Bool
    ) throws {
        guard wait(timeout: timeout, interval: interval, condition) else {
            throw HarnessError("timed out waiting for \(what)")
        }
    }

    /// The node's control socket or a daemon's operator socket answers STATUS.
    public static func answersStatus(_ endpoint: String, timeout: Duration = .milliseconds(500)) -> Bool {
        NodeStatus.ask(endpoint, timeout: timeout) != nil
    }

    /// `GET path` on loopback answers 200 (`/healthz`, the desk's `/readyz`).
    public static func httpOK(port: Int, path: String = "/healthz", timeout: Duration = .seconds(1)) -> Bool {
        (try? HTTPStatus.get(host: "127.0.0.1", port: port, path: path, timeout: timeout)) == 200
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
