import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing
import ZeroMQ

/// Snapshots served from the node's encodings (one per view class and sequence, reused by the
/// next party of the class): never stale after a commit, never another class's.
extension SystemTests {
    /// What a party joining from nothing as `code` reads: the snapshot's sequence, its entries
    /// (batched, as a daemon reads them) and whether they make the view hash SNAPEND names.
    static func joined(
        _ net: TestNetwork, as code: OrganisationCode
    ) throws -> (
        sequence: UInt64, entries: [Update], bytes: Data, hashMatches: Bool
    ) {
        let secrets = try OrganisationSecrets.load(from: net.folder.keyFile(code))
        let raw = try RawClient(
            endpoint: net.network.primary.endpoint, serverKey: net.network.nodeCurvePublicKey,
            keys: secrets.curve)
        try raw.send(.hello(applied: 0, epoch: 0, role: .watch, accepts: [.batches]))
        let codec = MessageCodec()
        var entries: [Update] = []
        var bytes = Data()
        // Generous: the test waits for SNAPEND, never for a duration.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            var poller = Poller()
            poller.add(.socket(raw.socket))
            _ = try poller.poll(timeout: .milliseconds(50))
            while let message = try raw.socket.receive(dontWait: true) {
                guard let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) else {
                    continue
                }
                bytes.append(contentsOf: parts.flatMap { $0 })
                for decoded in try codec.decodeStream(parts) {
                    switch decoded {
                    case .entry(let entry): entries.append(entry)
                    case .snapEnd(let sequence, _, let hash):
                        let made = Picture.hash(of: entries.map(PictureEntry.init), view: .organisation(code))
                        return (sequence, entries, bytes, made.hex == hash)
                    default: break
                    }
                }
            }
        }
        Issue.record("\(code): no SNAPEND within 30 s")
        return (0, entries, bytes, false)
    }

    @Test(
        "snapshot encodings: a second joiner of a view gets the same snapshot; after a commit a joiner gets the new state, not the encoding of the old; two view classes at one sequence each get only their own sections"
    )
    func snapshotEncodingsFreshAndOwn() throws {
        let net = try TestNetwork(name: "snapshot-cache")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        let vr10 = OrganisationCode("VR10")!
        let vr11 = OrganisationCode("VR11")!
        try net.startAll([vr09])
        let region = try Publisher(vr09, network: net)
        let incident = "VR09-CACHE-1"
        func sitrep(_ marker: String) -> JSONValue {
            Self.sitrep(
                incident,
                sections: [
                    ("BRW", [vr09, vr10], "VOOR-VR10-\(marker)-"),
                    ("GZ", [vr09, vr11], "VOOR-VR11-\(marker)-"),
                ])
        }
        // A sitrep replaced once already: the log is longer than the picture, so a party from
        // nothing gets a snapshot rather than the log (docs/PROTOCOL.md §5.2).
        try region.publishAll([Documents.incident(vr09, incident), sitrep("NUL"), sitrep("EERSTE")])
        #expect(region.accepted.count == 3, "\(region.rejected)")

        // Twice the same view at one sequence: the second is served what the first made.
        let first = try Self.joined(net, as: vr10)
        let again = try Self.joined(net, as: vr10)
        #expect(first.sequence == 3 && again.sequence == 3)
        #expect(first.hashMatches && again.hashMatches)
        #expect(again.entries == first.entries)
        #expect(first.bytes.range(of: Data("VOOR-VR10-EERSTE-".utf8)) != nil)

        // A commit: the next joiner of the same view gets the new sitrep, at the new sequence.
        try region.publishAll([sitrep("TWEEDE")])
        #expect(region.accepted.count == 4, "\(region.rejected)")
        let after = try Self.joined(net, as: vr10)
        #expect(after.sequence == 4)
        #expect(after.hashMatches)
        #expect(after.bytes.range(of: Data("VOOR-VR10-TWEEDE-".utf8)) != nil, "a stale snapshot")
        #expect(after.bytes.range(of: Data("VOOR-VR10-EERSTE-".utf8)) == nil, "the replaced sitrep again")

        // Another class at the same sequence, right after VR10's: its own sections, none of VR10's.
        let other = try Self.joined(net, as: vr11)
        #expect(other.sequence == 4 && other.hashMatches)
        #expect(other.bytes.range(of: Data("VOOR-VR11-TWEEDE-".utf8)) != nil)
        #expect(other.bytes.range(of: Data("VOOR-VR10-".utf8)) == nil, "VR11 got VR10's sections")
        // And VR10 once more after VR11: still its own.
        let vr10Again = try Self.joined(net, as: vr10)
        #expect(vr10Again.entries == after.entries && vr10Again.hashMatches)
        #expect(vr10Again.bytes.range(of: Data("VOOR-VR11-".utf8)) == nil, "VR10 got VR11's sections")
        net.stopAll()
    }
}
