import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntEtcd
import KnooppuntHarness
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON
import Testing

/// Three etcd members and the two node replicas of a network (the pair's two addresses, each
/// started with `--etcd`), one region daemon, and its publisher.
private final class QuorumNetwork: @unchecked Sendable {
    static let etcdNetwork = "T"
    let cluster: EtcdCluster
    let net: TestNetwork
    let region = OrganisationCode("VR09")!
    let incident = "VR09-QUORUM"
    var publisher: Publisher!
    var published = 0
    /// The publisher's ACKs, kept when it is closed.
    var acks: [Publisher.Accepted] = []

    init(name: String) throws {
        net = try TestNetwork(name: name, standby: true)
        cluster = try EtcdCluster(folder: net.root.appendingPathComponent("etcd"), count: 3)
        net.nodeArguments = [
            "--etcd", cluster.clientURLs.joined(separator: ","), "--etcd-network", Self.etcdNetwork,
        ]
    }

    func start() throws {
        try cluster.start(timeout: TimeScale.seconds(60))
        try net.startNode(.primary)
        try net.startNode(.backup)
        _ = try waitForActive()
        try net.startDaemon(region)
        try net.waitConverged([region])
        publisher = try Publisher(region, network: net)
        try publisher.publishAll([Documents.incident(region, incident)])
    }

    func stop() {
        net.stopAll()
        cluster.stopAll()
    }

    /// Closes the publisher on the thread that made it (its socket belongs to that thread),
    /// keeping its ACKs for ``checkLogs()``.
    func closePublisher() {
        acks = publisher.map { Array($0.accepted.values) } ?? []
        publisher = nil
    }

    static func name(_ role: PairRole) -> String { role == .primary ? "node" : "backup" }

    func status(_ role: PairRole) -> NodeStatus? {
        (try? net.nodeStatus(role)).flatMap { NodeStatus(json: $0) }
    }

    /// The one replica that says it is active (the other must be passive).
    func waitForActive(excluding old: PairRole? = nil, timeout: Double = 30) throws -> PairRole {
        var found: PairRole?
        try waitUntil("one active replica", timeout: timeout) {
            let active = [PairRole.primary, .backup].filter { $0 != old && status($0)?.role == "active" }
            found = active.count == 1 ? active[0] : nil
            return found != nil
        }
        return found!
    }

    func publish(_ count: Int) throws {
        for _ in 0..<count {
            try publisher.publish(Documents.sitrep(incident, published))
            published += 1
        }
    }

    /// The audit part of a replica's STATUS.
    func audit(_ role: PairRole) -> JSONValue? { (try? net.nodeStatus(role))?["audit"] ?? nil }

    /// Both replicas hold the same audit chain, with at least one row.
    func sameAuditChain(_ one: PairRole, _ other: PairRole) -> Bool {
        guard let first = audit(one), let head = first["head"]?.integerValue, head > 0,
            let second = audit(other)
        else { return false }
        return second["head"]?.integerValue == head && second["headHash"] == first["headHash"]
    }

    /// Waits until every report handed over is ACKed.
    func waitAllAcked(timeout: Double) throws {
        try waitUntil("every report acknowledged", timeout: timeout) {
            try publisher.pump(timeout: .milliseconds(20))
            return publisher.queued.count == publisher.sent && publisher.unanswered == 0
        }
        #expect(publisher.rejected.isEmpty && publisher.errors.isEmpty)
    }

    /// Waits until the replica `role` holds as much as the active.
    func waitCaughtUp(_ role: PairRole, with active: PairRole, timeout: Double = 30) throws {
        try waitUntil("\(role.rawValue) holding the active's log", timeout: timeout) {
            guard let follower = status(role), let leader = status(active) else { return false }
            return follower.lastSequence == leader.lastSequence && follower.role == "passive"
        }
    }

    /// After everything stopped: both stores hold the same log, etcd holds it too, and every
    /// ACK the publisher received is there at its sequence.
    func checkLogs() async throws {
        let stores = try [PairRole.primary, .backup].map {
            try NodeStore(path: net.folder.store(of: $0).path).updates(in: 1...UInt64.max, limit: 1_000_000)
        }
        let rows = stores.map { $0.map { "\($0.sequence)/\($0.epoch)/\($0.report.id)" } }
        #expect(rows[0] == rows[1], "the replicas' stores differ")
        #expect(stores[0].map(\.sequence) == Array(1...UInt64(stores[0].count)))
        let client = EtcdClient(endpoints: cluster.clientURLs)
        let layout = "/knooppunt/\(Self.etcdNetwork)/log/"
        var logged: [String] = []
        for keyValue in try await client.range(.prefix(layout)).keyValues {
            logged += try LogEntryBytes.message(keyValue.value).updates.map {
                "\($0.sequence)/\($0.epoch)/\($0.report.id)"
            }
        }
        #expect(logged == rows[0], "the log in etcd differs from the stores")
        let sequenceOf = Dictionary(
            uniqueKeysWithValues: stores[0].map { ($0.report.id.rawValue, $0.sequence) })
        #expect(acks.count == published + 1)
        for ack in acks {
            #expect(
                sequenceOf[ack.id] == ack.sequence, "ACK \(ack.id) at \(ack.sequence) not in the log there")
            #expect(!ack.degraded)
        }
    }
}

extension SystemTests {
    @Test(
        "two replicas on three etcd members: 200 reports ACKed and held by both; the active SIGKILLed, the other ACKs in a higher epoch; no ACKed report lost or moved",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(3)))
    func quorumReplicasFailover() async throws {
        let quorum = try QuorumNetwork(name: "quorum-kill")
        defer {
            quorum.stop()
            quorum.net.removeFolder()
        }
        try await offPool {
            defer { quorum.closePublisher() }
            try quorum.start()
            let active = try quorum.waitForActive()
            let other: PairRole = active == .primary ? .backup : .primary
            try quorum.publish(199)
            try quorum.waitAllAcked(timeout: 60)
            try quorum.waitCaughtUp(other, with: active)
            let oldEpoch = try #require(quorum.status(active)?.epoch)

            quorum.net.kill9(QuorumNetwork.name(active))
            let next = try quorum.waitForActive(excluding: active)
            #expect(next == other)
            let newEpoch = try #require(quorum.status(next)?.epoch)
            #expect(newEpoch > oldEpoch)
            let before = Set(quorum.publisher.accepted.keys)
            try quorum.publish(50)
            try quorum.waitAllAcked(timeout: 60)
            let later = quorum.publisher.accepted.values.filter { !before.contains($0.id) }
            #expect(later.count == 50 && later.allSatisfy { $0.epoch == newEpoch })

            // The killed replica comes back as a follower and applies what it missed.
            try quorum.net.startNode(active)
            try quorum.waitCaughtUp(active, with: next)
            quorum.net.stopAll()
        }
        try await quorum.checkLogs()
    }

    @Test(
        "on etcd the audit chain is in the log: the follower holds the active's chain row for row; the active SIGKILLed, the other continues it in a higher epoch; audit verify passes on both",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(3)))
    func quorumAuditAcrossFailover() async throws {
        let quorum = try QuorumNetwork(name: "quorum-audit")
        defer {
            quorum.stop()
            quorum.net.removeFolder()
        }
        let heldAtKill = try await offPool {
            defer { quorum.closePublisher() }
            try quorum.start()
            let active = try quorum.waitForActive()
            let other: PairRole = active == .primary ? .backup : .primary
            try quorum.publish(5)
            try quorum.waitAllAcked(timeout: 60)
            try waitUntil("the follower holding the active's audit chain", timeout: 30) {
                quorum.sameAuditChain(active, other)
            }
            let heldAtKill = quorum.audit(other)?["head"]?.integerValue ?? 0

            quorum.net.kill9(QuorumNetwork.name(active))
            let next = try quorum.waitForActive(excluding: active)
            try quorum.publish(5)
            try quorum.waitAllAcked(timeout: 60)
            try waitUntil("the new active signing its head", timeout: 30) {
                guard let head = quorum.audit(next)?["head"]?.integerValue, head > heldAtKill else {
                    return false
                }
                return quorum.audit(next)?["checkpointed"]?.integerValue == head
            }
            // Back as a follower, the killed replica copies the rows written since from the log.
            try quorum.net.startNode(active)
            try quorum.waitCaughtUp(active, with: next)
            // Stopped so that both keep one chain: the daemon first (its last delivery row is
            // written within a flush), the follower once it holds every row, the active last
            // (a clean stop of the active first could hand the role to the other, whose new
            // rows, signed, the stopped one would lack).
            _ = quorum.net.stop(quorum.region.rawValue)
            try waitUntil("the restarted replica holding the chain", timeout: 30) {
                quorum.audit(next)?["waiting"]?.integerValue == 0 && quorum.sameAuditChain(next, active)
            }
            _ = quorum.net.stop(QuorumNetwork.name(active))
            _ = quorum.net.stop(QuorumNetwork.name(next))
            quorum.net.stopAll()
            return heldAtKill
        }
        for node in ["primary", "backup"] {
            let verify = try runKnooppunt(["audit", "verify", "--node", node, "--dir", quorum.net.root.path])
            #expect(verify.status == 0, "\(node): \(verify.out) \(verify.err)")
            #expect(verify.out.contains("intact"), "\(node): \(verify.out)")
        }
        let chains = try [PairRole.primary, .backup].map {
            try AuditReader(nodeStorePath: quorum.net.folder.store(of: $0).path).records()
        }
        // The last replica stopped may have written rows after the other stopped: one chain is
        // a prefix of the other, and both hold everything up to the restart.
        let (short, long) =
            chains[0].count <= chains[1].count ? (chains[0], chains[1]) : (chains[1], chains[0])
        #expect(Int64(short.count) > heldAtKill)
        #expect(long.prefix(short.count).map(\.hash) == short.map(\.hash), "the replicas' chains differ")
        let accepted = Set(long.filter { $0.event.kind == .accepted }.map(\.event.subject))
        #expect(accepted.count == 11)
        #expect(Set(quorum.acks.map(\.id)).isSubset(of: accepted), "an ACKed report without its audit row")
        // The start and the takeover after the kill; a clean stop may add one more (the
        // replica stopped last takes the role while the network stops, and writes its row
        // before it stops). Epochs only rise.
        let activations = long.filter { $0.event.kind == .nodeActive }.map(\.epoch)
        #expect(
            activations.count >= 2 && zip(activations, activations.dropFirst()).allSatisfy { $0 < $1 },
            "\(activations)")
    }

    @Test(
        "a clean stop of the active writes the audit rows still waiting through etcd: both replicas hold the delivery row",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(3)))
    func quorumCleanStopWritesWaitingAudit() async throws {
        let quorum = try QuorumNetwork(name: "quorum-drain")
        // Rows no batch carries wait ten minutes: only the stop can write them in this test.
        quorum.net.nodeArguments += ["--audit-flush-seconds", "600"]
        defer {
            quorum.stop()
            quorum.net.removeFolder()
        }
        let (active, other, epoch, head) = try await offPool {
            defer { quorum.closePublisher() }
            try quorum.start()
            let active = try quorum.waitForActive()
            let other: PairRole = active == .primary ? .backup : .primary
            // The daemon's STATUS after the incident: a delivery row, and no batch after it.
            var audit: JSONValue?
            try waitUntil("a delivery row waiting on the active", timeout: 30) {
                audit = quorum.audit(active)
                return (audit?["waiting"]?.integerValue ?? 0) > 0
            }
            // Nothing else writes in the old epoch after this head: no batch follows, and
            // the next flush is ten minutes away.
            let head = try #require(audit?["head"]?.integerValue)
            let epoch = try #require(quorum.status(active)?.epoch)
            let stopped = quorum.net.stop(QuorumNetwork.name(active))
            #expect(stopped < .seconds(10), "the clean stop took \(stopped)")
            _ = try quorum.waitForActive(excluding: active)
            quorum.net.stopAll()
            return (active, other, epoch, head)
        }
        for role in [active, other] {
            let rows = try AuditReader(nodeStorePath: quorum.net.folder.store(of: role).path).records()
            let written = rows.filter { $0.epoch == epoch && $0.seq > UInt64(head) }
            #expect(
                written.contains { $0.event.kind == .delivered && $0.event.actor == quorum.region.rawValue },
                "\(role.rawValue): no delivery row after row \(head) in epoch \(epoch)")
        }
    }

    @Test(
        "a paused active loses the role to the other; resumed, it ACKs nothing, no daemon follows it back, and it follows the log",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(3)))
    func quorumPausedActiveIsFenced() async throws {
        let quorum = try QuorumNetwork(name: "quorum-pause")
        defer {
            quorum.stop()
            quorum.net.removeFolder()
        }
        try await offPool {
            defer { quorum.closePublisher() }
            try quorum.start()
            let active = try quorum.waitForActive()
            let other: PairRole = active == .primary ? .backup : .primary
            let oldEpoch = try #require(quorum.status(active)?.epoch)
            let before = Set(quorum.publisher.accepted.keys)

            // Paused, it keeps its sockets: the daemon's next reports wait there for it.
            quorum.net.signal(QuorumNetwork.name(active), SIGSTOP)
            try quorum.publish(20)
            let next = try quorum.waitForActive(excluding: active)
            #expect(next == other)
            try quorum.waitAllAcked(timeout: 60)
            quorum.net.signal(QuorumNetwork.name(active), SIGCONT)
            try quorum.waitCaughtUp(active, with: next)
            // Resumed, it answered as passive at once: the daemon never followed it back.
            let daemonLog = quorum.net.log(quorum.region.rawValue)
            let takeover = try #require(daemonLog.range(of: "node=\(next.rawValue) node.epoch"))
            #expect(
                !daemonLog[takeover.upperBound...].contains("node=\(active.rawValue) reason="),
                "the daemon followed the paused replica again")
            let log = quorum.net.log(QuorumNetwork.name(active))
            #expect(
                log.contains("fenced by etcd") || log.contains("the role's lease was lost"),
                "the resumed replica did not say why it stepped down")
            let later = quorum.publisher.accepted.values.filter { !before.contains($0.id) }
            #expect(later.count == 20)
            #expect(later.allSatisfy { $0.epoch > oldEpoch }, "an ACK from the paused replica's epoch")
            quorum.net.stopAll()
        }
        try await quorum.checkLogs()
    }

    @Test(
        "with two of three etcd members killed the active ACKs nothing; with one back the outbox drains",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(3)))
    func quorumWithoutMajorityAcksNothing() async throws {
        let quorum = try QuorumNetwork(name: "quorum-nomajority")
        defer {
            quorum.stop()
            quorum.net.removeFolder()
        }
        try await offPool {
            defer { quorum.closePublisher() }
            try quorum.start()
            let acked = quorum.publisher.accepted.count
            quorum.cluster.kill(0)
            quorum.cluster.kill(1)
            try quorum.publish(20)
            // Long enough for several commit attempts and the lease's end.
            let end = ContinuousClock.now + TimeScale.seconds(8)
            while ContinuousClock.now < end { try quorum.publisher.pump(timeout: .milliseconds(50)) }
            #expect(quorum.publisher.accepted.count == acked, "an ACK without a majority of etcd")
            #expect(quorum.publisher.queued.count == quorum.publisher.sent, "the daemon did not queue")

            try quorum.cluster.restart(1, timeout: TimeScale.seconds(60))
            try quorum.waitAllAcked(timeout: 60)
            let active = try quorum.waitForActive()
            try quorum.waitCaughtUp(active == .primary ? .backup : .primary, with: active)
            quorum.net.stopAll()
        }
        try await quorum.checkLogs()
    }
}
