import Foundation
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol

extension ChaosRun {
    /// The active replica's status (the later epoch when two say so).
    func activeStatus() -> NodeStatus? {
        NodeStatus.active(folder, network, timeout: .milliseconds(500))
    }

    /// Every replica holds the active's log and every daemon converged on it.
    func isConverged() -> Bool {
        guard let status = activeStatus(), replicasCaughtUp(with: status) else { return false }
        return status.converged(organisations)
    }

    func waitConverged(load: LoadGenerator) throws {
        try waitUntil(options.settleTimeout, "convergence after healing") {
            try? load.pump(timeout: .milliseconds(20))
            guard self.isConverged() else { return false }
            // Every outbox empty: nothing queued is still on its way.
            return self.organisations.allSatisfy { code in
                DaemonStatus.ask(self.folder.operatorEndpoint(code), timeout: .milliseconds(500))?
                    .outboxQueued == 0
            }
        }
    }

    func waitUntil(_ timeout: Duration, _ what: String, _ condition: () -> Bool) throws {
        guard Readiness.wait(timeout: timeout, interval: .milliseconds(100), condition) else {
            throw ChaosError("timed out waiting for \(what) (logs: \(folder.root.path)/chaos-*.log)")
        }
    }

    static func clock() -> String {
        Timestamp.now().inAmsterdam.rfc3339
    }
}
