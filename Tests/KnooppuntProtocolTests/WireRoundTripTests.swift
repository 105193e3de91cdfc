import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@Suite("Wire messages round-trip")
struct WireRoundTripTests {
    @Test("a sealed report decodes, verifies and gives back its document", arguments: ReportType.allCases)
    func sealedReport(_ type: ReportType) throws {
        let document = Fixtures.sample(type)
        let sealed = Fixtures.seal(document)
        let decoded = try SealedReport.decode(
            envelope: sealed.envelopeBytes, signature: sealed.signature,
            sections: Array(sealed.frames.dropFirst(2)),
            allowWithheld: false, reference: Fixtures.reference)
        #expect(decoded == sealed)
        #expect(decoded.verifySignature(with: Fixtures.signingKey.publicKey))
        #expect(!decoded.verifySignature(with: Fixtures.otherKey.publicKey))
        #expect(decoded.isComplete)
        #expect(try decoded.document(codec: Fixtures.codec) == document)
        #expect(
            decoded.envelope.key
                == document.body.pictureKey(
                    origin: Fixtures.origin, exercise: document.exercise, id: document.id))
    }

    @Test("sealing with the same seed gives the same bytes; another seed other salts")
    func sealingIsReproducible() {
        let document = Fixtures.sample(.sitrep)
        #expect(Fixtures.seal(document, seed: 42).frames == Fixtures.seal(document, seed: 42).frames)
        let other = Fixtures.seal(document, seed: 43)
        #expect(
            other.envelope.sections.map(\.salt)
                != Fixtures.seal(document, seed: 42).envelope.sections.map(\.salt))
        #expect(
            other.sections == Fixtures.seal(document, seed: 42).sections, "salts change digests, not content")
    }

    @Test("a view withholds what it may not read, still verifies, and keeps every digest")
    func projection() throws {
        let sealed = Fixtures.seal(Fixtures.sample(.sitrep))
        let classes = sealed.envelope.sections.map(\.classification)
        for view in [View.publicView] + OrganisationCode.all.map(View.organisation) {
            let projected = sealed.projected(for: view)
            #expect(projected.envelopeBytes == sealed.envelopeBytes)
            for (index, section) in projected.sections.enumerated() {
                #expect(
                    (section != nil) == view.allows(classes[index]),
                    "\(view) \(sealed.envelope.sections[index].name)")
            }
            let received = try SealedReport.decode(
                envelope: projected.envelopeBytes, signature: projected.signature,
                sections: Array(projected.frames.dropFirst(2)), allowWithheld: true,
                reference: Fixtures.reference)
            #expect(received == projected)
            #expect(received.verifySignature(with: Fixtures.signingKey.publicKey))
            if !received.isComplete {
                #expect(throws: Problems.self) { try received.document(codec: Fixtures.codec) }
            }
        }
        // beeld.POL is police-only in the sample: the public and VR09 never see it.
        let police = sealed.envelope.sections.firstIndex { $0.name == "beeld.POL" }!
        #expect(sealed.projected(for: .organisation(.police)).sections[police] != nil)
        #expect(sealed.projected(for: .organisation(Fixtures.origin)).sections[police] == nil)
        #expect(sealed.projected(for: .publicView).sections[police] == nil)
    }

    @Test("an envelope reads back from its canonical bytes", arguments: ReportType.allCases)
    func envelope(_ type: ReportType) throws {
        let envelope = Fixtures.seal(Fixtures.sample(type)).envelope
        #expect(try Envelope.decode(envelope.canonicalBytes, reference: Fixtures.reference) == envelope)
        #expect(
            JSONWriter.canonical(try JSONParser.parse(envelope.canonicalBytes)) == envelope.canonicalBytes)
    }

    static let clientMessages: [ClientMessage] = [
        .hello(applied: 0, epoch: 0, role: .region),
        .hello(applied: UInt64.max, epoch: 7, role: .watch),
        .submit(Fixtures.seal(Fixtures.sample(.sitrep))),
        .submit(Fixtures.seal(Fixtures.sample(.ack), originSeq: 1)),
        .fetch(from: 1, to: 1),
        .fetch(from: 5, to: UInt64.max),
        .status(
            DaemonStatus(
                applied: 42, epoch: 3, viewHash: ViewHash().hex, outboxBacklog: 2, oldestQueuedMs: 1500,
                pid: 4242,
                sentAt: 1_749_631_920_000)),
    ]

    @Test("every daemon-to-node message decodes to itself", arguments: clientMessages)
    func clientMessage(_ message: ClientMessage) throws {
        let frames = MessageCodec.encode(message)
        #expect(frames[0] == Array("KNP1".utf8))
        #expect(try Fixtures.messages.decodeClient(frames) == message)
    }

    static let serverMessages: [ServerMessage] = {
        let sealed = Fixtures.seal(Fixtures.sample(.sitrep))
        let update = Update(sequence: 1001, epoch: 2, committedAt: 1_749_631_920_123, report: sealed)
        let publicUpdate = Update(
            sequence: 1002, epoch: 2, committedAt: -1, report: sealed.projected(for: .publicView))
        return [
            .ack(Ack(reportID: Fixtures.subjectID, epoch: 2, sequence: 1001, originSeq: 17)),
            .ack(
                Ack(
                    reportID: Fixtures.subjectID, epoch: 1, sequence: 9, originSeq: 3, duplicate: true,
                    degraded: true)),
            .ack(Ack(reportID: Fixtures.subjectID, epoch: 1, sequence: 9, originSeq: 3, degraded: true)),
            .error(reportID: nil, code: .unsupportedProtocol, message: "expected KNP1", detail: [:]),
            .error(
                reportID: Fixtures.subjectID, code: .outOfOrder, message: "origin sequence 19, expected 18",
                detail: ["expected": 18, "field": "originSeq"]),
            .update(update), .update(publicUpdate), .entry(update), .entry(publicUpdate),
            .snapshot(sequence: 1002, epoch: 2, count: 0),
            .snapshot(sequence: 1002, epoch: 2, count: 350),
            .snapEnd(sequence: 1002, epoch: 2, viewHash: ViewHash().hex),
            .heartbeat(Heartbeat(role: .active, epoch: 2, lastSequence: 1002, nodeTime: 1_749_631_921_000)),
            .heartbeat(Heartbeat(role: .standalone, epoch: 0, lastSequence: 0, nodeTime: 0, degraded: true)),
            .heartbeat(Heartbeat(role: .passive, epoch: 9, lastSequence: 5, nodeTime: -5)),
            .welcome(epoch: 2, lastSequence: 1002, nextOriginSeq: 18),
        ]
    }()

    @Test("every node-to-daemon message decodes to itself", arguments: serverMessages)
    func serverMessage(_ message: ServerMessage) throws {
        #expect(try Fixtures.messages.decodeServer(MessageCodec.encode(message)) == message)
    }

    @Test("500 seeded random messages each way decode to themselves")
    func randomMessages() throws {
        var rng = SeededGenerator(seed: 20_250_611)
        for _ in 0..<500 {
            let client = RandomDocuments.clientMessage(using: &rng)
            #expect(try Fixtures.messages.decodeClient(MessageCodec.encode(client)) == client)
            let server = RandomDocuments.serverMessage(using: &rng)
            #expect(try Fixtures.messages.decodeServer(MessageCodec.encode(server)) == server)
        }
    }

    @Test("a CHP entry carries the public view: 5 frames, 8-byte sequence, withheld sections as null")
    func chpEntry() throws {
        let sealed = Fixtures.seal(Fixtures.sample(.sitrep))
        let frames = CHP.entry(Update(sequence: 77, epoch: 2, committedAt: 0, report: sealed), withUUID: true)
        #expect(frames.count == 5)
        #expect(CHP.sequence(frames[1]) == 77)
        #expect(frames[2] == sealed.id.bytes && frames[2].count == 16)
        let body = try JSONParser.parse(frames[4])
        #expect(body["sections"]?["beeld.POL"] == .null)
        #expect(body["sections"]?["communicatie"]?["coreMessage"] == "Ernstig incident")
        #expect(CHP.sequence(CHP.sequenceFrame(UInt64.max)) == UInt64.max)
        #expect(CHP.icanhaz([Array("ICANHAZ?".utf8), Array("/incident/".utf8)]) == Array("/incident/".utf8))
    }

    @Test("a view hash reads back from hex, and removing what was added gives zero")
    func viewHash() {
        var hash = ViewHash()
        let entry = ViewHash.entryHash(
            key: "incident/VR09-20250611-01", sequence: 5, envelope: [1, 2, 3], visibility: [true, false])
        hash.add(entry)
        #expect(ViewHash(hex: hash.hex) == hash)
        hash.remove(entry)
        #expect(hash == ViewHash())
        #expect(hash.hex == String(repeating: "0", count: 64))
    }
}
