import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import Testing

/// A mirror fed the stream in batches (UPDATES, ENTRIES, read with `decodeStream`) ends where
/// one fed one message per update does.
@Suite("Mirror and batched messages")
struct MirrorBatchTests {
    static let view = MirrorFixtures.view

    static func mirror(_ network: Network) -> Mirror {
        Mirror(view: view, picture: Picture(views: [view]), verifyingKeys: network.verifyingKeys)
    }

    /// Every message the frames stand for, as the follower reads them.
    static func read(_ messages: [[[UInt8]]]) throws -> [ServerMessage] {
        try messages.flatMap { try MessageCodec().decodeStream($0) }
    }

    @Test("updates in UPDATES give the same picture, view hash and persisted batches as one by one")
    func updates() throws {
        let network = Network()
        let node = try MirrorFixtures.node(network)
        let updates = (SequenceNumber(1)...6).map { MirrorFixtures.update(node, $0) }
        var single = Self.mirror(network)
        var singleActions: [MirrorAction] = []
        for update in updates { singleActions += single.receive(.update(update), now: .now) }
        var batched = Self.mirror(network)
        var batchedActions: [MirrorAction] = []
        let messages = MessageCodec.encodeStream(updates, entries: false, batched: true)
        #expect(messages.count == 1 && messages[0][1] == Array("UPDATES".utf8))
        for message in try Self.read(messages) { batchedActions += batched.receive(message, now: .now) }
        #expect(batched.applied == 6 && single.applied == 6)
        #expect(batched.hash == single.hash)
        #expect(batched.hash == node.picture.hash(for: Self.view))
        #expect(batched.picture.entries == single.picture.entries)
        #expect(batchedActions.map(\.persistedSequences) == singleActions.map(\.persistedSequences))
    }

    @Test("a snapshot in ENTRIES gives the same picture and view hash as one ENTRY per key")
    func snapshot() throws {
        let network = Network()
        let node = try MirrorFixtures.node(network)
        let entries = node.picture.entries.values.sorted { $0.sequence < $1.sequence }.map { entry in
            var update = entry.update
            update.report = update.report.projected(for: Self.view)
            return update
        }
        let hash = node.picture.hash(for: Self.view).hex
        func take(batched: Bool) throws -> Mirror {
            var mirror = Self.mirror(network)
            _ = mirror.receive(.snapshot(sequence: 6, epoch: 1, count: entries.count), now: .now)
            for message in try Self.read(MessageCodec.encodeStream(entries, entries: true, batched: batched))
            {
                #expect(mirror.receive(message, now: .now).isEmpty)
            }
            let actions = mirror.receive(.snapEnd(sequence: 6, epoch: 1, viewHash: hash), now: .now)
            #expect(actions.count == 1, "\(actions)")
            return mirror
        }
        let single = try take(batched: false)
        let batched = try take(batched: true)
        #expect(batched.applied == 6)
        #expect(batched.hash.hex == hash && single.hash.hex == hash)
        #expect(batched.picture.entries == single.picture.entries)
    }
}

extension MirrorAction {
    fileprivate var persistedSequences: [SequenceNumber]? {
        if case .persist(let updates) = self { return updates.map(\.sequence) }
        return nil
    }
}
