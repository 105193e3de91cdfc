import KnooppuntDomain
import KnooppuntProtocol
import PropertyBased
import StrictJSON
import Testing

/// Generators for the protocol's values, built on the seeded helpers in RandomDocuments.
enum ProtocolGen {
    static let document = Generator<ReportDocument, Shrink.None<ReportDocument>>(run: { rng in
        RandomDocuments.document(using: &rng)
    })

    static let clientMessage = Generator<ClientMessage, Shrink.None<ClientMessage>>(run: { rng in
        RandomDocuments.clientMessage(using: &rng)
    })

    static let serverMessage = Generator<ServerMessage, Shrink.None<ServerMessage>>(run: { rng in
        RandomDocuments.serverMessage(using: &rng)
    })

    /// Bytes that are often almost JSON: its punctuation, literals' letters, digits, escapes,
    /// whitespace and some invalid UTF-8.
    static var jsonBytes: Generator<[UInt8], some SendableSequenceType> {
        bytes(from: Array(#"{}[]":,.-+0129eEtrufalsn\ u"#.utf8) + [0x0A, 0xC3, 0xFF, 0xE2])
    }

    /// Bytes that are often almost YAML: indicators, indentation, anchors, tags, quotes.
    static var yamlBytes: Generator<[UInt8], some SendableSequenceType> {
        bytes(from: Array("-:?#&*!|>'\"[]{},%@ \n\ta1~.".utf8) + [0xC2, 0x85, 0xEF])
    }

    /// Up to 200 bytes drawn from `alphabet`; shrinks towards fewer and earlier bytes.
    static func bytes(from alphabet: [UInt8]) -> Generator<[UInt8], some SendableSequenceType> {
        Gen.int(in: 0...(alphabet.count - 1)).map { alphabet[$0] }.array(of: 0...200)
    }

    static var anyBytes: Generator<[UInt8], some SendableSequenceType> {
        Gen<UInt8>.value(in: 0...255).array(of: 0...300)
    }

    static let framePieces: [[UInt8]] = [
        [], Array("0".utf8), Array("17".utf8), Array("-1".utf8), Array("region".utf8), Array("active".utf8),
        Array("{}".utf8), Array(Fixtures.subjectID.rawValue.utf8), Array(repeating: 0xAB, count: 64),
        Fixtures.seal(Fixtures.sample(.ack)).envelopeBytes, Array("duplicate".utf8), Array("{\"a\":".utf8),
    ]

    /// Frames that start like KNP/1 often enough to reach the command decoders.
    static let frames = Generator<[[UInt8]], Shrink.None<[[UInt8]]>>(run: { rng in
        let commands = [
            "HELLO", "SUBMIT", "FETCH", "STATUS", "ACK", "ERROR", "UPDATE", "ENTRY", "SNAPSHOT", "SNAPEND",
            "HEARTBEAT",
            "WELCOME", "X",
        ]
        var frames: [[UInt8]] = []
        if rng.chance(0.9) { frames.append(Array("KNP1".utf8)) }
        if rng.chance(0.9) { frames.append(Array(rng.pick(commands).utf8)) }
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            if rng.chance(0.7) {
                frames.append(rng.pick(framePieces))
            } else {
                frames.append(
                    (0..<Int.random(in: 0...20, using: &rng)).map { _ in
                        UInt8.random(in: 0...255, using: &rng)
                    })
            }
        }
        return frames
    })
}

@Suite("Properties")
struct PropertyTests {
    @Test("decode(encode(x)) == x for generated documents")
    func documentsRoundTrip() async {
        await propertyCheck(count: 300, input: ProtocolGen.document) { document in
            let decoded = try Fixtures.codec.decode(Fixtures.codec.encode(document))
            #expect(decoded == document)
        }
    }

    @Test("generated documents read back from their canonical bytes")
    func documentsThroughBytes() async {
        await propertyCheck(count: 200, input: ProtocolGen.document) { document in
            let bytes = JSONWriter.canonical(Fixtures.codec.encode(document))
            let decoded = try decodeDocument(bytes).get()
            #expect(decoded == document)
        }
    }

    @Test("generated documents seal, verify and give back themselves")
    func documentsSeal() async {
        await propertyCheck(count: 60, input: ProtocolGen.document, Gen.uint64(in: 1...UInt64.max)) {
            document, seed in
            let sealed = Fixtures.seal(document, seed: seed)
            let received = try SealedReport.decode(
                envelope: sealed.envelopeBytes, signature: sealed.signature,
                sections: sealed.sections.map { $0! },
                allowWithheld: false, reference: Fixtures.reference)
            #expect(received.verifySignature(with: Fixtures.signingKey.publicKey))
            var expected = document
            expected.id = sealed.id
            #expect(try received.document(codec: Fixtures.codec) == expected)
        }
    }

    @Test("generated messages decode to themselves, both ways")
    func messagesRoundTrip() async {
        await propertyCheck(count: 150, input: ProtocolGen.clientMessage, ProtocolGen.serverMessage) {
            client, server in
            let decodedClient = try Fixtures.messages.decodeClient(MessageCodec.encode(client))
            let decodedServer = try Fixtures.messages.decodeServer(MessageCodec.encode(server))
            #expect(decodedClient == client)
            #expect(decodedServer == server)
        }
    }

    @Test("random bytes never crash the JSON parser, and what it accepts writes back the same")
    func jsonParser() async {
        await propertyCheck(count: 3000, input: ProtocolGen.jsonBytes, ProtocolGen.anyBytes) {
            almost, noise in
            Self.parseJSON(almost)
            Self.parseJSON(noise)
        }
    }

    @Test("random bytes never crash the document reader (JSON and YAML) or the codec")
    func documentReader() async {
        await propertyCheck(count: 1500, input: ProtocolGen.yamlBytes, ProtocolGen.jsonBytes) { yaml, json in
            Self.readDocument(yaml, .yaml)
            Self.readDocument(json, .json)
            Self.readDocument(yaml, nil)
            Self.readDocument(json, nil)
        }
    }

    @Test("random bytes never crash the envelope decoder")
    func envelope() async {
        await propertyCheck(count: 2000, input: ProtocolGen.jsonBytes, ProtocolGen.anyBytes) {
            almost, noise in
            Self.decodeEnvelope(almost)
            Self.decodeEnvelope(noise)
        }
    }

    @Test("random frames never crash the message decoders")
    func messageDecoders() async {
        await propertyCheck(count: 3000, input: ProtocolGen.frames) { frames in
            Self.decodeMessages(frames)
        }
    }

    // Bodies of the properties above: each input gives a value that re-encodes to itself, or
    // typed problems; a crash ends the test run.

    static func parseJSON(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        #expect((try? JSONParser.parse(JSONWriter.canonical(value))) == value)
    }

    static func readDocument(_ bytes: [UInt8], _ format: DocumentReader.Format?) {
        do {
            _ = try Fixtures.codec.decode(try DocumentReader.read(bytes, format: format))
        } catch {
            #expect(!error.problems.isEmpty)
        }
    }

    static func decodeEnvelope(_ bytes: [UInt8]) {
        do {
            let envelope = try Envelope.decode(bytes, reference: Fixtures.reference)
            #expect(
                (try? Envelope.decode(envelope.canonicalBytes, reference: Fixtures.reference)) == envelope)
        } catch {
            #expect(!error.problems.isEmpty)
        }
    }

    static func decodeMessages(_ frames: [[UInt8]]) {
        if let message = try? Fixtures.messages.decodeClient(frames) {
            #expect((try? Fixtures.messages.decodeClient(MessageCodec.encode(message))) == message)
        }
        if let message = try? Fixtures.messages.decodeServer(frames) {
            #expect((try? Fixtures.messages.decodeServer(MessageCodec.encode(message))) == message)
        }
    }
}
