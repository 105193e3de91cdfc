import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import Testing

extension MirrorAction {
    var sent: ClientMessage? {
        if case .send(let message) = self { return message }
        return nil
    }

    var persisted: [SequenceNumber]? {
        if case .persist(let updates) = self { return updates.map(\.sequence) }
        return nil
    }

    var replacedAt: SequenceNumber? {
        if case .replace(_, let sequence, _) = self { return sequence }
        return nil
    }

    var isWarning: Bool {
        if case .warn = self { return true }
        return false
    }
}

@Suite("Mirror")
struct MirrorTests {
    static let view = View.organisation(Org.vr09)
    static let t0 = ContinuousClock.now
    static func at(_ seconds: Int64) -> ContinuousClock.Instant { t0 + .seconds(seconds) }

    static func node(_ network: Network) throws -> TestNode { try MirrorFixtures.node(network) }

    static func update(_ node: TestNode, _ sequence: SequenceNumber, view: View = view) -> Update {
        MirrorFixtures.update(node, sequence, view: view)
    }

    static func mirror(
        _ network: Network, limits: MirrorLimits = MirrorLimits(heldUpdates: 10, gapRetry: .seconds(2))
    )
        -> Mirror
    {
        Mirror(
            view: view, picture: Picture(views: [view]), verifyingKeys: network.verifyingKeys, limits: limits)
    }

    @Test("updates apply in sequence and are handed over for persisting")
    func inOrder() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        for sequence in SequenceNumber(1)...6 {
            let actions = mirror.receive(.update(Self.update(node, sequence)), now: Self.at(0))
            #expect(actions.map(\.persisted) == [[sequence]])
        }
        #expect(mirror.applied == 6)
        #expect(mirror.hash == node.picture.hash(for: Self.view))
    }

    @Test("a duplicate or older update is ignored")
    func duplicates() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))
        _ = mirror.receive(.update(Self.update(node, 2)), now: Self.at(0))
        let hash = mirror.hash
        #expect(mirror.receive(.update(Self.update(node, 2)), now: Self.at(0)).isEmpty)
        #expect(mirror.receive(.update(Self.update(node, 1)), now: Self.at(0)).isEmpty)
        #expect(mirror.applied == 2)
        #expect(mirror.hash == hash)
    }

    @Test("a gap holds later updates and asks FETCH applied+1…seq-1, once per gapRetry")
    func gap() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))

        #expect(
            mirror.receive(.update(Self.update(node, 4)), now: Self.at(0)).map(\.sent) == [
                .fetch(from: 2, to: 3)
            ])
        #expect(mirror.receive(.update(Self.update(node, 5)), now: Self.at(1)).isEmpty)
        #expect(mirror.applied == 1)
        // Still missing after gapRetry: ask again, up to what is now known.
        #expect(
            mirror.receive(.update(Self.update(node, 6)), now: Self.at(2)).map(\.sent) == [
                .fetch(from: 2, to: 5)
            ])
    }

    @Test("filling the gap applies the held updates in order")
    func fillGap() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))
        for sequence in SequenceNumber(4)...6 {
            _ = mirror.receive(.update(Self.update(node, sequence)), now: Self.at(0))
        }
        #expect(mirror.receive(.update(Self.update(node, 2)), now: Self.at(1)).map(\.persisted) == [[2]])
        #expect(
            mirror.receive(.update(Self.update(node, 3)), now: Self.at(1)).map(\.persisted) == [[3, 4, 5, 6]])
        #expect(mirror.applied == 6)
        #expect(mirror.hash == node.picture.hash(for: Self.view))
        // The gap is closed: the next gap asks at once.
        var more = node
        try more.accept(network.seal(Documents.grip(.grip4), origin: Org.vr09, originSeq: 5))
        try more.accept(network.seal(Documents.grip(.grip3), origin: Org.vr09, originSeq: 6))
        #expect(
            mirror.receive(.update(Self.update(more, 8)), now: Self.at(1)).map(\.sent) == [
                .fetch(from: 7, to: 7)
            ])
    }

    @Test("more held updates than the limit: the mirror starts over with HELLO")
    func heldLimit() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network, limits: MirrorLimits(heldUpdates: 2, gapRetry: .seconds(2)))
        _ = mirror.hello(role: .region)
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))
        _ = mirror.receive(.update(Self.update(node, 3)), now: Self.at(0))
        _ = mirror.receive(.update(Self.update(node, 4)), now: Self.at(0))

        let actions = mirror.receive(.update(Self.update(node, 5)), now: Self.at(0))
        #expect(actions.count == 2)
        #expect(actions.first?.isWarning == true)
        #expect(actions.last?.sent == .hello(applied: 1, epoch: 1, role: .region))
        // Nothing of the dropped hold is applied later.
        #expect(mirror.receive(.update(Self.update(node, 2)), now: Self.at(1)).map(\.persisted) == [[2]])
        #expect(mirror.applied == 2)
    }

    @Test("a snapshot whose hash matches replaces the picture")
    func snapshot() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))

        let entries = node.picture.entries.values.sorted { $0.sequence < $1.sequence }
        #expect(
            mirror.receive(.snapshot(sequence: 6, epoch: 1, count: entries.count), now: Self.at(0)).isEmpty)
        for entry in entries {
            var update = entry.update
            update.report = update.report.projected(for: Self.view)
            #expect(mirror.receive(.entry(update), now: Self.at(0)).isEmpty)
        }
        let hash = node.picture.hash(for: Self.view).hex
        let actions = mirror.receive(.snapEnd(sequence: 6, epoch: 1, viewHash: hash), now: Self.at(0))
        #expect(actions.map(\.replacedAt) == [6])
        #expect(mirror.applied == 6)
        #expect(mirror.hash.hex == hash)
        #expect(mirror.picture.count == node.picture.count)
    }

    @Test("a snapshot whose hash does not match is refused: a warning and HELLO, the picture unchanged")
    func snapshotMismatch() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        _ = mirror.hello(role: .region)
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))
        let before = mirror.hash

        let entries = node.picture.entries.values.sorted { $0.sequence < $1.sequence }
        _ = mirror.receive(.snapshot(sequence: 6, epoch: 1, count: entries.count), now: Self.at(0))
        // One entry goes missing on the way.
        for entry in entries.dropLast() {
            var update = entry.update
            update.report = update.report.projected(for: Self.view)
            _ = mirror.receive(.entry(update), now: Self.at(0))
        }
        let actions = mirror.receive(
            .snapEnd(sequence: 6, epoch: 1, viewHash: node.picture.hash(for: Self.view).hex), now: Self.at(0))
        #expect(actions.count == 2)
        #expect(actions.first?.isWarning == true)
        #expect(actions.last?.sent == .hello(applied: 1, epoch: 1, role: .region))
        #expect(mirror.applied == 1)
        #expect(mirror.hash == before)
    }

    @Test("updates arriving during a snapshot are held and applied after it")
    func updatesDuringSnapshot() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2))
        let entries = node.picture.entries.values.sorted { $0.sequence < $1.sequence }
        let hashAtTwo = node.picture.hash(for: Self.view).hex
        try node.accept(network.seal(Documents.grip(.grip3), origin: Org.vr09, originSeq: 3))
        try node.accept(network.seal(Documents.sitrep(brw: "Nablussen"), origin: Org.vr09, originSeq: 4))

        var mirror = Self.mirror(network)
        _ = mirror.receive(.snapshot(sequence: 2, epoch: 1, count: entries.count), now: Self.at(0))
        #expect(mirror.receive(.update(Self.update(node, 3)), now: Self.at(0)).isEmpty)
        for entry in entries {
            var update = entry.update
            update.report = update.report.projected(for: Self.view)
            _ = mirror.receive(.entry(update), now: Self.at(0))
        }
        #expect(mirror.receive(.update(Self.update(node, 4)), now: Self.at(0)).isEmpty)
        #expect(mirror.receive(.update(Self.update(node, 2)), now: Self.at(0)).isEmpty)

        let actions = mirror.receive(.snapEnd(sequence: 2, epoch: 1, viewHash: hashAtTwo), now: Self.at(0))
        #expect(actions.map(\.replacedAt) == [2, nil])
        #expect(actions.map(\.persisted) == [nil, [3, 4]])
        #expect(mirror.applied == 4)
        #expect(mirror.hash == node.picture.hash(for: Self.view))
    }

    @Test("a snapshot older than what the mirror applied still keeps the updates that follow it")
    func olderSnapshot() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        for sequence in SequenceNumber(1)...5 {
            _ = mirror.receive(.update(Self.update(node, sequence)), now: Self.at(0))
        }
        // The node lost its tail after 3 (a takeover): it sends a snapshot at 3, then 4 again.
        var older = Picture(views: Picture.allViews)
        for sequence in 0..<3 { older.apply(node.accepted[sequence].update) }
        let entries = older.entries.values.sorted { $0.sequence < $1.sequence }
        _ = mirror.receive(.snapshot(sequence: 3, epoch: 2, count: entries.count), now: Self.at(0))
        for entry in entries {
            var update = entry.update
            update.report = update.report.projected(for: Self.view)
            _ = mirror.receive(.entry(update), now: Self.at(0))
        }
        _ = mirror.receive(.update(Self.update(node, 4)), now: Self.at(0))
        let actions = mirror.receive(
            .snapEnd(sequence: 3, epoch: 2, viewHash: older.hash(for: Self.view).hex), now: Self.at(0))
        #expect(actions.map(\.replacedAt) == [3, nil])
        #expect(actions.map(\.persisted) == [nil, [4]])
        #expect(mirror.applied == 4)
    }

    @Test("an update whose signature does not verify is refused")
    func badSignature() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))
        let forged = network.seal(Documents.grip(.grip5), origin: Org.vr09, originSeq: 9, signer: Org.vr10)
        let update = Update(sequence: 2, epoch: 1, committedAt: 0, report: forged.projected(for: Self.view))

        let actions = mirror.receive(.update(update), now: Self.at(0))
        #expect(actions.count == 1)
        #expect(actions.first?.isWarning == true)
        #expect(mirror.applied == 1)
    }

    @Test("an update carrying content of a section the view may not read is refused")
    func contentNotOurs() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))
        // The complete sitrep holds the police-only and national sections.
        let complete = node.accepted[1].update

        let actions = mirror.receive(.update(complete), now: Self.at(0))
        #expect(actions.count == 1)
        #expect(actions.first?.isWarning == true)
        #expect(mirror.applied == 1)
    }

    @Test("an update missing a section the view may read is refused")
    func contentMissing() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))

        let actions = mirror.receive(.update(Self.update(node, 2, view: .publicView)), now: Self.at(0))
        #expect(actions.first?.isWarning == true)
        #expect(mirror.applied == 1)
    }

    @Test("a snapshot entry that is not this view's is refused and the snapshot then fails its hash")
    func snapshotEntryRefused() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        let entries = node.picture.entries.values.sorted { $0.sequence < $1.sequence }
        _ = mirror.receive(.snapshot(sequence: 6, epoch: 1, count: entries.count), now: Self.at(0))
        var warnings = 0
        for entry in entries {
            warnings += mirror.receive(.entry(entry.update), now: Self.at(0)).filter(\.isWarning).count
        }
        #expect(warnings > 0)
        let actions = mirror.receive(
            .snapEnd(sequence: 6, epoch: 1, viewHash: node.picture.hash(for: Self.view).hex), now: Self.at(0))
        #expect(actions.last?.sent != nil)
        #expect(mirror.applied == 0)
    }

    @Test("a heartbeat ahead twice with nothing arriving asks FETCH for the tail")
    func heartbeatAhead() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))
        func beat(_ last: SequenceNumber) -> ServerMessage {
            .heartbeat(Heartbeat(role: .active, epoch: 1, lastSequence: last, nodeTime: 0))
        }

        #expect(mirror.receive(beat(3), now: Self.at(1)).isEmpty)
        #expect(mirror.receive(beat(3), now: Self.at(2)).map(\.sent) == [.fetch(from: 2, to: 3)])
        #expect(mirror.nodeLastSequence == 3)

        // An update in between resets the count.
        _ = mirror.receive(.update(Self.update(node, 2)), now: Self.at(3))
        #expect(mirror.receive(beat(4), now: Self.at(4)).isEmpty)
        _ = mirror.receive(.update(Self.update(node, 3)), now: Self.at(4))
        #expect(mirror.receive(beat(4), now: Self.at(5)).isEmpty)
        // A heartbeat that is not ahead resets it too.
        #expect(mirror.receive(beat(3), now: Self.at(6)).isEmpty)
        #expect(mirror.receive(beat(4), now: Self.at(7)).isEmpty)
    }

    @Test("a heartbeat from a new epoch starts over with HELLO")
    func epochChange() throws {
        let network = Network()
        let node = try Self.node(network)
        var mirror = Self.mirror(network)
        _ = mirror.hello(role: .region)
        _ = mirror.receive(.welcome(epoch: 1, lastSequence: 2, nextOriginSeq: 1), now: Self.at(0))
        _ = mirror.receive(.update(Self.update(node, 1)), now: Self.at(0))
        _ = mirror.receive(.update(Self.update(node, 2)), now: Self.at(0))
        #expect(
            mirror.receive(
                .heartbeat(Heartbeat(role: .active, epoch: 1, lastSequence: 2, nodeTime: 0)), now: Self.at(1)
            )
            .isEmpty)

        let actions = mirror.receive(
            .heartbeat(Heartbeat(role: .active, epoch: 2, lastSequence: 2, nodeTime: 0)), now: Self.at(2))
        #expect(actions.map(\.sent) == [.hello(applied: 2, epoch: 1, role: .region)])
        #expect(mirror.nodeEpoch == 2)
        #expect(
            mirror.receive(
                .heartbeat(Heartbeat(role: .active, epoch: 2, lastSequence: 2, nodeTime: 0)), now: Self.at(3)
            )
            .isEmpty)
    }

    @Test("a snapshot announcing more entries than the limit is refused")
    func snapshotLimit() throws {
        let network = Network()
        var mirror = Self.mirror(
            network, limits: MirrorLimits(heldUpdates: 10, gapRetry: .seconds(2), snapshotEntries: 3))
        let actions = mirror.receive(.snapshot(sequence: 9, epoch: 1, count: 4), now: Self.at(0))
        #expect(actions.first?.isWarning == true)
        #expect(
            mirror.receive(.snapEnd(sequence: 9, epoch: 1, viewHash: ViewHash().hex), now: Self.at(0)).first?
                .isWarning == true)
        #expect(mirror.applied == 0)
    }
}
