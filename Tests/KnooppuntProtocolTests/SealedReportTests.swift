import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// Signatures, digests and the agreement between a signed envelope and its content.
@Suite("Sealed reports")
struct SealedReportTests {
    /// Re-signs `envelope` over `contents` (new digests with the same salts) and reads the
    /// frames back as a receiver would.
    static func reseal(
        _ envelope: Envelope, _ contents: [[UInt8]], key: SigningKey = Fixtures.signingKey
    ) throws(Problems) -> SealedReport {
        var envelope = envelope
        envelope.sections = zip(envelope.sections, contents).map { descriptor, content in
            SectionDescriptor(
                name: descriptor.name, classification: descriptor.classification, salt: descriptor.salt,
                digest: SealedReport.digest(salt: descriptor.salt, name: descriptor.name, content: content))
        }
        let bytes = envelope.canonicalBytes
        return try SealedReport.decode(
            envelope: bytes, signature: key.sign(bytes), sections: contents, allowWithheld: false,
            reference: Fixtures.reference)
    }

    static func documentProblem(_ report: SealedReport) -> Problem? {
        do {
            _ = try report.document(codec: Fixtures.codec)
            return nil
        } catch {
            return error.first
        }
    }

    @Test("an envelope changed after signing still decodes but no longer verifies")
    func tamperedEnvelope() throws {
        let sealed = Fixtures.seal(Fixtures.sample(.grip))
        let tampered = Array(
            String(decoding: sealed.envelopeBytes, as: UTF8.self).replacingOccurrences(
                of: "\"originSeq\":17", with: "\"originSeq\":18"
            ).utf8)
        #expect(tampered != sealed.envelopeBytes)
        let received = try SealedReport.decode(
            envelope: tampered, signature: sealed.signature, sections: sealed.sections.map { $0! },
            allowWithheld: false, reference: Fixtures.reference)
        #expect(received.envelope.originSeq == 18)
        #expect(!received.verifySignature(with: Fixtures.signingKey.publicKey))
    }

    @Test("a flipped bit in the signature fails verification")
    func tamperedSignature() throws {
        let sealed = Fixtures.seal(Fixtures.sample(.threat))
        for index in [0, 31, 63] {
            var signature = sealed.signature
            signature[index] ^= 0x01
            let received = try SealedReport.decode(
                envelope: sealed.envelopeBytes, signature: signature, sections: sealed.sections.map { $0! },
                allowWithheld: false, reference: Fixtures.reference)
            #expect(!received.verifySignature(with: Fixtures.signingKey.publicKey))
        }
    }

    @Test("a report signed by another key, or carrying another report's signature, fails verification")
    func wrongSigner() throws {
        let impostor = Fixtures.seal(Fixtures.sample(.threat), key: Fixtures.otherKey)
        #expect(!impostor.verifySignature(with: Fixtures.signingKey.publicKey))
        #expect(impostor.verifySignature(with: Fixtures.otherKey.publicKey))
        let other = Fixtures.seal(Fixtures.sample(.grip))
        let swapped = try SealedReport.decode(
            envelope: impostor.envelopeBytes, signature: other.signature,
            sections: impostor.sections.map { $0! },
            allowWithheld: false, reference: Fixtures.reference)
        #expect(!swapped.verifySignature(with: Fixtures.signingKey.publicKey))
    }

    @Test("a withheld section stops the document, naming the section")
    func withheld() {
        let projected = Fixtures.seal(Fixtures.sample(.sitrep)).projected(for: .publicView)
        let problem = Self.documentProblem(projected)
        #expect(problem?.code == .invalidEnvelope)
        #expect(problem?.field == "beeld.BRW")
    }

    @Test(
        "section content cannot carry the envelope's fields",
        arguments: ["id", "exercise", "author", "type", "incident"])
    func contentOwnsNoEnvelopeField(_ key: String) throws {
        let sealed = Fixtures.seal(Fixtures.sample(.grip))
        let values: [String: JSONValue] = [
            "id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e", "exercise": true, "author": "Iemand anders",
            "type": "grip",
            "incident": "VR09-20250611-01",
        ]
        let content = try JSONParser.parse(sealed.sections[0]!).setting([.key(key)], to: values[key]!)
        let report = try Self.reseal(sealed.envelope, [JSONWriter.canonical(content)])
        #expect(report.verifySignature(with: Fixtures.signingKey.publicKey), "a correctly signed report")
        let problem = Self.documentProblem(report)
        #expect(
            problem?.code == .invalidEnvelope && problem?.field == "grip.\(key)",
            "\(String(describing: problem))")
    }

    @Test("a sitrep section cannot carry its own classification")
    func sitrepSectionClassification() throws {
        let sealed = Fixtures.seal(Fixtures.sample(.sitrep))
        var contents = sealed.sections.map { $0! }
        contents[0] = JSONWriter.canonical(
            try JSONParser.parse(contents[0]).setting([.key("classification")], to: "public"))
        let problem = Self.documentProblem(try Self.reseal(sealed.envelope, contents))
        #expect(problem?.code == .invalidEnvelope && problem?.field == "beeld.BRW.classification")
    }

    @Test("envelope meta cannot carry another field than the sitrep's own")
    func metaOverride() {
        let sealed = Fixtures.seal(Fixtures.sample(.sitrep))
        var envelope = sealed.envelope
        envelope.meta["exercise"] = true
        #expect(throws: Problems.self) { try Self.reseal(envelope, sealed.sections.map { $0! }) }
        do {
            _ = try Self.reseal(envelope, sealed.sections.map { $0! })
        } catch {
            #expect(error.contains(.invalidEnvelope, at: "envelope.meta.exercise"))
        }
    }

    @Test("an envelope naming another incident than its content is refused")
    func incidentMismatch() throws {
        let sealed = Fixtures.seal(Fixtures.sample(.grip))
        var envelope = sealed.envelope
        envelope.incident = IncidentID("VR14-20250611-09")
        let problem = Self.documentProblem(try Self.reseal(envelope, sealed.sections.map { $0! }))
        #expect(problem?.code == .invalidEnvelope && problem?.field == "envelope.key")
    }

    @Test("a key that is not the content's picture key is refused")
    func keyMismatch() throws {
        let sealed = Fixtures.seal(Fixtures.sample(.threat))
        var envelope = sealed.envelope
        envelope.key = "threat/national"
        let problem = Self.documentProblem(try Self.reseal(envelope, sealed.sections.map { $0! }))
        #expect(problem?.code == .invalidEnvelope && problem?.field == "envelope.key")
    }

    @Test("content that breaks the document rules is refused with the document's code")
    func invalidContent() throws {
        let sealed = Fixtures.seal(Fixtures.sample(.threat))
        let content = try JSONParser.parse(sealed.sections[0]!).setting([.key("level")], to: 7)
        let problem = Self.documentProblem(try Self.reseal(sealed.envelope, [JSONWriter.canonical(content)]))
        #expect(problem?.code == .outOfRange && problem?.field == "level")
        let notObject = try Self.reseal(sealed.envelope, [Array("[1]".utf8)])
        #expect {
            try notObject.document(codec: Fixtures.codec)
        } throws: { error in
            (error as? Problems)?.contains(.unknownField, at: "threat") == true
        }
    }
}
