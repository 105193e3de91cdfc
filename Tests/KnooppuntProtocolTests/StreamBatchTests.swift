import KnooppuntDomain
import KnooppuntProtocol
import Testing

/// UPDATES and ENTRIES, and HELLO's announcement of them (docs/PROTOCOL.md §5.2, §10).
@Suite("Batched stream messages")
struct StreamBatchTests {
    /// `count` updates in sequence order, alternately whole and in the public's view.
    static func updates(_ count: Int, from first: SequenceNumber = 1001) -> [Update] {
        let sealed = Fixtures.seal(Fixtures.sample(.sitrep))
        return (0..<count).map { index in
            Update(
                sequence: first + UInt64(index), epoch: 2, committedAt: 1_749_631_920_000 + Int64(index),
                report: index % 2 == 0 ? sealed : sealed.projected(for: .publicView))
        }
    }

    static func text(_ value: String) -> [UInt8] { Array(value.utf8) }

    @Test("a HELLO that announces nothing is today's three parts; one that announces batches adds a fourth")
    func helloParts() throws {
        #expect(
            MessageCodec.encode(.hello(applied: 5, epoch: 1, role: .region)) == [
                Self.text("KNP1"), Self.text("HELLO"), Self.text("5"), Self.text("1"), Self.text("region"),
            ])
        let announcing = ClientMessage.hello(applied: 5, epoch: 1, role: .region, accepts: [.batches])
        let frames = MessageCodec.encode(announcing)
        #expect(frames.count == 6 && frames[5] == Self.text("batch"))
        #expect(try Fixtures.messages.decodeClient(frames) == announcing)
        #expect(
            try Fixtures.messages.decodeClient(Array(frames.prefix(5)))
                == .hello(applied: 5, epoch: 1, role: .region, accepts: []))
    }

    @Test("names this build does not know are ignored; ATTACH and a longer HELLO are refused with E102")
    func helloNames() throws {
        let base = [
            Self.text("KNP1"), Self.text("HELLO"), Self.text("0"), Self.text("0"), Self.text("watch"),
        ]
        #expect(
            try Fixtures.messages.decodeClient(base + [Self.text("later,batch")])
                == .hello(applied: 0, epoch: 0, role: .watch, accepts: [.batches]))
        #expect(
            try Fixtures.messages.decodeClient(base + [Self.text("later")])
                == .hello(applied: 0, epoch: 0, role: .watch, accepts: []))
        #expect(throws: Problem.self) { try Fixtures.messages.decodeClient(base + [Self.text("batch"), []]) }
        do {
            _ = try Fixtures.messages.decodeClient(
                [
                    Self.text("KNP1"), Self.text("ATTACH"), Self.text("0"), Self.text("0"),
                    Self.text("watch"),
                    Self.text("batch"),
                ])
            Issue.record("ATTACH with four parts was read")
        } catch {
            #expect(error.code == .wrongFrameCount && error.field == "ATTACH")
        }
    }

    @Test(
        "updates and entries in batches read back as the same messages, in order",
        arguments: [1, 2, 61, 62, 63, 200])
    func roundTrip(_ count: Int) throws {
        let updates = Self.updates(count)
        for entries in [false, true] {
            let messages = MessageCodec.encodeStream(updates, entries: entries, batched: true)
            #expect(messages.count == (count + StreamBatch.maxUpdates - 1) / StreamBatch.maxUpdates)
            var read: [ServerMessage] = []
            for message in messages {
                #expect(message.count <= WireLimits.maxFrames)
                read += try Fixtures.messages.decodeStream(message)
            }
            #expect(read == updates.map { entries ? ServerMessage.entry($0) : .update($0) })
        }
    }

    @Test("a party that announces nothing gets one UPDATE or ENTRY per update, exactly today's")
    func unbatched() throws {
        let updates = Self.updates(5)
        #expect(
            MessageCodec.encodeStream(updates, entries: false, batched: false)
                == updates.map { MessageCodec.encode(.update($0)) })
        #expect(
            MessageCodec.encodeStream(updates, entries: true, batched: false)
                == updates.map { MessageCodec.encode(.entry($0)) })
        // A batch of one is the plain message too.
        #expect(
            MessageCodec.encodeStream(Array(updates.prefix(1)), entries: false, batched: true)
                == [MessageCodec.encode(.update(updates[0]))])
    }

    @Test("runs keep to the part and byte limits, in order, and an oversized update goes alone")
    func runs() {
        var generator = SystemRandomNumberGenerator()
        let sizes = (0..<2_000).map { index in
            index % 97 == 0 ? StreamBatch.maxBytes + 10 : Int.random(in: 100...40_000, using: &generator)
        }
        let runs = StreamBatch.runs(sizes: sizes)
        #expect(runs.first?.lowerBound == 0 && runs.last?.upperBound == sizes.count)
        for (run, next) in zip(runs, runs.dropFirst()) { #expect(run.upperBound == next.lowerBound) }
        for run in runs {
            #expect(!run.isEmpty && run.count <= StreamBatch.maxUpdates)
            let bytes = sizes[run].reduce(0) { $0 + $1 + 4 }
            #expect(run.count == 1 || bytes <= StreamBatch.maxBytes, "run \(run) holds \(bytes) bytes")
        }
        #expect(StreamBatch.runs(sizes: []).isEmpty)
    }

    @Test("a malformed batch is refused with a stable code")
    func malformed() throws {
        let frames = MessageCodec.encodeStream(Self.updates(3), entries: false, batched: true)[0]
        func code(_ frames: [[UInt8]]) -> ErrorCode? {
            do {
                _ = try Fixtures.messages.decodeStream(frames)
                return nil
            } catch { return error.code }
        }
        #expect(code(Array(frames.prefix(2))) == .wrongFrameCount)
        #expect(code(frames + [[0, 0, 0, 9]]) == .wrongFrameCount)
        // Out of sequence order: not what a node sends.
        #expect(code([frames[0], frames[1], frames[3], frames[2]]) == .outOfRange)
        // Anything else is read as decodeServer reads it.
        let beat = MessageCodec.encode(
            .heartbeat(Heartbeat(role: .active, epoch: 1, lastSequence: 3, nodeTime: 0)))
        #expect(try Fixtures.messages.decodeStream(beat) == [try Fixtures.messages.decodeServer(beat)])
    }
}
