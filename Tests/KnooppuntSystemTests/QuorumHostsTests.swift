import Foundation
import KnooppuntCertificates
import KnooppuntChaos
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON
import Testing

/// Separate hosts need network namespaces (root, iproute2) and real etcd.
private let quorumLabUnavailable: String? =
    NetworkLab.unavailableReason()
    ?? (EtcdCluster.installedBinary() == nil ? "etcd is not installed (scripts/setup.sh test)" : nil)

extension SystemTests {
    @Test(
        "the quorum deployment on three hosts: an etcd member and a replica on each host's own address over TLS; traffic stays in the lab; the active's host cut off, the other two ACK again in a higher epoch, never degraded; the hosts are gone afterwards",
        .enabled(if: quorumLabUnavailable == nil, Comment(rawValue: quorumLabUnavailable ?? "")),
        .timeLimit(.minutes(4)))
    func quorumOnThreeHosts() throws {
        let roles = PairRole.allCases
        let region = OrganisationCode("VR09")!
        let lab = try NetworkLab(hosts: roles.map(\.rawValue) + [region.rawValue])
        defer { lab.cleanUp() }
        let net = try TestNetwork(
            name: "quorum-hosts", lab: lab,
            hosts: [
                "node": "primary", "backup": "backup", "third": "third", region.rawValue: region.rawValue,
            ])
        defer { net.removeFolder() }

        // The material `keys init` makes, for each host's address; every replica finds its
        // client certificate in the shared data folder.
        let addresses = roles.map { lab.hosts[$0.rawValue]!.address }
        let files = EtcdTLSFiles(net.folder)
        let cluster = try EtcdCluster(
            folder: net.root.appendingPathComponent("etcd"), hosts: addresses,
            tls: try .prepared(
                in: files, members: zip(roles, addresses).map { ($0.rawValue, [$1]) },
                clients: roles.map(\.rawValue), authorityName: "quorum-hosts"))
        let hostOfMember = Dictionary(
            uniqueKeysWithValues: cluster.members.enumerated().map { ($1.name, roles[$0]) })
        cluster.launcher = { name, commandLine in
            hostOfMember[name].map { lab.command(on: $0.rawValue, commandLine) }
        }
        cluster.healthProbe = { index in
            let answer = try? lab.run(
                on: roles[index].rawValue,
                ["curl", "-sf", "--max-time", "2", "http://127.0.0.1:\(EtcdCluster.hostMetricsPort)/health"])
            return answer?.contains("\"health\":\"true\"") == true
        }
        defer { cluster.stopAll() }
        try cluster.start(timeout: TimeScale.seconds(60))
        #expect(cluster.clientURLs == addresses.map { "https://\($0):2379" })
        net.nodeArguments = LocalEtcd.nodeArguments(cluster)
        defer { net.stopAll() }
        for role in roles { try net.startNode(role) }

        func active(among alive: [PairRole]) -> (PairRole, UInt64)? {
            let found = alive.compactMap { role -> (PairRole, UInt64)? in
                guard let json = try? net.nodeStatus(role), let status = NodeStatus(json: json),
                    status.role == "active"
                else { return nil }
                return (role, UInt64(status.epoch))
            }
            return found.count == 1 ? found[0] : nil
        }
        var current: (PairRole, UInt64)?
        try waitUntil("one active replica", timeout: 30) {
            current = active(among: roles)
            return current != nil
        }
        try net.startDaemon(region)
        try net.waitConverged([region])

        let incident = "VR09-QUORUM-HOSTS"
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
        try publishAndWait(20)
        let before = publisher.accepted.count

        // Traffic stays in the lab: every TCP connection on every host is between lab addresses
        // (or on loopback), and the region's host talks to the replicas' hosts.
        let labAddresses = Set(lab.hosts.values.map(\.address))
        for host in lab.hosts.values {
            for line in try lab.run(on: host.name, ["ss", "-tnH"]).split(separator: "\n") {
                let columns = line.split(separator: " ")
                guard columns.count >= 5 else { continue }
                for endpoint in columns[3...4] {
                    let address = endpoint[..<(endpoint.lastIndex(of: ":") ?? endpoint.endIndex)]
                    #expect(
                        labAddresses.contains(String(address)) || address.hasPrefix("127."),
                        "\(host.name) has a connection outside the lab: \(line)")
                }
            }
        }
        let regionConnections = try lab.run(on: region.rawValue, ["ss", "-tnH"])
        #expect(addresses.allSatisfy { regionConnections.contains("\($0):7402") })

        // The active replica's host loses its link: its replica and its etcd member keep
        // running but reach nobody. The other two hosts hold etcd's majority.
        let (victim, epoch) = try #require(current)
        try lab.cut(victim.rawValue)
        let alive = roles.filter { $0 != victim }
        try waitUntil("a replica on the majority side active", timeout: 30) {
            current = active(among: alive)
            return current.map { $0.1 > epoch } ?? false
        }
        try publishAndWait(20)
        // The cut-off active cannot commit: every report after the cut is ACKed by the new
        // active, in its higher epoch.
        #expect(publisher.accepted.count == before + 20)
        #expect(publisher.accepted.values.filter { $0.epoch > epoch }.count == 20)
        #expect(publisher.accepted.values.allSatisfy { !$0.degraded })
        // Every ACK at its own sequence: none given twice, none moved.
        let sequences = publisher.accepted.values.map(\.sequence)
        #expect(Set(sequences).count == sequences.count)
        try lab.heal(victim.rawValue)

        // The hosts are gone afterwards.
        net.stopAll()
        cluster.stopAll()
        let namespaces = Set(lab.namespaces)
        lab.cleanUp()
        #expect(namespaces.isDisjoint(with: NetworkLab.existingNamespaces()))
    }
}
