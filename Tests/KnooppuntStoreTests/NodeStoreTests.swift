import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntTestSupport
import Testing

@Suite("Node store")
struct NodeStoreTests {
    /// A node that accepted reports from three origins and refused two, committed in two
    /// batches as the node server does.
    static func committed(_ network: Network, to store: NodeStore) throws -> TestNode {
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2))
        node.submit(network.seal(Documents.threat(.national, level: 5), origin: Org.vr10, originSeq: 1))
        try store.commit(
            accepted: node.accepted.map { ($0.update, $0.document) }, rejected: node.rejected, at: node.clock)
        let (accepted, rejected) = (node.accepted.count, node.rejected.count)

        try node.accept(network.seal(Documents.incident(lead: Org.national), origin: Org.vr09, originSeq: 3))
        try node.accept(network.seal(Documents.threat(.national, level: 4), origin: Org.nctv, originSeq: 1))
        try node.accept(network.seal(Documents.incident(exercise: true), origin: Org.vr10, originSeq: 2))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.police, originSeq: 1))
        node.submit(network.seal(Documents.grip(.grip3), origin: Org.police, originSeq: 2))
        try store.commit(
            accepted: node.accepted.dropFirst(accepted).map { ($0.update, $0.document) },
            rejected: Array(node.rejected.dropFirst(rejected)), at: node.clock)
        #expect(node.rejected.count == 2)
        return node
    }

    @Test(
        "a committed log loads back: the picture of every view, last origin sequences including refusals, incidents"
    )
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let node: TestNode
        do {
            let store = try NodeStore(path: folder.path("node.sqlite"))
            node = try Self.committed(network, to: store)
        }
        let store = try NodeStore(path: folder.path("node.sqlite"))
        let loaded = try store.load(views: Picture.allViews)

        #expect(loaded.epoch == 1)
        #expect(loaded.picture.lastSequence == 6)
        #expect(loaded.picture.count == node.picture.count)
        for view in Picture.allViews {
            #expect(loaded.picture.hash(for: view) == node.picture.hash(for: view), "view \(view)")
        }
        // VR10's threat and the police GRIP change were refused, yet used up their numbers.
        #expect(loaded.lastOriginSeq == [Org.vr09: 3, Org.vr10: 2, Org.nctv: 1, Org.police: 2])
        #expect(loaded.lastOriginSeq == node.coordinator.lastOriginSeq)
        #expect(
            loaded.incidents == [
                Documents.tramAttack.rawValue: IncidentRecord(opener: Org.vr09, lead: Org.national),
                "exercise/\(Documents.tramAttack)": IncidentRecord(opener: Org.vr10, lead: Org.vr09),
            ])
        #expect(loaded.incidents == node.coordinator.incidents)
        #expect(try store.count() == 6)
    }

    @Test("a coordinator rebuilt from the store repeats old answers and continues the sequence")
    func restartedCoordinator() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let store = try NodeStore(path: folder.path("node.sqlite"))
        let node = try Self.committed(network, to: store)
        let loaded = try store.load(views: Picture.allViews)
        var coordinator = Coordinator(
            epoch: loaded.epoch, lastSequence: loaded.picture.lastSequence,
            lastOriginSeq: loaded.lastOriginSeq,
            incidents: loaded.incidents, verifyingKeys: network.verifyingKeys, codec: network.codec)
        func lookup(_ id: ReportID) -> PastOutcome? { try? store.outcome(of: id) }

        let first = node.accepted[0].update
        let again = coordinator.decide(first.report, sender: Org.vr09, now: 0, lookup: lookup)
        guard case .accepted(let ack, _)? = again.repeated else {
            Issue.record("expected the original ACK, got \(again)")
            return
        }
        #expect(ack.sequence == first.sequence)

        let grip = network.seal(Documents.grip(.grip3), origin: Org.national, originSeq: 1)
        #expect(coordinator.decide(grip, sender: Org.national, now: 0, lookup: lookup).update?.sequence == 7)
        let police = network.seal(Documents.sitrep(), origin: Org.police, originSeq: 3)
        #expect(coordinator.decide(police, sender: Org.police, now: 0, lookup: lookup).update?.sequence == 8)
    }

    @Test("outcome(of:) answers an accepted id with its ACK and a refused id with its refusal")
    func outcomes() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let store = try NodeStore(path: folder.path("node.sqlite"))
        let node = try Self.committed(network, to: store)

        let accepted = node.accepted[1].update
        guard case .accepted(let ack, let origin)? = try store.outcome(of: accepted.report.id) else {
            Issue.record("expected accepted")
            return
        }
        #expect(
            ack == Ack(reportID: accepted.report.id, epoch: 1, sequence: 2, originSeq: 2, duplicate: true))
        #expect(origin == Org.vr09)

        let refusal = node.rejected[0]
        #expect(try store.outcome(of: refusal.reportID) == .rejected(refusal))
        #expect(try store.outcome(of: network.newID()) == nil)
    }

    @Test("every refusal uses up its origin sequence durably, also when a report id is refused twice")
    func refusedTwice() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let store = try NodeStore(path: folder.path("node.sqlite"))
        var node = TestNode(network)
        let id = network.newID()
        // VR09 refers to an unknown incident; VR10 then uses the same report id for the same
        // mistake, and VR09 reseals its report under a new origin sequence.
        node.submit(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 1, id: id))
        node.submit(network.seal(Documents.sitrep(), origin: Org.vr10, originSeq: 1, id: id))
        node.submit(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2, id: id))
        #expect(node.rejected.count == 3)
        for rejection in node.rejected {
            try store.commit(accepted: [], rejected: [rejection], at: node.clock)
        }

        let loaded = try store.load(views: [.publicView])
        #expect(loaded.lastOriginSeq == [Org.vr09: 2, Org.vr10: 1])
        guard case .rejected(let latest)? = try store.outcome(of: id) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(latest.origin == Org.vr09)
        #expect(latest.originSeq == 2)
        // Asked together with others (as the node asks for a chunk), the latest refusal still.
        #expect(try store.outcomes(of: [network.newID(), id])[id] == .some(.rejected(latest)))
    }

    @Test(
        "outcomes(of:) answers a chunk of ids as outcome(of:) answers each, over several queries, repeats included"
    )
    func outcomesOfAChunk() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let store = try NodeStore(path: folder.path("node.sqlite"))
        let node = try Self.committed(network, to: store)
        let known = node.accepted.map(\.update.report.id) + node.rejected.map(\.reportID)
        // More ids than one query takes, the known ones spread over the queries and repeated.
        var ids = (0..<(NodeStore.outcomesPerQuery * 2 + 5)).map { _ in network.newID() }
        for (index, id) in known.enumerated() {
            ids.insert(id, at: index * 97 % ids.count)
            ids.append(id)
        }
        let answers = try store.outcomes(of: ids)
        #expect(answers.count == Set(ids).count)
        for id in ids {
            #expect(answers[id] == .some(try store.outcome(of: id)), "\(id)")
        }
        #expect(known.allSatisfy { answers[$0] != .some(nil) })
        #expect(try store.outcomes(of: []).isEmpty)
    }

    @Test("updates(in:limit:) returns the range in sequence order, bounded by the limit")
    func updatesInRange() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let store = try NodeStore(path: folder.path("node.sqlite"))
        let node = try Self.committed(network, to: store)

        #expect(try store.updates(in: 2...4, limit: 10).map(\.sequence) == [2, 3, 4])
        #expect(try store.updates(in: 2...6, limit: 2).map(\.sequence) == [2, 3])
        #expect(try store.updates(in: 6...100, limit: 10).map(\.sequence) == [6])
        #expect(try store.updates(in: 7...9, limit: 10).isEmpty)
        #expect(try store.updates(in: 1...6, limit: 0).isEmpty)
        #expect(try store.updates(in: SequenceNumber.max...SequenceNumber.max, limit: 10).isEmpty)
        // Stored and read back, a report is the report that was committed.
        #expect(try store.updates(in: 1...6, limit: 10) == node.accepted.map(\.update))
    }

    @Test(
        "epoch(of:) tells the epoch a sequence was committed in, nil when not in the log; epochStarts where each epoch begins"
    )
    func epochOfSequence() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let store = try NodeStore(path: folder.path("node.sqlite"))
        #expect(try store.epochStarts().isEmpty)
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2))
        try store.commit(accepted: node.accepted.map { ($0.update, $0.document) }, rejected: [], at: 0)

        try store.setEpoch(2)
        let loaded = try store.load(views: [.publicView])
        #expect(loaded.epoch == 2)
        var successor = Coordinator(
            epoch: loaded.epoch, lastSequence: loaded.picture.lastSequence,
            lastOriginSeq: loaded.lastOriginSeq,
            incidents: loaded.incidents, verifyingKeys: network.verifyingKeys, codec: network.codec)
        for originSeq: UInt64 in 3...4 {
            let sitrep = network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: originSeq)
            let decision = successor.decide(sitrep, sender: Org.vr09, now: 0) { try? store.outcome(of: $0) }
            let update = try #require(decision.update)
            guard case .accept(_, let document) = decision else { return }
            try store.commit(accepted: [(update, document)], rejected: [], at: 0)
        }

        #expect(try store.epoch(of: 1) == 1)
        #expect(try store.epoch(of: 2) == 1)
        #expect(try store.epoch(of: 3) == 2)
        #expect(try store.epoch(of: 4) == 2)
        #expect(try store.epoch(of: 5) == nil)
        #expect(
            try store.epochStarts() == [
                EpochStart(epoch: 1, firstSequence: 1),
                EpochStart(epoch: 2, firstSequence: 3),
            ])
        #expect(try store.epoch(of: SequenceNumber.max) == nil)
    }

    @Test("reports(from:) lists an origin's accepted reports in its order")
    func reportsFromOrigin() throws {
        let folder = try TemporaryFolder()
        let network = Network()
        let store = try NodeStore(path: folder.path("node.sqlite"))
        let node = try Self.committed(network, to: store)
        let vr09 = try store.reports(from: Org.vr09)
        #expect(vr09.map(\.originSeq) == [1, 2, 3])
        #expect(vr09.map(\.sequence) == [1, 2, 3])
        #expect(vr09.map(\.id) == node.accepted.prefix(3).map(\.update.report.id))
    }
}
