import Foundation
import KnooppuntEtcd
import KnooppuntHarness
import KnooppuntProtocol
import Testing

extension LogNetwork {
    /// Something else writes 256 KiB values into etcd until it refuses one for its space
    /// quota (8 MiB in these tests), which raises the NOSPACE alarm.
    func fillEtcd(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let client = client
        let refusal = try blockingEtcdCall { () -> EtcdError? in
            let big = [UInt8](repeating: 0x6A, count: 256 * 1_024)
            for number in 0..<400 {
                do { try await client.put("/junk/big/\(number)", big) } catch let error as EtcdError {
                    return error
                }
            }
            return nil
        }
        #expect(
            refusal?.code == .spaceQuotaExceeded, "100 MiB passed an 8 MiB quota",
            sourceLocation: sourceLocation)
    }

    /// Records each replica's status and the tail of its log as an issue: what a failed wait
    /// on the replicas shows in CI, where the folder is gone afterwards.
    func recordReplicas(_ context: String) {
        for role in [PairRole.primary, .backup] {
            let status = (try? net.nodeStatus(role)).map { "\($0)" } ?? "none"
            Issue.record(
                "\(context), \(role): status: \(status)\nlog: \(net.log(Self.name(role)).suffix(3_000))")
        }
    }
}

extension SystemTests {
    @Test(
        "etcd full while no replica holds the role (both leases ran out): a replica without the role frees the space, one wins the role again, and no ACKed report is lost",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(5)))
    func quorumSpaceWithoutActive() async throws {
        try await LogNetwork.run("quorum-roleless", quotaBackendBytes: 8 * 1_024 * 1_024) { network in
            try network.publish(20)
            try network.waitAllAcked(timeout: 60)

            // Both replicas stop answering (as when etcd stalls every lease renewal at once)
            // while something else fills etcd: the NOSPACE alarm is raised with nobody to
            // disarm it, and both leases run out (the TTL is about a second).
            let replicas = [PairRole.primary, .backup].map { network.net.processes[LogNetwork.name($0)]! }
            for replica in replicas { replica.pause() }
            let client = network.client
            try network.fillEtcd()
            Thread.sleep(forTimeInterval: 4)
            for replica in replicas { replica.resume() }
            // The operator removes what filled etcd (a delete runs under the alarm). The alarm
            // stays raised until someone disarms it, and etcd grants no lease meanwhile, so
            // neither replica can campaign: one of them compacts, defragments and disarms
            // without the role, then one wins it.
            _ = try blockingEtcdCall { try await client.delete(.prefix("/junk/")) }
            do {
                try waitUntil("the alarm disarmed and one replica active", timeout: 60) {
                    let alarms = try blockingEtcdCall { try await client.alarms() }
                    let active = [PairRole.primary, .backup].filter { network.status($0)?.role == "active" }
                    return alarms.isEmpty && active.count == 1
                }
            } catch {
                network.recordReplicas("after the pause")
                throw error
            }
            // Commits resume and nothing ACKed is lost.
            try network.publish(20)
            try network.waitAllAcked(timeout: 180)
        }
    }
}
