import Foundation
import KnooppuntCertificates
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import KnooppuntStore
import Testing

extension SystemTests {
    @Test(
        "three replicas on three etcd members over TLS (the certificates `keys` makes, found in the data folder): the daemon follows whichever is active; two actives SIGKILLed in turn, the last replica ACKs in a higher epoch; every ACK in its store at its sequence, none degraded",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(4)))
    func threeReplicasFollowed() async throws {
        try await offPool {
            let net = try TestNetwork(name: "three-replicas", standby: true, third: true)
            // The members require client certificates; each replica finds its own in
            // DIR/keys/etcd, the default for https:// members.
            let files = EtcdTLSFiles(net.folder)
            let members = ["etcd1", "etcd2", "etcd3"]
            let cluster = try EtcdCluster(
                folder: net.root.appendingPathComponent("etcd"),
                tls: try .prepared(
                    in: files, members: members.map { ($0, ["127.0.0.1"]) },
                    clients: PairRole.allCases.map(\.rawValue), authorityName: "three-replicas"))
            net.nodeArguments = LocalEtcd.nodeArguments(cluster)
            defer {
                net.stopAll()
                cluster.stopAll()
                net.removeFolder()
            }
            let region = OrganisationCode("VR09")!
            let incident = "VR09-THREE"
            let nodeName: [PairRole: String] = [.primary: "node", .backup: "backup", .third: "third"]
            func active(among roles: [PairRole]) -> (PairRole, UInt64)? {
                let found = roles.compactMap { role -> (PairRole, UInt64)? in
                    guard let json = try? net.nodeStatus(role), let status = NodeStatus(json: json),
                        status.role == "active"
                    else { return nil }
                    return (role, UInt64(status.epoch))
                }
                return found.count == 1 ? found[0] : nil
            }
            try cluster.start(timeout: TimeScale.seconds(60))
            for role in PairRole.allCases { try net.startNode(role) }
            var alive = PairRole.allCases
            var current: (PairRole, UInt64)?
            try waitUntil("one active replica", timeout: 30) {
                current = active(among: alive)
                return current != nil
            }
            try net.startDaemon(region)
            try net.waitConverged([region])
            let publisher = try Publisher(region, network: net)
            try publisher.publishAll([Documents.incident(region, incident)])
            var number = 0
            func publishAndWait(_ count: Int) throws {
                for _ in 0..<count {
                    try publisher.publish(Documents.sitrep(incident, number))
                    number += 1
                }
                try waitUntil("every report acknowledged", timeout: 60) {
                    try publisher.pump(timeout: .milliseconds(20))
                    return publisher.queued.count == publisher.sent && publisher.unanswered == 0
                }
            }
            try publishAndWait(40)
            for _ in 0..<2 {
                let (victim, epoch) = try #require(current)
                net.kill9(nodeName[victim]!)
                alive.removeAll { $0 == victim }
                try waitUntil("another replica active", timeout: 30) {
                    current = active(among: alive)
                    return current.map { $0.1 > epoch } ?? false
                }
                try publishAndWait(40)
                let later = try #require(current)
                let recent = publisher.accepted.values.filter { $0.sequence > 0 }.max {
                    $0.sequence < $1.sequence
                }
                #expect(recent?.epoch == later.1, "the last ACK came from the new active's epoch")
            }
            #expect(publisher.rejected.isEmpty && publisher.errors.isEmpty)
            let last = try #require(current).0
            let acks = Array(publisher.accepted.values)
            net.stopAll()
            let store = try NodeStore(path: net.folder.store(of: last).path)
            let rows = try store.updates(in: 1...UInt64.max, limit: 1_000_000)
            let sequenceOf = Dictionary(
                uniqueKeysWithValues: rows.map { ($0.report.id.rawValue, $0.sequence) })
            #expect(acks.count == number + 1)
            for ack in acks {
                #expect(sequenceOf[ack.id] == ack.sequence, "ACK \(ack.id) at \(ack.sequence) not there")
                #expect(!ack.degraded)
            }
        }
    }
}
