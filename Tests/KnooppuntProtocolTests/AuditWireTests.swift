import Crypto
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// The audit log on the wire: rows in the log entries in etcd, and the signed chain head the
/// daemons keep (AUDITHEAD on the node endpoint).
@Suite("Audit messages")
struct AuditWireTests {
    static let key = SigningKey.generate()

    static func chain(_ count: Int) -> [AuditRecord] {
        var records: [AuditRecord] = []
        var previous = AuditRecord.genesis
        for n in 1...count {
            let event = AuditEvent(
                at: 1_552_902_300_000 + Int64(n), kind: .accepted, actor: "VR09",
                person: "Officier van dienst",
                subject: "r\(n)", detail: ["seq": .integer(Int64(n)), "note": "één \"quote\""])
            let record = AuditRecord(
                seq: UInt64(n), epoch: 3, logSequence: SequenceNumber(n), event: event, previousHash: previous
            )
            previous = record.hash
            records.append(record)
        }
        return records
    }

    /// The rows of a chain as a log entry in etcd carries them (`A` items of a REPLICATE).
    static func entry(_ records: [AuditRecord]) -> LogMessage {
        LogMessage(
            epoch: 3, activeLastSequence: records.last?.logSequence ?? 0, updates: [], rejections: [],
            audit: records)
    }

    @Test(
        "a row's hash is SHA-256 of KNA1, the previous hash and the canonical JSON of its other fields",
        arguments: [
            AuditEvent(at: 0, kind: .accepted, actor: ""),
            AuditEvent(
                at: -1, kind: .refused, actor: "VR09", person: "Ä \u{1}\n\"\\", subject: "r1", code: 218,
                detail: ["field": "ENTRIES.3.signature", "n": .integer(.min), "m": .integer(.max), "x": 2.5]),
            AuditEvent(
                at: .max, kind: .signalExpired, actor: "POLICE", subject: "s", code: 0,
                detail: ["nested": ["b": [1, "twee", nil, true], "a": .integer(-10)]]),
        ])
    func rowHash(event: AuditEvent) throws {
        let record = AuditRecord(
            seq: 42, epoch: 7, logSequence: 1_000_000_000_000, event: event, previousHash: AuditRecord.genesis
        )
        guard case .object(var fields) = record.json else { throw CancellationError() }
        fields["previousHash"] = nil
        fields["hash"] = nil
        var hasher = SHA256()
        hasher.update(data: Array("KNA1".utf8))
        hasher.update(data: AuditRecord.genesis)
        hasher.update(data: JSONWriter.canonical(.object(fields)))
        #expect(record.hash == Array(hasher.finalize()))
        #expect(record.computedHash == record.hash)
    }

    @Test("audit rows in a log entry survive encode and decode, each row's hash intact")
    func entryRoundTrip() throws {
        let message = Self.entry(Self.chain(5))
        let decoded = try LogMessage.decode(message.parts)
        #expect(decoded == message)
        let records = decoded.audit
        #expect(records.count == 5)
        #expect(records.allSatisfy { $0.computedHash == $0.hash })
    }

    @Test("AUDITHEAD carries a checkpoint that verifies with the node's audit key and no other")
    func auditHead() throws {
        let checkpoint = AuditCheckpoint(
            seq: 42, headHash: Self.chain(1)[0].hash, epoch: 2, at: 7, key: Self.key)
        let decoded = try MessageCodec().decodeServer(MessageCodec.encode(.auditHead(checkpoint)))
        #expect(decoded == .auditHead(checkpoint))
        #expect(checkpoint.verifies(with: Self.key.publicKey))
        #expect(!checkpoint.verifies(with: SigningKey.generate().publicKey))
        let moved = AuditCheckpoint(
            seq: 43, headHash: checkpoint.headHash, epoch: 2, at: 7, signature: checkpoint.signature)
        #expect(!moved.verifies(with: Self.key.publicKey))
    }

    @Test("a malformed audit row or log entry is a clear refusal, never a crash")
    func malformed() {
        let good = Self.entry(Self.chain(1)).parts
        var cases: [[[UInt8]]] = []
        var garbageRow = good
        garbageRow[garbageRow.count - 1] = Array("Anot a packed row".utf8)
        cases.append(garbageRow)
        var unknownKind = good
        unknownKind[unknownKind.count - 1] = Array("Xwhat".utf8)
        cases.append(unknownKind)
        cases.append(Array(good.prefix(3)))
        var otherCommand = good
        otherCommand[1] = Array("AUDITSYNC".utf8)
        cases.append(otherCommand)
        for parts in cases {
            #expect(throws: Problem.self) { try LogMessage.decode(parts) }
        }
    }
}
