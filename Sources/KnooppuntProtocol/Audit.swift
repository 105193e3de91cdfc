import Crypto
import KnooppuntDomain
import StrictJSON

/// What happened, for the node's audit log (docs/PROTOCOL.md §13). The node turns each event
/// into an ``AuditRecord`` by numbering it and chaining its hash to the one before.
public struct AuditEvent: Sendable, Hashable {
    /// Stable names; an inspection filters on them.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A report was committed (durable) and acknowledged at (epoch, sequence).
        case accepted
        /// A person acknowledged a report (an `ack` report was accepted).
        case acknowledged
        /// A message or report was refused: the code and the reason.
        case refused
        /// A daemon reported it applied the picture up to a sequence.
        case delivered
        /// A peer's messages exceeded its rate limit; the refusals of one episode are counted.
        case rateLimited
        /// Connections were refused before they could speak (unknown key, no CURVE).
        case connectionsRefused
        /// The node started with, or reloaded, a network config or policy.
        case config
        /// An organisation's keys changed in the network config.
        case keyChanged
        /// This node became active (alone at its start, or a replica elected through etcd).
        case nodeActive
        /// A person opened a signal's content (a `signalRead` report was accepted): who, in
        /// which role, when; never content.
        case signalRead
        /// A signal's retention ended and its content was deleted from the node's store: the
        /// tombstone, with the SHA-256 of the content that was deleted.
        case signalExpired
        /// The note in an answer to a signal (acknowledgement, follow-up) was deleted with the
        /// signal's content, or at once when the answer came after it: the answer's
        /// tombstone, with the SHA-256 of the section deleted.
        case signalNotesExpired
    }

    public var at: Int64
    public var kind: Kind
    /// The organisation concerned (the sender, the recipient), or `node`.
    public var actor: String
    /// The person behind it (a report's author, who acknowledged), when known.
    public var person: String
    /// A report id or another subject, when there is one.
    public var subject: String
    /// An error code for refusals; 0 otherwise.
    public var code: Int
    public var detail: JSONValue

    public init(
        at: Int64, kind: Kind, actor: String, person: String = "", subject: String = "", code: Int = 0,
        detail: JSONValue = [:]
    ) {
        self.at = at
        self.kind = kind
        self.actor = actor
        self.person = person
        self.subject = subject
        self.code = code
        self.detail = detail
    }
}

extension AuditEvent {
    /// The row for a committed report. Every field comes from its Update, so the log on etcd
    /// carries only the row's place in the chain next to the Update (docs/PROTOCOL.md §12,
    /// the `V` item), and a follower rebuilds the rest.
    public static func accepted(_ update: Update, at: Int64) -> AuditEvent {
        let envelope = update.report.envelope
        return AuditEvent(
            at: at, kind: .accepted, actor: envelope.origin.rawValue, person: envelope.author ?? "",
            subject: envelope.id.rawValue,
            detail: [
                "seq": .integer(Int64(update.sequence)), "epoch": .integer(Int64(update.epoch)),
                "originSeq": .integer(Int64(envelope.originSeq)), "type": .string(envelope.type.rawValue),
                "key": .string(envelope.key),
            ])
    }
}

/// One row of the audit log: an event with its place in the chain.
///
/// `hash = SHA-256("KNA1" ‖ previous hash ‖ canonical JSON of every other field)`, with 32 zero
/// bytes before the first row: a changed field, a removed or inserted row breaks every later
/// link, and a chain rebuilt from the change on no longer matches the signed checkpoints.
public struct AuditRecord: Sendable, Hashable {
    public let seq: UInt64
    public let epoch: Epoch
    /// The node's last global sequence when the row was written.
    public let logSequence: SequenceNumber
    public let event: AuditEvent
    public let previousHash: [UInt8]
    public let hash: [UInt8]
    /// The event's detail as canonical JSON: what the hash covers and what a store writes,
    /// encoded once for both (every accepted report adds a row, on every replica).
    public let canonicalDetail: [UInt8]

    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The next row after one with `previousHash` at `seq - 1`.
    public init(
        seq: UInt64, epoch: Epoch, logSequence: SequenceNumber, event: AuditEvent, previousHash: [UInt8]
    ) {
        self.seq = seq
        self.epoch = epoch
        self.logSequence = logSequence
        self.event = event
        self.previousHash = previousHash
        canonicalDetail = JSONWriter.canonical(event.detail)
        hash = Self.hash(
            seq: seq, epoch: epoch, logSequence: logSequence, event: event, canonicalDetail: canonicalDetail,
            previousHash: previousHash)
    }

    /// A row as stored, with the hash it claims (checked by ``AuditVerifier``).
    public init(
        seq: UInt64, epoch: Epoch, logSequence: SequenceNumber, event: AuditEvent, previousHash: [UInt8],
        storedHash: [UInt8]
    ) {
        self.seq = seq
        self.epoch = epoch
        self.logSequence = logSequence
        self.event = event
        self.previousHash = previousHash
        canonicalDetail = JSONWriter.canonical(event.detail)
        hash = storedHash
    }

    /// The hash the row's content gives.
    public var computedHash: [UInt8] {
        Self.hash(
            seq: seq, epoch: epoch, logSequence: logSequence, event: event, canonicalDetail: canonicalDetail,
            previousHash: previousHash)
    }

    static func hash(
        seq: UInt64, epoch: Epoch, logSequence: SequenceNumber, event: AuditEvent, canonicalDetail: [UInt8],
        previousHash: [UInt8]
    ) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array("KNA1".utf8))
        hasher.update(data: previousHash)
        hasher.update(
            data: JSONWriter.canonicalObject(
                contentMembers(seq, epoch, logSequence, event), writing: canonicalDetail, for: "detail"))
        return Array(hasher.finalize())
    }

    /// A row's fields other than its hashes, in canonical key order: what its hash covers
    /// (written as they are, without sorting a dictionary, since every accepted report adds a
    /// row) and what an export shows.
    static func contentMembers(
        _ seq: UInt64, _ epoch: Epoch, _ logSequence: SequenceNumber, _ event: AuditEvent
    ) -> KeyValuePairs<String, JSONValue> {
        [
            "actor": .string(event.actor), "at": .integer(event.at), "code": .integer(Int64(event.code)),
            "detail": event.detail, "epoch": .integer(Int64(clamping: epoch)),
            "kind": .string(event.kind.rawValue), "logSeq": .integer(Int64(clamping: logSequence)),
            "person": .string(event.person), "seq": .integer(Int64(clamping: seq)),
            "subject": .string(event.subject),
        ]
    }

    /// The row for an export: every field, hashes in hex.
    public var json: JSONValue {
        var object = Dictionary(
            uniqueKeysWithValues: Self.contentMembers(seq, epoch, logSequence, event).map {
                ($0.key, $0.value)
            })
        object["previousHash"] = .string(Hex.encode(previousHash))
        object["hash"] = .string(Hex.encode(hash))
        return .object(object)
    }
}

/// The active node's signature over the chain head: whoever holds a copy (every replica,
/// every daemon) can later prove what the chain was at that point.
public struct AuditCheckpoint: Sendable, Hashable {
    public let seq: UInt64
    public let headHash: [UInt8]
    public let epoch: Epoch
    public let at: Int64
    public let signature: [UInt8]

    public init(seq: UInt64, headHash: [UInt8], epoch: Epoch, at: Int64, signature: [UInt8]) {
        self.seq = seq
        self.headHash = headHash
        self.epoch = epoch
        self.at = at
        self.signature = signature
    }

    /// Signs the head of a chain.
    public init(seq: UInt64, headHash: [UInt8], epoch: Epoch, at: Int64, key: SigningKey) {
        self.init(
            seq: seq, headHash: headHash, epoch: epoch, at: at,
            signature: key.sign(Self.signedBytes(seq: seq, headHash: headHash, epoch: epoch, at: at)))
    }

    /// "KNA1-checkpoint" ‖ seq ‖ head hash ‖ epoch ‖ time (integers 8 bytes, big-endian).
    static func signedBytes(seq: UInt64, headHash: [UInt8], epoch: Epoch, at: Int64) -> [UInt8] {
        func bytes(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        return Array("KNA1-checkpoint".utf8) + bytes(seq) + headHash + bytes(epoch)
            + bytes(UInt64(bitPattern: at))
    }

    public func verifies(with key: VerifyingKey) -> Bool {
        headHash.count == 32
            && key.verify(
                signature, for: Self.signedBytes(seq: seq, headHash: headHash, epoch: epoch, at: at))
    }

    public var json: JSONValue {
        [
            "seq": .integer(Int64(clamping: seq)), "headHash": .string(Hex.encode(headHash)),
            "epoch": .integer(Int64(clamping: epoch)), "at": .integer(at),
            "signature": .string(Hex.encode(signature)),
        ]
    }

    /// The parts of an `AUDITHEAD` message.
    public var parts: [[UInt8]] {
        [
            Array(String(seq).utf8), Array(Hex.encode(headHash).utf8), Array(String(epoch).utf8),
            Array(String(at).utf8), signature,
        ]
    }

    public static func decode(_ parts: [[UInt8]], field: String) throws(Problem) -> AuditCheckpoint {
        guard parts.count == 5 else {
            throw Problem(.wrongFrameCount, field: field, "a checkpoint has 5 parts, found \(parts.count)")
        }
        guard let hash = Hex.decode(String(decoding: parts[1], as: UTF8.self)), hash.count == 32 else {
            throw Problem(.malformedNumber, field: "\(field).hash", "expected 64 hex digits")
        }
        guard let at = Int64(String(decoding: parts[3], as: UTF8.self)) else {
            throw Problem(.malformedNumber, field: "\(field).at", "not a number")
        }
        guard parts[4].count == 64 else {
            throw Problem(.badSignature, field: "\(field).signature", "an Ed25519 signature has 64 bytes")
        }
        return AuditCheckpoint(
            seq: try MessageCodec.number(parts[0], "\(field).seq"), headHash: hash,
            epoch: try MessageCodec.number(parts[2], "\(field).epoch"), at: at, signature: parts[4])
    }
}
