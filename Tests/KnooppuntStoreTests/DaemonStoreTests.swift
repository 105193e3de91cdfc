import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntTestSupport
import StrictJSON
import Testing

@Suite("Daemon store")
struct DaemonStoreTests {
    static let view = View.organisation(Org.vr09)

    /// Queues VR09 reports 1…count in the store, as the daemon does before saying "queued".
    static func enqueue(_ network: Network, _ store: DaemonStore, count: Int) throws -> [QueuedReport] {
        try (1...count).map { n in
            let document = Documents.sitrep(brw: "Stand van zaken \(n)")
            let item = QueuedReport(
                report: network.seal(document, origin: Org.vr09, originSeq: UInt64(n)),
                queuedAt: Int64(n) * 1_000)
            try store.enqueue(
                item, document: JSONWriter.canonical(network.codec.encode(document)), bodyHash: "body-\(n)")
            return item
        }
    }

    @Test("queued reports load back in origin order; answered ones do not; the last origin sequence stays")
    func outboxRoundTrip() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let items: [QueuedReport]
        do {
            let store = try DaemonStore(path: folder.path("daemon.sqlite"))
            items = try Self.enqueue(network, store, count: 4)
            try store.record(
                [
                    .accepted(
                        items[0],
                        Ack(reportID: items[0].id, epoch: 1, sequence: 7, originSeq: 1, degraded: true)),
                    .rejected(items[2], code: .unknownIncident, message: "incident onbekend"),
                ], at: 9_000)
        }
        let store = try DaemonStore(path: folder.path("daemon.sqlite"))
        let loaded = try store.loadOutbox()
        #expect(loaded.lastOriginSeq == 4)
        #expect(loaded.queued == [items[1], items[3]])

        let accepted = try #require(try store.state(of: items[0].id))
        #expect(accepted.state == .accepted)
        #expect(accepted.sequence == 7)
        #expect(accepted.epoch == 1)
        #expect(accepted.degraded)
        #expect(accepted.answeredAt == 9_000)
        let rejected = try #require(try store.state(of: items[2].id))
        #expect(rejected.state == .rejected)
        #expect(rejected.code == .unknownIncident)
        #expect(rejected.message == "incident onbekend")
        #expect(try store.state(of: items[1].id)?.state == .queued)
        #expect(try store.state(of: network.newID()) == nil)
        #expect(try store.outboxCounts() == (accepted: 1, rejected: 1))

        // The outbox the daemon builds from it sends the two remaining reports in order.
        var outbox = Outbox(lastOriginSeq: loaded.lastOriginSeq, queued: loaded.queued)
        #expect(outbox.nextOriginSeq == 5)
        #expect(outbox.due(now: .now).map(\.id) == [items[1].id, items[3].id])
    }

    @Test("police-internal labels are stored with their report, in the same transaction, and read back")
    func policeLabels() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let store = try DaemonStore(path: folder.path("daemon.sqlite"))
        let items = try (1...2).map { n in
            QueuedReport(
                report: network.seal(
                    Documents.sitrep(pol: "Opsporing \(n)"), origin: .police, originSeq: UInt64(n)),
                queuedAt: Int64(n) * 1_000)
        }
        let labels = try WritePolicy.builtIn.policeInternal.labels(
            ["vuurwapengevaarlijk", "vluchtgevaarlijk"], for: .police)
        try store.enqueue(
            items.map { ($0, Array("{}".utf8), "hash-\($0.originSeq)") }, policeLabels: [items[0].id: labels])
        #expect(try store.policeLabels(of: items[0].id) == ["vuurwapengevaarlijk", "vluchtgevaarlijk"])
        #expect(try store.policeLabels(of: items[1].id).isEmpty)
        // The report itself carries none of it.
        let sealed = items[0].report.envelopeBytes + items[0].report.sections.compactMap { $0 }.flatMap { $0 }
        #expect(!String(decoding: sealed, as: UTF8.self).contains("gevaarlijk"))
    }

    @Test("reseal stores the report under the same id with its new origin sequence and envelope")
    func reseal() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let store = try DaemonStore(path: folder.path("daemon.sqlite"))
        let items = try Self.enqueue(network, store, count: 2)
        let documentBytes = try #require(try store.document(of: items[0].id))
        let document = try network.codec.decode(try JSONParser.parse(documentBytes))

        let resealed = QueuedReport(
            report: network.seal(document, origin: Org.vr09, originSeq: 3, id: items[0].id),
            queuedAt: items[0].queuedAt)
        try store.reseal(resealed)

        let loaded = try store.loadOutbox()
        #expect(loaded.lastOriginSeq == 3)
        #expect(loaded.queued.map(\.originSeq) == [2, 3])
        #expect(loaded.queued.last == resealed)
        #expect(try store.document(of: items[0].id) == documentBytes)
        #expect(try store.state(of: items[0].id)?.originSeq == 3)
    }

    @Test("recentReport finds the same body only within the window")
    func recentReport() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let store = try DaemonStore(path: folder.path("daemon.sqlite"))
        let items = try Self.enqueue(network, store, count: 2)

        #expect(try store.recentReport(bodyHash: "body-2", since: 1_500) == items[1].id)
        #expect(try store.recentReport(bodyHash: "body-2", since: 2_000) == items[1].id)
        #expect(try store.recentReport(bodyHash: "body-2", since: 2_001) == nil)
        #expect(try store.recentReport(bodyHash: "body-1", since: 1_500) == nil)
        #expect(try store.recentReport(bodyHash: "body-3", since: 0) == nil)
    }

    @Test("applied updates load back as the same mirror: sequence, epoch and view hash")
    func mirrorRoundTrip() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let node = try MirrorFixtures.node(network)
        var mirror = Picture(views: [Self.view])
        do {
            let store = try DaemonStore(path: folder.path("daemon.sqlite"))
            for batch in [1...2, 3...3, 4...6] {
                let updates = batch.map { MirrorFixtures.update(node, SequenceNumber($0)) }
                for update in updates { mirror.apply(update) }
                try store.apply(updates)
            }
            try store.apply([])
        }
        let store = try DaemonStore(path: folder.path("daemon.sqlite"))
        let loaded = try store.loadMirror(view: Self.view)
        #expect(loaded.lastSequence == 6)
        #expect(loaded.lastEpoch == 1)
        #expect(loaded.hash(for: Self.view) == mirror.hash(for: Self.view))
        #expect(loaded.hash(for: Self.view) == node.picture.hash(for: Self.view))
        #expect(loaded.entries == mirror.entries)
        // Withheld sections stay withheld.
        let sitrep = try #require(loaded.entries["incident/\(Documents.tramAttack)/sitrep/POLICE"])
        #expect(sitrep.report.sections.contains { $0 == nil })
    }

    @Test("replace(with:) swaps the whole mirror for a snapshot")
    func snapshotReplace() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let node = try MirrorFixtures.node(network)
        let store = try DaemonStore(path: folder.path("daemon.sqlite"))
        try store.apply((1...6).map { MirrorFixtures.update(node, $0) })

        var older = Picture(views: Picture.allViews)
        for index in 0..<3 { older.apply(node.accepted[index].update) }
        let entries = older.entries.values.map { entry in
            var update = entry.update
            update.report = update.report.projected(for: Self.view)
            return PictureEntry(update)
        }
        try store.replace(with: entries, sequence: 3, epoch: 2)

        let loaded = try store.loadMirror(view: Self.view)
        #expect(loaded.lastSequence == 3)
        #expect(loaded.lastEpoch == 2)
        #expect(Set(loaded.entries.keys) == Set(older.entries.keys))
        #expect(loaded.hash(for: Self.view) == older.hash(for: Self.view))
        // The node's log ends at the snapshot: history past it was a tail the node discarded.
        #expect(try store.historyReportIDs().map(\.sequence) == [1, 2, 3])
    }

    @Test("historyReportIDs lists every applied update in sequence order, including overwritten keys")
    func history() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let node = try MirrorFixtures.node(network)
        let store = try DaemonStore(path: folder.path("daemon.sqlite"))
        try store.apply((4...6).map { MirrorFixtures.update(node, $0) })
        try store.apply((1...3).map { MirrorFixtures.update(node, $0) })

        let history = try store.historyReportIDs()
        #expect(history.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(history.map(\.id) == node.accepted.map(\.update.report.id))
        #expect(history.map(\.origin) == [Org.vr09, Org.vr09, Org.vr09, Org.police, Org.nctv, Org.vr09])
    }

    /// History rows 1…6 where rows 1…3 are epoch 1 and the rest carry `tailEpoch`; rows in
    /// `skipping` are left out (a gap after a snapshot).
    static func history(
        _ store: DaemonStore, _ node: TestNode, tailEpoch: Epoch, skipping: Set<SequenceNumber> = []
    ) throws {
        let updates = (1...6).filter { !skipping.contains($0) }.map { sequence in
            var update = MirrorFixtures.update(node, sequence)
            update.epoch = sequence <= 3 ? 1 : tailEpoch
            return update
        }
        try store.apply(updates)
    }

    @Test("a tail acknowledged alone by an old active is dropped when the new active has not reached it")
    func dropsTailPastTheNodesLog() throws {
        let folder = try TemporaryFolder()
        let node = try MirrorFixtures.node(Network())
        let store = try DaemonStore(path: folder.path("daemon.sqlite"))
        // Rows 4…6 came from the old active in epoch 1; the new active (epoch 2) holds 1…3 and
        // has written nothing yet: its log's epochs still end in epoch 1.
        try Self.history(store, node, tailEpoch: 1)
        let dropped = try store.dropHistory(
            notIn: [EpochStart(epoch: 1, firstSequence: 1)], nodeLast: 3)
        #expect(dropped == 3)
        #expect(try store.historyReportIDs().map(\.sequence) == [1, 2, 3])
    }

    @Test("rows of a discarded epoch are dropped where the node's log has another epoch")
    func dropsRowsOfADiscardedEpoch() throws {
        let folder = try TemporaryFolder()
        let node = try MirrorFixtures.node(Network())
        let store = try DaemonStore(path: folder.path("daemon.sqlite"))
        try Self.history(store, node, tailEpoch: 2)
        let dropped = try store.dropHistory(
            notIn: [
                EpochStart(epoch: 1, firstSequence: 1),
                EpochStart(epoch: 3, firstSequence: 4),
            ], nodeLast: 9)
        #expect(dropped == 3)
        #expect(try store.historyReportIDs().map(\.sequence) == [1, 2, 3])
    }

    @Test("a history with a gap that agrees with the node's log keeps every row")
    func keepsAgreeingHistoryWithGaps() throws {
        let folder = try TemporaryFolder()
        let node = try MirrorFixtures.node(Network())
        let store = try DaemonStore(path: folder.path("daemon.sqlite"))
        // A snapshot at 4 left a gap: the rows of epoch 2 start at 5 here, at 4 in the log.
        try Self.history(store, node, tailEpoch: 2, skipping: [3, 4])
        let dropped = try store.dropHistory(
            notIn: [
                EpochStart(epoch: 1, firstSequence: 1),
                EpochStart(epoch: 2, firstSequence: 4),
            ], nodeLast: 6)
        #expect(dropped == 0)
        #expect(try store.historyReportIDs().map(\.sequence) == [1, 2, 5, 6])
    }
}
