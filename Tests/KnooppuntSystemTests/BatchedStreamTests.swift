import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Testing
import ZeroMQ

/// The picture stream in batches (UPDATES, ENTRIES) to parties that announce them in HELLO, and
/// one message per update to a party that does not (docs/PROTOCOL.md §5.2, §10).
extension SystemTests {
    /// What a raw client with `code`'s key receives for a snapshot (HELLO from nothing) and the
    /// whole log again (FETCH 1…`upTo`): every message's command and parts, in order.
    static func streamed(
        _ net: TestNetwork, as code: OrganisationCode, accepts: StreamFeatures, upTo: UInt64
    ) throws -> [[[UInt8]]] {
        let secrets = try OrganisationSecrets.load(from: net.folder.keyFile(code))
        let raw = try RawClient(
            endpoint: net.network.primary.endpoint, serverKey: net.network.nodeCurvePublicKey,
            keys: secrets.curve)
        var messages: [[[UInt8]]] = []
        func read(until done: ([[UInt8]]) -> Bool) throws {
            // Generous: the test waits for the last message it expects, never for a duration.
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                var poller = Poller()
                poller.add(.socket(raw.socket))
                _ = try poller.poll(timeout: .milliseconds(50))
                while let message = try raw.socket.receive(dontWait: true) {
                    guard let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1)
                    else {
                        continue
                    }
                    messages.append(parts)
                    if done(parts) { return }
                }
            }
            Issue.record("\(code): the stream did not finish within 30 s")
        }
        try raw.send(.hello(applied: 0, epoch: 0, role: .watch, accepts: accepts))
        try read { String(decoding: $0[1], as: UTF8.self) == "SNAPEND" }
        try raw.send(.fetch(from: 1, to: upTo))
        let codec = MessageCodec()
        try read { parts in
            guard let last = try? codec.decodeStream(parts).last, case .update(let update) = last else {
                return false
            }
            return update.sequence == upTo
        }
        return messages
    }

    @Test(
        "batched stream: parties that announce batches get their snapshot in ENTRIES and the log in UPDATES, each its own view only, the same updates and view hash as a party that announces nothing and gets one message per update"
    )
    func batchedStreamNeedToKnow() throws {
        let net = try TestNetwork(name: "batched-stream")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        let vr10 = OrganisationCode("VR10")!
        let vr11 = OrganisationCode("VR11")!
        try net.startAll([vr09])
        let region = try Publisher(vr09, network: net)
        let incident = "VR09-BATCH-1"
        try region.publishAll([Documents.incident(vr09, incident)])
        // Each sitrep has a section for VR10 only and one for VR11 only, each with its marker.
        let reports = 40
        try region.publishAll(
            (0..<reports).map { number in
                Self.sitrep(
                    incident,
                    sections: [
                        ("BRW", [vr09, vr10], "VOOR-VR10-\(number)-"),
                        ("GZ", [vr09, vr11], "VOOR-VR11-\(number)-"),
                    ])
            })
        #expect(region.accepted.count == reports + 1, "\(region.rejected)")
        let last = UInt64(reports + 1)

        let codec = MessageCodec()
        func read(_ messages: [[[UInt8]]], view: View) throws -> (commands: Set<String>, updates: [Update]) {
            var commands: Set<String> = []
            var entries: [Update] = []
            var updates: [Update] = []
            for parts in messages {
                commands.insert(String(decoding: parts[1], as: UTF8.self))
                for message in try codec.decodeStream(parts) {
                    switch message {
                    case .entry(let entry): entries.append(entry)
                    case .update(let update): updates.append(update)
                    case .snapEnd(_, _, let hash):
                        // What arrived makes the view hash the node announced.
                        #expect(Picture.hash(of: entries.map(PictureEntry.init), view: view).hex == hash)
                    default: break
                    }
                }
            }
            #expect(
                updates.map(\.sequence) == Array(1...last),
                "\(view): the catch-up is not the whole log in order")
            return (commands, entries + updates)
        }
        var batchedUpdates: [OrganisationCode: [Update]] = [:]
        for (code, other) in [(vr10, vr11), (vr11, vr10)] {
            let batched = try Self.streamed(net, as: code, accepts: [.batches], upTo: last)
            let plain = try Self.streamed(net, as: code, accepts: [], upTo: last)
            let readBatched = try read(batched, view: .organisation(code))
            let readPlain = try read(plain, view: .organisation(code))
            #expect(readBatched.commands.isSuperset(of: ["ENTRIES", "UPDATES"]), "\(readBatched.commands)")
            #expect(readPlain.commands.isDisjoint(with: ["ENTRIES", "UPDATES"]), "\(readPlain.commands)")
            #expect(batched.count < plain.count)
            #expect(readBatched.updates == readPlain.updates, "\(code): batches carry other updates")
            batchedUpdates[code] = readBatched.updates

            // Need-to-know: every one of its own markers, none of the other party's.
            let bytes = Data(batched.flatMap { $0.flatMap { $0 } })
            for number in 0..<reports {
                #expect(
                    bytes.range(of: Data("VOOR-\(code)-\(number)-".utf8)) != nil, "\(code) missed \(number)")
                #expect(
                    bytes.range(of: Data("VOOR-\(other)-\(number)-".utf8)) == nil, "\(code) got \(other)'s")
            }
        }
        // The two views differ in every sitrep: their streams share no projected report.
        #expect(batchedUpdates[vr10] != batchedUpdates[vr11])
        net.stopAll()
    }
}
