import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntEtcd
import KnooppuntHarness
import KnooppuntProtocol
import KnooppuntStore
import Synchronization
import Testing

/// Three etcd members, two node replicas on them, one region daemon and its publisher: the
/// log's upkeep seen from outside (keys in etcd, both stores, every ACK).
final class LogNetwork: @unchecked Sendable {
    static let etcdNetwork = "T"
    static let logPrefix = "/knooppunt/\(etcdNetwork)/log/"
    /// The newest entries a trim always keeps (KnooppuntCore's `LogTrim.Limits.retainedTail`).
    static let retainedTail = 100
    let cluster: EtcdCluster
    let net: TestNetwork
    let client: EtcdClient
    let region = OrganisationCode("VR09")!
    let incident = "VR09-LOG"
    var publisher: Publisher!
    var published = 0
    var acks: [Publisher.Accepted] = []

    init(name: String, quotaBackendBytes: Int? = nil) throws {
        net = try TestNetwork(name: name, standby: true)
        cluster = try EtcdCluster(
            folder: net.root.appendingPathComponent("etcd"), count: 3, quotaBackendBytes: quotaBackendBytes)
        client = EtcdClient(endpoints: cluster.clientURLs)
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

    /// One test of the log: a started network, `body` on a harness thread, then both stores
    /// checked; the network is stopped and its folder removed whatever happens.
    static func run(
        _ name: String, quotaBackendBytes: Int? = nil, _ body: @escaping @Sendable (LogNetwork) throws -> Void
    ) async throws {
        let network = try LogNetwork(name: name, quotaBackendBytes: quotaBackendBytes)
        defer {
            network.stop()
            network.net.removeFolder()
        }
        try await offPool {
            defer { network.closePublisher() }
            try network.start()
            try body(network)
        }
        try network.checkStores()
    }

    func closePublisher() {
        acks = publisher.map { Array($0.accepted.values) } ?? []
        publisher = nil
    }

    static func name(_ role: PairRole) -> String { role == .primary ? "node" : "backup" }

    func status(_ role: PairRole) -> NodeStatus? {
        (try? net.nodeStatus(role)).flatMap { NodeStatus(json: $0) }
    }

    func waitForActive(timeout: Double = 30) throws -> PairRole {
        var found: PairRole?
        try waitUntil("one active replica", timeout: timeout) {
            let active = [PairRole.primary, .backup].filter { status($0)?.role == "active" }
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

    /// Publishes `count` reports `per` at a time, each group acknowledged before the next:
    /// at least one commit, so one log entry, per group (a burst makes few large entries).
    func publishInCommits(_ count: Int, per: Int) throws {
        var left = count
        while left > 0 {
            try publish(min(per, left))
            left -= per
            try waitAllAcked(timeout: 60)
        }
    }

    func waitAllAcked(timeout: Double) throws {
        try waitUntil("every report acknowledged", timeout: timeout) {
            try publisher.pump(timeout: .milliseconds(20))
            return publisher.queued.count == publisher.sent && publisher.unanswered == 0
        }
        #expect(publisher.rejected.isEmpty && publisher.errors.isEmpty)
    }

    func waitCaughtUp(_ role: PairRole, with active: PairRole, timeout: Double = 60) throws {
        try waitUntil("\(role.rawValue) holding the active's log", timeout: timeout) {
            guard let follower = status(role), let leader = status(active) else { return false }
            return follower.lastSequence == leader.lastSequence && follower.role == "passive"
        }
    }

    /// The log's keys in etcd, in order: their indexes.
    func logIndexes() throws -> [UInt64] {
        let client = client
        return try blockingEtcdCall {
            try await client.range(.prefix(Self.logPrefix)).keyValues.compactMap {
                UInt64($0.key.dropFirst(Self.logPrefix.count))
            }
        }
    }

    /// After everything stopped: both stores hold the same reports at 1...N, every ACK is
    /// there at its sequence, and what is left of the log in etcd equals the stores' tail.
    func checkStores() throws {
        let stores = try [PairRole.primary, .backup].map {
            try NodeStore(path: net.folder.store(of: $0).path).updates(in: 1...UInt64.max, limit: 1_000_000)
        }
        let rows = stores.map { $0.map { "\($0.sequence)/\($0.epoch)/\($0.report.id)" } }
        #expect(rows[0] == rows[1], "the replicas' stores differ")
        #expect(stores[0].map(\.sequence) == Array(1...UInt64(stores[0].count)))
        let client = client
        let values = try blockingEtcdCall {
            try await client.range(.prefix(Self.logPrefix)).keyValues.map(\.value)
        }
        var logged: [String] = []
        for value in values {
            logged += try LogEntryBytes.message(value).updates.map {
                "\($0.sequence)/\($0.epoch)/\($0.report.id)"
            }
        }
        #expect(
            !logged.isEmpty && Array(rows[0].suffix(logged.count)) == logged,
            "etcd's log is not the stores' tail")
        let sequenceOf = Dictionary(
            uniqueKeysWithValues: stores[0].map { ($0.report.id.rawValue, $0.sequence) })
        #expect(acks.count == published + 1)
        for ack in acks {
            #expect(
                sequenceOf[ack.id] == ack.sequence, "ACK \(ack.id) at \(ack.sequence) not in the stores there"
            )
            #expect(!ack.degraded)
        }
    }
}

extension SystemTests {
    @Test(
        "3,000 reports through two replicas: the log in etcd is trimmed to its retained tail and compacted while both stores hold every report; a follower restarted after a trim reads on from its own point",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(6)))
    func quorumLogStaysBounded() async throws {
        try await LogNetwork.run("quorum-trim") { network in
            let active = try network.waitForActive()
            let follower: PairRole = active == .primary ? .backup : .primary
            try network.publish(1_500)
            try network.waitAllAcked(timeout: 180)
            try network.waitCaughtUp(follower, with: active)
            // One log entry per commit: a burst of 1,500 reports is far fewer entries, which
            // the follower applied, at most one transaction each.
            #expect(try (network.logIndexes().last ?? 0) < 1_500)
            let watched = try #require(network.status(follower)?.quorum)
            #expect(watched.appliedEntries >= 1 && watched.applyTransactions <= watched.appliedEntries)

            // Away while 1,500 more commit, five at a time (at least 300 entries): the log is
            // trimmed up to its recorded point only.
            _ = network.net.stop(LogNetwork.name(follower))
            try network.publishInCommits(1_500, per: 5)
            var first: UInt64 = 0
            try waitUntil("the log trimmed while the follower is away", timeout: 60) {
                first = try network.logIndexes().first ?? 0
                return first > 1
            }
            try network.net.startNode(follower)
            try network.waitCaughtUp(follower, with: active, timeout: 120)
            let log = network.net.log(LogNetwork.name(follower))
            #expect(!log.contains("quorumBehindTrim"))
            let resumed = try #require(
                log.split(separator: "\n").last {
                    $0.contains("reading the log in etcd from this store's point")
                })
            let index = resumed.components(separatedBy: "log.index=").dropFirst().first.flatMap {
                UInt64($0.prefix { $0.isNumber })
            }
            #expect((index ?? 0) >= first - 1, "the restarted follower did not read on from its own point")
            // It read what it missed in pages (64 entries), one transaction each, not one per entry.
            let caughtUp = try #require(network.status(follower)?.quorum)
            #expect(
                caughtUp.appliedEntries >= 300 && caughtUp.applyTransactions * 10 < caughtUp.appliedEntries
            )

            // Quiet now: every replica records its point and the log shrinks to its tail.
            let tail = LogNetwork.retainedTail
            try waitUntil("the log trimmed to its retained tail", timeout: 90) {
                try network.logIndexes().count == tail
            }
            // The active asks every member for its status once per round of its monitor; on a
            // busy machine one answer can miss a round, so the test waits for a round with all three.
            try waitUntil("the active's monitor reaching all three members", timeout: 30) {
                let quorum = network.status(active)?.quorum
                return quorum?.role == "active" && quorum?.membersReachable == 3 && (quorum?.dbSize ?? 0) > 0
            }
            let status = try #require(network.status(active)?.quorum)
            #expect(status.role == "active")
            let followerStatus = try #require(network.status(follower)?.quorum)
            #expect(followerStatus.role == "following" && followerStatus.logIndex == status.logIndex)
            try waitUntil("the trim seen in STATUS", timeout: 30) {
                (network.status(active)?.quorum?.trimmedThrough ?? 0) == status.logIndex - UInt64(tail)
            }
            // Compacted: the history of the first revisions is gone.
            let client = network.client
            let compacted = try blockingEtcdCall { () -> Bool in
                do {
                    _ = try await client.range(.prefix(LogNetwork.logPrefix), revision: 2)
                    return false
                } catch let error as EtcdError {
                    return error.code == .compacted
                }
            }
            #expect(compacted, "etcd's history was not compacted")
            network.net.stopAll()
        }
    }

    @Test(
        "etcd at its space quota: the active refuses new reports with E500, ACKs nothing etcd did not commit, and once the space is freed commits resume with no ACKed report lost",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(5)))
    func quorumSpaceQuota() async throws {
        try await LogNetwork.run("quorum-quota", quotaBackendBytes: 8 * 1_024 * 1_024) { network in
            try network.publish(50)
            try network.waitAllAcked(timeout: 60)
            let active = try network.waitForActive()
            let acked = network.publisher.accepted.count

            // Something else fills etcd until it refuses even a small write after the node has
            // freed what it can (the node compacts, defragments and disarms by itself).
            let client = network.client
            try network.fillEtcd()
            // After each refusal the node compacts and defragments, which packs etcd's pages and
            // frees room again, so fill in rounds until even a small write is refused right after
            // the node's disarm. Writes of about a page (one per page: nothing for a defragment to
            // pack) close the gap left by the large ones; 256-byte writes close the rest, each
            // round leaving about half the room of the last one.
            var full = false
            var size = 4_000
            for round in 0..<40 where !full {
                do {
                    try waitUntil("the node disarming etcd's alarm", timeout: 60) {
                        try blockingEtcdCall { try await client.alarms() }.isEmpty
                    }
                } catch {
                    network.recordReplicas("round \(round)")
                    throw error
                }
                let written = try blockingEtcdCall { [size] () -> Int in
                    let value = [UInt8](repeating: 0x6B, count: size)
                    for number in 0... {
                        do {
                            try await client.put("/junk/small/\(round)/\(number)", value)
                        } catch let error as EtcdError where error.code == .spaceQuotaExceeded {
                            return number
                        }
                    }
                    return 0
                }
                if written == 0 {
                    if size == 256 { full = true } else { size = 256 }
                }
            }
            #expect(full, "etcd kept taking small writes")
            try network.publish(20)
            do {
                try waitUntil("the active refusing new reports for etcd's space", timeout: 60) {
                    try network.publisher.pump(timeout: .milliseconds(50))
                    guard let status = network.status(active) else { return false }
                    return status.quorum?.spaceFull == true && (status.refusals["500"] ?? 0) > 0
                }
            } catch {
                network.recordReplicas("refusing")
                throw error
            }
            // The daemon answers each PUBLISH with QUEUED; the node's refusal can come before the
            // last of those answers has been read, so read them all first.
            try? waitUntil("the daemon queuing every report", timeout: 30) {
                try network.publisher.pump(timeout: .milliseconds(50))
                return network.publisher.queued.count + network.publisher.errors.count
                    >= network.publisher.sent
            }
            #expect(network.publisher.accepted.count == acked, "an ACK while etcd could not commit")
            #expect(
                network.publisher.queued.count == network.publisher.sent,
                "the daemon did not keep the reports")

            // The operator removes what filled etcd; the node compacts, defragments, disarms.
            _ = try blockingEtcdCall { try await client.delete(.prefix("/junk/")) }
            try network.waitAllAcked(timeout: 180)
            try waitUntil("etcd's alarm disarmed", timeout: 60) {
                let alarms = try blockingEtcdCall { try await client.alarms() }
                return alarms.isEmpty && network.status(active)?.quorum?.spaceFull == false
            }
            try network.publish(10)
            try network.waitAllAcked(timeout: 120)
            let follower: PairRole = active == .primary ? .backup : .primary
            try network.waitCaughtUp(follower, with: active)
            network.net.stopAll()
        }
    }

    @Test(
        "a replica whose store ends before the trimmed log stops with node.quorumBehindTrim; seeded with another replica's store it follows again",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(5)))
    func quorumReplicaBehindTrim() async throws {
        try await LogNetwork.run("quorum-behind") { network in
            let active = try network.waitForActive()
            let follower: PairRole = active == .primary ? .backup : .primary
            try network.waitCaughtUp(follower, with: active)
            _ = network.net.stop(LogNetwork.name(follower))
            // Its store lost (a new machine): an empty store, while the log goes past the tail.
            let store = network.net.folder.store(of: follower).path
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store + suffix) }
            try network.publishInCommits(LogNetwork.retainedTail + 200, per: 1)
            try waitUntil("the log trimmed past its first entry", timeout: 60) {
                (try network.logIndexes().first ?? 0) > 1
            }
            try network.net.startNode(follower, waitReady: false)
            try waitUntil("the replica behind the trim stopping", timeout: 60) {
                !network.net.isRunning(LogNetwork.name(follower))
            }
            #expect(network.net.log(LogNetwork.name(follower)).contains("node.quorumBehindTrim"))

            // What its operator does: copy the store of the other replica, stopped, and start both.
            _ = network.net.stop(LogNetwork.name(active))
            let source = network.net.folder.store(of: active).path
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: store + suffix)
                if FileManager.default.fileExists(atPath: source + suffix) {
                    try FileManager.default.copyItem(atPath: source + suffix, toPath: store + suffix)
                }
            }
            try network.net.startNode(active)
            try network.net.startNode(follower)
            let now = try network.waitForActive()
            try network.publish(20)
            try network.waitAllAcked(timeout: 120)
            try network.waitCaughtUp(now == .primary ? .backup : .primary, with: now)
            network.net.stopAll()
        }
    }
}
