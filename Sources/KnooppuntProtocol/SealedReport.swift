import Crypto
import KnooppuntDomain
import StrictJSON

/// An organisation's Ed25519 signing key.
// Crypto's key types are immutable values not yet marked Sendable.
public struct SigningKey: @unchecked Sendable {
    let key: Curve25519.Signing.PrivateKey

    public static func generate() -> SigningKey { SigningKey(key: Curve25519.Signing.PrivateKey()) }

    /// From the 32 raw bytes (as stored in the key file).
    public init(rawRepresentation bytes: [UInt8]) throws {
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
    }

    init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }
    public var publicKey: VerifyingKey { VerifyingKey(key: key.publicKey) }

    public func sign(_ bytes: [UInt8]) -> [UInt8] {
        // Signing cannot fail for a valid key; swift-crypto's API throws for other key types.
        Array(try! key.signature(for: bytes))
    }
}

/// An organisation's Ed25519 public key, which receivers use to verify its reports.
public struct VerifyingKey: @unchecked Sendable, Hashable {
    let key: Curve25519.Signing.PublicKey

    public init(rawRepresentation bytes: [UInt8]) throws {
        key = try Curve25519.Signing.PublicKey(rawRepresentation: bytes)
    }

    init(key: Curve25519.Signing.PublicKey) { self.key = key }

    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }

    public func verify(_ signature: [UInt8], for bytes: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: bytes)
    }

    public static func == (a: VerifyingKey, b: VerifyingKey) -> Bool {
        a.rawRepresentation == b.rawRepresentation
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(byteRun: rawRepresentation) }
}

/// A report as it travels: the envelope bytes exactly as signed, the signature frame (a
/// signature or a batch proof, ``ReportSeal``), and the
/// content of each section, or nil where the holder's view withholds it.
///
/// Its parts are held in one immutable box: a report is copied into batches, updates, the
/// picture and every party's queue, and a copy then takes one reference instead of one for
/// each of the envelope's strings, lists and byte arrays.
public struct SealedReport: Sendable, Hashable {
    @usableFromInline
    final class Storage: Sendable {
        @usableFromInline let envelopeBytes: [UInt8]
        @usableFromInline let envelope: Envelope
        @usableFromInline let signature: [UInt8]
        @usableFromInline let sections: [[UInt8]?]

        init(envelopeBytes: [UInt8], envelope: Envelope, signature: [UInt8], sections: [[UInt8]?]) {
            self.envelopeBytes = envelopeBytes
            self.envelope = envelope
            self.signature = signature
            self.sections = sections
        }
    }

    @usableFromInline let storage: Storage

    @inlinable public var envelopeBytes: [UInt8] { storage.envelopeBytes }
    @inlinable public var envelope: Envelope { storage.envelope }
    @inlinable public var signature: [UInt8] { storage.signature }
    /// One entry per envelope section, in order; nil = withheld (only the digest is known).
    @inlinable public var sections: [[UInt8]?] { storage.sections }

    @inlinable public var id: ReportID { storage.envelope.id }
    @inlinable public var origin: OrganisationCode { storage.envelope.origin }

    init(envelopeBytes: [UInt8], envelope: Envelope, signature: [UInt8], sections: [[UInt8]?]) {
        storage = Storage(
            envelopeBytes: envelopeBytes, envelope: envelope, signature: signature, sections: sections)
    }

    public static func == (a: SealedReport, b: SealedReport) -> Bool {
        a.storage === b.storage
            || (a.envelopeBytes == b.envelopeBytes && a.signature == b.signature && a.sections == b.sections
                && a.envelope == b.envelope)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(envelopeBytes)
        hasher.combine(envelope)
        hasher.combine(signature)
        hasher.combine(sections)
    }

    /// Seals a document: assigns id, origin sequence and creation time, cuts it into
    /// salted, digested sections and signs the envelope (alone: a 64-byte signature).
    public static func seal<G: RandomNumberGenerator>(
        _ document: ReportDocument, id: ReportID, origin: OrganisationCode, originSeq: UInt64,
        created: Timestamp,
        signingKey: SigningKey, codec: DocumentCodec, random: inout G
    ) -> SealedReport {
        let report = unsigned(
            document, id: id, origin: origin, originSeq: originSeq, created: created, codec: codec,
            random: &random)
        return report.signed(.single(signature: signingKey.sign(report.envelopeBytes)))
    }

    /// Everything ``seal(_:id:origin:originSeq:created:signingKey:codec:random:)`` does but
    /// the signature: the frame is empty (no receiver reads or verifies it) until
    /// ``BatchSeal/seal(_:with:)`` signs a batch of such reports at once.
    public static func unsigned<G: RandomNumberGenerator>(
        _ document: ReportDocument, id: ReportID, origin: OrganisationCode, originSeq: UInt64,
        created: Timestamp, codec: DocumentCodec, random: inout G
    ) -> SealedReport {
        let split = SectionLayout.split(document, codec: codec)
        var descriptors: [SectionDescriptor] = []
        var contents: [[UInt8]?] = []
        for section in split.sections {
            let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
            descriptors.append(
                SectionDescriptor(
                    name: section.name, classification: section.classification, salt: salt,
                    digest: digest(salt: salt, name: section.name, content: section.content)))
            contents.append(section.content)
        }
        let envelope = Envelope(
            version: Envelope.version(for: descriptors), id: id, origin: origin, originSeq: originSeq,
            created: created, type: document.body.type,
            key: document.body.pictureKey(origin: origin, exercise: document.exercise, id: id),
            incident: split.incident,
            subject: split.subject, exercise: document.exercise, author: document.author, meta: split.meta,
            sections: descriptors)
        return SealedReport(
            envelopeBytes: envelope.canonicalBytes, envelope: envelope, signature: [], sections: contents)
    }

    /// The same report with `seal` as its signature frame.
    func signed(_ seal: ReportSeal) -> SealedReport {
        SealedReport(
            envelopeBytes: envelopeBytes, envelope: envelope, signature: seal.frame, sections: sections)
    }

    /// The signature frame read: a single signature or a batch proof (nil for an unsigned report).
    public var seal: ReportSeal? { ReportSeal(frame: signature) }

    /// SHA-256(salt ‖ name ‖ 0x00 ‖ content).
    public static func digest(salt: [UInt8], name: String, content: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(name.utf8))
        hasher.update(data: [0])
        hasher.update(data: content)
        return Array(hasher.finalize())
    }

    /// Reads a report from its frames: the envelope strictly, the signature's size, and every
    /// section present against its digest. An empty section frame means "withheld" and is
    /// only accepted with `allowWithheld` (never on submit).
    public static func decode(
        envelope envelopeBytes: [UInt8], signature: [UInt8], sections frames: [[UInt8]], allowWithheld: Bool,
        reference: ReferenceData
    ) throws(Problems) -> SealedReport {
        let envelope = try Envelope.decode(envelopeBytes, reference: reference)
        guard ReportSeal(frame: signature) != nil else { throw Problems(ReportSeal.problem(signature)) }
        guard frames.count == envelope.sections.count else {
            throw Problems(
                Problem(
                    .wrongFrameCount, field: "sections",
                    "envelope lists \(envelope.sections.count) sections, message carries \(frames.count)"))
        }
        var sections: [[UInt8]?] = []
        for (index, (descriptor, frame)) in zip(envelope.sections, frames).enumerated() {
            if frame.isEmpty {
                guard allowWithheld else {
                    throw Problems(
                        Problem(.invalidEnvelope, field: descriptor.name, "section \(index) is empty"))
                }
                sections.append(nil)
                continue
            }
            guard digest(salt: descriptor.salt, name: descriptor.name, content: frame) == descriptor.digest
            else {
                throw Problems(
                    Problem(
                        .digestMismatch, field: descriptor.name,
                        "section \(descriptor.name) does not match its digest"))
            }
            sections.append(frame)
        }
        return SealedReport(
            envelopeBytes: envelopeBytes, envelope: envelope, signature: signature, sections: sections)
    }

    /// Whether the origin signed exactly this envelope: its signature alone, or the root of a
    /// batch the envelope's proof leads to. With `roots`, a root already verified for `key`
    /// is not verified again (the proof's hashes always are).
    public func verifySignature(with key: VerifyingKey, roots: VerifiedRoots? = nil) -> Bool {
        switch seal {
        case nil:
            return false
        case .single(let signature)?:
            return key.verify(signature, for: envelopeBytes)
        case .batch(let proof)?:
            guard let root = proof.root(of: envelopeBytes) else { return false }
            let signed = BatchSeal.signedBytes(root: root, leafCount: proof.leafCount)
            guard let roots else { return key.verify(proof.rootSignature, for: signed) }
            return roots.verify(proof.rootSignature, for: signed, with: key)
        }
    }

    public var isComplete: Bool { sections.allSatisfy { $0 != nil } }

    /// The report as `view` may see it: sections it may not read are withheld.
    public func projected(for view: View) -> SealedReport {
        let visible = visibility(for: view)
        return SealedReport(
            envelopeBytes: envelopeBytes, envelope: envelope, signature: signature,
            sections: zip(sections, visible).map { $1 ? $0 : nil })
    }

    /// Per section: may `view` read it? (An audience against the installed registry.)
    public func visibility(for view: View) -> [Bool] {
        envelope.sections.map { view.allows($0.classification) }
    }

    /// Per section: may `view` read it, with an audience resolved against `registry`?
    public func visibility(for view: View, in registry: OrganisationRegistry) -> [Bool] {
        envelope.sections.map { view.allows($0.classification, in: registry) }
    }

    /// The frames after the command: envelope, signature, then each section (empty = withheld).
    public var frames: [[UInt8]] { [envelopeBytes, signature] + sections.map { $0 ?? [] } }

    /// The full document (all sections needed), decoded strictly and checked against the
    /// envelope: the key, type, incident and subject must agree with the content.
    public func document(codec: DocumentCodec) throws(Problems) -> ReportDocument {
        try documentAndText(codec: codec).document
    }

    /// ``document(codec:)`` and the document's text (the envelope's fields and every section's
    /// content, merged): what a check of every string of the document reads without encoding
    /// the document again.
    ///
    /// A sitrep whose sections are in canonical form is read straight into its fields
    /// (``DocumentCodec/decodeCanonical(_:sections:)``); every other report, and any report
    /// that reader gives up on, is read the strict way, which alone explains problems.
    public func documentAndText(
        codec: DocumentCodec
    ) throws(Problems) -> (document: ReportDocument, text: DocumentText) {
        if let document = codec.decodeCanonical(envelope, sections: sections) {
            try matchEnvelope(document)
            return (
                document,
                DocumentText(envelope: envelope, canonicalSections: sections.compactMap { $0 })
            )
        }
        return try strictDocumentAndText(codec: codec)
    }

    /// ``documentAndText(codec:)`` the strict way: each section parsed into a tree, merged
    /// with the envelope's fields, and decoded by ``DocumentCodec/decode(_:)``.
    func strictDocumentAndText(
        codec: DocumentCodec
    ) throws(Problems) -> (document: ReportDocument, text: DocumentText) {
        var contents: [JSONValue] = []
        for (descriptor, section) in zip(envelope.sections, sections) {
            guard let section else {
                throw Problems(
                    Problem(
                        .invalidEnvelope, field: descriptor.name, "section \(descriptor.name) is withheld"))
            }
            let content = try DocumentReader.parseJSON(section, field: descriptor.name)
            // Merging puts content keys next to the envelope's; a key the envelope owns would
            // silently override it (or be overridden), so the signed envelope and the decoded
            // document could disagree.
            let owned = envelope.type == .sitrep ? SectionLayout.sitrepOwned : SectionLayout.envelopeOwned
            // The first such key in key order (the message names one, the same every time);
            // nearly every section has none, so its keys are not sorted to find out.
            if let key = content.objectValue?.keys.filter(owned.contains).min() {
                throw Problems(
                    Problem(
                        .invalidEnvelope, field: "\(descriptor.name).\(key)",
                        "\"\(key)\" comes from the envelope, not from section content"))
            }
            contents.append(content)
        }
        let document: ReportDocument
        let json = SectionLayout.merge(envelope, contents: contents)
        do {
            document = try codec.decode(json)
        } catch {
            throw SectionLayout.envelopePaths(error)
        }
        try matchEnvelope(document)
        return (document, DocumentText(tree: json))
    }

    /// The envelope's fields, key and section names must be what the document gives.
    private func matchEnvelope(_ document: ReportDocument) throws(Problems) {
        guard document.id == envelope.id, document.body.type == envelope.type,
            document.exercise == envelope.exercise, document.author == envelope.author,
            document.body.incident == envelope.incident, document.body.subject == envelope.subject
        else {
            throw Problems(
                Problem(.invalidEnvelope, field: "envelope", "the envelope does not match the content"))
        }
        let key = document.body.pictureKey(
            origin: envelope.origin, exercise: envelope.exercise, id: envelope.id)
        guard key == envelope.key else {
            throw Problems(
                Problem(
                    .invalidEnvelope, field: "envelope.key",
                    "key \"\(envelope.key)\" does not match the content (\(key))"))
        }
        // A section the content does not produce (e.g. a classification moved) is a mismatch too.
        let expected = SectionLayout.sectionNames(of: document)
        guard expected == envelope.sections.map(\.name) else {
            throw Problems(
                Problem(.invalidEnvelope, field: "envelope.sections", "sections do not match the content"))
        }
    }

    /// The visible part as JSON for screens and tools: the envelope, and each section's
    /// content or null where withheld.
    public var visibleJSON: JSONValue {
        var sectionsJSON: [String: JSONValue] = [:]
        for (descriptor, section) in zip(envelope.sections, sections) {
            sectionsJSON[descriptor.name] = section.flatMap { try? JSONParser.parse($0) } ?? .null
        }
        return ["envelope": envelope.json, "sections": .object(sectionsJSON)]
    }
}
