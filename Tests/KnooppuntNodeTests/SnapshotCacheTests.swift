import FramePacking
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import Testing

@testable import KnooppuntNode

/// The node's snapshot encodings: one per class of views and sequence, bounded, and made of
/// exactly the view's sections.
@Suite("Snapshot encodings")
struct SnapshotCacheTests {
    static func picture() throws -> (entries: [String: PictureEntry], node: TestNode) {
        let node = try MirrorFixtures.node(Network())
        return (node.picture.entries, node)
    }

    /// Every entry the encoding's messages carry, read as a follower reads them.
    static func read(_ encoding: SnapshotEncoding) throws -> [Update] {
        while !encoding.isComplete { encoding.encodeMore() }
        return try encoding.messages.flatMap { message in
            let parts = try #require(FramePack.unpack(message.packed, maxParts: WireLimits.maxFrames))
            return try MessageCodec().decodeStream(parts).map { decoded in
                guard case .entry(let update) = decoded else { throw Problem(.unknownCommand, field: "", "") }
                return update
            }
        }
    }

    @Test(
        "parties of one view class share one encoding; another class, or another way of reading, gets its own"
    )
    func sharing() throws {
        let (entries, _) = try Self.picture()
        var cache = SnapshotCache()
        func encoding(_ view: View, batched: Bool = true) -> SnapshotEncoding {
            cache.encoding(
                for: view, accepts: batched ? [.batches] : [], sequence: 6, epoch: 1, picture: entries)
        }
        let vr09 = encoding(.organisation(Org.vr09))
        #expect(encoding(.organisation(Org.vr09)) === vr09)
        // The police read police-only sections that VR09 does not: another class.
        let police = encoding(.organisation(.police))
        #expect(police !== vr09 && police.masks != vr09.masks)
        #expect(encoding(.organisation(Org.vr09), batched: false) !== vr09)
        // A region whose masks equal VR09's on every entry shares VR09's bytes.
        let vr10 = View.organisation(Org.vr10)
        let vr10Masks = vr09.entries.map { StreamEncoding.mask($0.report, for: vr10) }
        #expect((encoding(vr10) === vr09) == (vr10Masks == vr09.masks))
        #expect(cache.encodings.count == (vr10Masks == vr09.masks ? 3 : 4))
    }

    @Test("an encoding holds every entry in sequence order, each with only the sections its class may read")
    func needToKnow() throws {
        let (entries, node) = try Self.picture()
        var cache = SnapshotCache()
        for view in [View.organisation(Org.vr09), .organisation(.police), .organisation(.nctv), .publicView] {
            for batched in [true, false] {
                let encoding = cache.encoding(
                    for: view, accepts: batched ? [.batches] : [], sequence: 6, epoch: 1, picture: entries)
                let read = try Self.read(encoding)
                #expect(read.map(\.sequence) == entries.values.map(\.sequence).sorted())
                #expect(encoding.messages.count == (batched ? 1 : entries.count))
                for update in read {
                    #expect(
                        update.report
                            == node.picture.entries[update.report.envelope.key]!.report.projected(for: view))
                }
                #expect(
                    Picture.hash(of: read.map(PictureEntry.init), view: view) == node.picture.hash(for: view))
            }
        }
    }

    @Test("at most maxEncodings are kept, the least recently used goes; a new sequence forgets the old ones")
    func boundAndInvalidation() throws {
        let (entries, _) = try Self.picture()
        var cache = SnapshotCache()
        let classes: [(View, Bool)] = [
            (.organisation(Org.vr09), true), (.organisation(Org.vr09), false), (.organisation(.police), true),
            (.organisation(.police), false), (.publicView, true),
        ]
        #expect(classes.count > SnapshotCache.maxEncodings)
        var made: [SnapshotEncoding] = []
        for (view, batched) in classes {
            made.append(
                cache.encoding(
                    for: view, accepts: batched ? [.batches] : [], sequence: 6, epoch: 1, picture: entries))
        }
        #expect(cache.encodings.count == SnapshotCache.maxEncodings)
        #expect(!cache.encodings.contains { $0 === made[0] })
        let again = cache.encoding(
            for: classes[0].0, accepts: [.batches], sequence: 6, epoch: 1, picture: entries)
        #expect(again !== made[0])
        #expect(cache.encodings.count == SnapshotCache.maxEncodings)

        cache.keep(sequence: 7, epoch: 1)
        #expect(cache.encodings.isEmpty)
        let later = cache.encoding(
            for: classes[0].0, accepts: [.batches], sequence: 7, epoch: 1, picture: entries)
        #expect(later !== again && later.sequence == 7)
        // The same picture in a new epoch (a replica active again): a new encoding naming it.
        let newEpoch = cache.encoding(
            for: classes[0].0, accepts: [.batches], sequence: 7, epoch: 2, picture: entries)
        #expect(newEpoch !== later && newEpoch.epoch == 2)
        #expect(cache.encodings.allSatisfy { $0.epoch == 2 })
    }

    @Test(
        "a party's view seen before at the sequence gets its own class's encoding again, never another's; forgetting or a new sequence makes a new one"
    )
    func readersRemembered() throws {
        let (entries, _) = try Self.picture()
        var cache = SnapshotCache()
        func encoding(_ view: View, batched: Bool = true, sequence: SequenceNumber = 6) -> SnapshotEncoding {
            cache.encoding(
                for: view, accepts: batched ? [.batches] : [], sequence: sequence, epoch: 1, picture: entries)
        }
        let views = [View.organisation(Org.vr09), .organisation(.police), .organisation(.nctv), .publicView]
        var first: [View: SnapshotEncoding] = [:]
        for view in views { first[view] = encoding(view) }
        // In another order, and interleaved: each view its own class's encoding, its masks its own.
        for view in views.reversed() + views {
            let again = encoding(view)
            #expect(again === first[view])
            #expect(again.masks == SnapshotCache.masks(of: again.entries, for: view))
        }
        // The picture changed (the node forgets on every change): nothing of before is served.
        cache.forget()
        let fresh = encoding(.organisation(.police))
        #expect(fresh !== first[.organisation(.police)])
        #expect(cache.encodings.count == 1)
        // A new sequence: a new encoding of the entries given, not the one of the old picture.
        var fewer = entries
        fewer.removeValue(forKey: try #require(entries.keys.first))
        let later = cache.encoding(
            for: .organisation(.police), accepts: [.batches], sequence: 7, epoch: 1, picture: fewer)
        #expect(later !== fresh && later.entries.count == fewer.count)
    }

    @Test(
        "a party that reads shared proofs gets its own encoding: fewer bytes, and the same entries byte for byte as a party that reads whole proofs"
    )
    func sharedProofs() throws {
        let network = Network()
        var node = TestNode(network)
        // Two regions' batches, accepted interleaved as the node's fair share reads them.
        let incidents = { (origin: OrganisationCode) in
            let municipality = ReferenceData.builtIn.municipalities.values.first { $0.region == origin }!.code
            return (1...24).map { number in
                Documents.incident(
                    IncidentID("\(origin)-GEDEELD-\(number)")!, in: municipality, lead: origin)
            }
        }
        let vr09 = network.sealBatch(incidents(Org.vr09), origin: Org.vr09, firstOriginSeq: 1)
        let vr10 = network.sealBatch(incidents(Org.vr10), origin: Org.vr10, firstOriginSeq: 1)
        for (first, second) in zip(vr09, vr10) {
            try node.accept(first)
            try node.accept(second)
        }
        var cache = SnapshotCache()
        let view = View.organisation(.nctv)
        let whole = cache.encoding(
            for: view, accepts: [.batches], sequence: 48, epoch: 1, picture: node.picture.entries)
        let shared = cache.encoding(
            for: view, accepts: [.batches, .sharedProofs], sequence: 48, epoch: 1,
            picture: node.picture.entries)
        #expect(shared !== whole)
        // Shared proofs without batches mean nothing: that party reads single ENTRYs.
        #expect(
            cache.encoding(
                for: view, accepts: [.sharedProofs], sequence: 48, epoch: 1, picture: node.picture.entries
            ).batched == false)
        let read = try Self.read(shared)
        #expect(read == (try Self.read(whole)))
        #expect(read.count == 48)
        for entry in read {
            #expect(entry.report.verifySignature(with: network.verifyingKeys[entry.report.origin]!))
        }
        let bytes = { (encoding: SnapshotEncoding) in encoding.messages.reduce(0) { $0 + $1.packed.count } }
        #expect(bytes(shared) < bytes(whole) * 9 / 10, "\(bytes(whole)) bytes became \(bytes(shared))")
    }
}
