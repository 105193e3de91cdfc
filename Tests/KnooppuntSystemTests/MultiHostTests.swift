import Foundation
import KnooppuntChaos
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// Separate hosts need network namespaces: root and iproute2 (scripts/setup.sh installs it).
private let labUnavailable = NetworkLab.unavailableReason()

extension SystemTests {
    @Test(
        "the node pair on two hosts of its own: publishing, failover and catch-up across hosts; traffic stays in the lab; the hosts are gone afterwards",
        .enabled(if: labUnavailable == nil, "separate hosts need root and iproute2 (network namespaces)")
    )
    func pairOnSeparateHosts() throws {
        let regions = [OrganisationCode("VR01")!, OrganisationCode("VR02")!]
        let everyone = regions + [.nctv]
        let lab = try NetworkLab(hosts: ["primary", "backup"] + everyone.map(\.rawValue))
        let namespaces = Set(lab.namespaces)
        defer { lab.cleanUp() }
        var hosts = ["node": "primary", "backup": "backup"]
        for code in everyone { hosts[code.rawValue] = code.rawValue }
        let net = try TestNetwork(name: "hosts", lab: lab, hosts: hosts)
        defer { net.removeFolder() }

        try net.startNode(.primary)
        try net.startNode(.backup)
        try waitUntil("the backup in sync with the primary", timeout: 30) {
            let status = try? net.nodeStatus(.primary)
            return status?["role"]?.stringValue == "active"
                && status?["pair"]?["peerInSync"]?.boolValue == true
        }
        for code in everyone { try net.startDaemon(code) }
        try net.waitConverged(everyone)

        /// Synchronous replication across hosts: with the standby in sync, an ACK waits for its
        /// copy. The standby may fall away for a moment at any time (a loop that stalled past
        /// the pair's timeout, a confirmation later than the replication timeout), and the
        /// active then rightly acknowledges alone, degraded, until it is back; so publish one
        /// more sitrep each time the standby is in sync until an ACK is not degraded.
        func publishUntilReplicated(
            _ publisher: Publisher, active: PairRole, incident: String, numbersFrom start: Int,
            _ counts: (Publisher.Accepted) -> Bool
        ) throws {
            var number = start
            try waitUntil("an ACK that waited for the standby's copy", timeout: 60) {
                if publisher.accepted.values.contains(where: { counts($0) && !$0.degraded }) { return true }
                guard (try? net.nodeStatus(active))?["pair"]?["peerInSync"]?.boolValue == true else {
                    return false
                }
                number += 1
                try publisher.publishAll([Documents.sitrep(incident, number)])
                return publisher.accepted.values.contains { counts($0) && !$0.degraded }
            }
        }

        // Publishing across hosts.
        let first = try Publisher(regions[0], network: net)
        try first.publishAll(
            [Documents.incident(regions[0], "VR01-HOSTS-1")]
                + (0..<50).map { Documents.sitrep("VR01-HOSTS-1", $0) })
        #expect(first.accepted.count == 51)
        try publishUntilReplicated(first, active: .primary, incident: "VR01-HOSTS-1", numbersFrom: 1_000) {
            _ in true
        }
        let epochBefore = try #require(first.accepted.values.map(\.epoch).max())

        // Traffic stays in the lab: every TCP connection on every host is between lab addresses
        // (or on loopback), and the regions' hosts talk to the nodes' hosts.
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
        let primaryAddress = lab.hosts["primary"]!.address
        #expect(try lab.run(on: "VR01", ["ss", "-tnH"]).contains("\(primaryAddress):7402"))

        // The primary's host loses its node: the backup takes over, the daemons follow it.
        net.kill9("node")
        let second = try Publisher(regions[1], network: net)
        try second.publishAll(
            [Documents.incident(regions[1], "VR02-HOSTS-1")]
                + (0..<50).map { Documents.sitrep("VR02-HOSTS-1", $0) })
        #expect(second.accepted.count == 51)
        #expect(second.accepted.values.allSatisfy { $0.epoch > epochBefore && $0.degraded })
        #expect(try net.nodeStatus(.backup)["role"]?.stringValue == "active")

        // The primary comes back on its host, catches up from the backup and stands by.
        try net.startNode(.primary)
        try waitUntil("the primary in sync as the backup's standby", timeout: 60) {
            (try? net.nodeStatus(.backup))?["pair"]?["peerInSync"]?.boolValue == true
        }
        let before = first.accepted.count
        try first.publishAll((50..<60).map { Documents.sitrep("VR01-HOSTS-1", $0) })
        #expect(first.accepted.count == before + 10)
        #expect(first.accepted.values.filter { $0.epoch > epochBefore }.count == 10)
        try publishUntilReplicated(first, active: .backup, incident: "VR01-HOSTS-1", numbersFrom: 2_000) {
            $0.epoch > epochBefore
        }
        try net.waitConverged(everyone)
        net.stopAll()

        // Offline, with the chaos checker: every ACK at its place in both nodes' logs, each
        // report once and in its origin's order, every mirror converged.
        var acks: [AckRecord] = []
        for publisher in [first, second] {
            for ack in publisher.accepted.values {
                acks.append(
                    AckRecord(
                        id: ack.id, origin: publisher.organisation.rawValue, epoch: ack.epoch,
                        sequence: ack.sequence, degraded: ack.degraded, at: 0))
            }
        }
        let records = try ChaosRun.readRecords(
            folder: net.folder, acks: acks,
            queued: [regions[0].rawValue: first.queued, regions[1].rawValue: second.queued],
            organisations: everyone)
        #expect(records.standbyLog?.count == first.accepted.count + second.accepted.count)
        let verdict = Checker.check(records)
        for invariant in verdict.invariants {
            #expect(invariant.passed, "\(invariant.name): \(invariant.violations.prefix(3))")
        }

        lab.cleanUp()
        #expect(namespaces.isDisjoint(with: NetworkLab.existingNamespaces()))
    }

    @Test(
        "a lab host with a default route is refused; `chaos --cleanup` removes namespaces a crashed run left",
        .enabled(if: labUnavailable == nil, "separate hosts need root and iproute2 (network namespaces)")
    )
    func labIsolationAndCleanup() throws {
        // As if its run had crashed: the lab's owner is a process that has exited.
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run()
        exited.waitUntilExit()
        let lab = try NetworkLab(hosts: ["a", "b"], owner: exited.processIdentifier)
        defer { lab.cleanUp() }
        _ = try lab.run(on: "a", ["ip", "route", "add", "default", "dev", "eth0"])
        #expect(throws: ChaosError.self) { try lab.checkIsolated() }
        // A lab of a run that is still going (this test process).
        let running = try NetworkLab(hosts: ["c"])
        defer { running.cleanUp() }

        let result = try runKnooppunt(["chaos", "--cleanup"])
        #expect(result.status == 0)
        for namespace in lab.namespaces {
            #expect(result.out.contains("removed") && result.out.contains(namespace))
        }
        let left = NetworkLab.existingNamespaces()
        #expect(Set(lab.namespaces).isDisjoint(with: left))
        #expect(Set(running.namespaces).isSubset(of: left), "cleanup removed a running lab: \(result.out)")
    }
}
