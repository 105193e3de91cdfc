import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// The audit log on the wire: the standby's copy (AUDIT, AUDITSYNC on the pair link) and the
/// signed chain head the daemons keep (AUDITHEAD on the node endpoint).
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

    @Test("AUDIT and AUDITSYNC survive encode and decode, rows and checkpoint intact")
    func pairRoundTrip() throws {
        let records = Self.chain(5)
        let checkpoint = AuditCheckpoint(seq: 5, headHash: records[4].hash, epoch: 3, at: 9, key: Self.key)
        let messages: [PairMessage] = [
            .audit(from: 1, records: records, checkpoint: checkpoint, reset: true),
            .audit(from: 6, records: [], checkpoint: nil, reset: false),
            .auditSync(from: 6, hashBefore: records[4].hash),
        ]
        for message in messages {
            let decoded = try PairMessage.decode(message.parts)
            #expect(decoded == message)
        }
        guard
            case .audit(_, let decodedRecords, let decodedCheckpoint, _) = try PairMessage.decode(
                messages[0].parts)
        else { return }
        #expect(decodedRecords.allSatisfy { $0.computedHash == $0.hash })
        #expect(decodedCheckpoint?.verifies(with: Self.key.publicKey) == true)
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

    @Test("a malformed audit row or checkpoint is a clear refusal, never a crash")
    func malformed() {
        let good = PairMessage.audit(from: 1, records: Self.chain(1), checkpoint: nil, reset: false).parts
        var cases: [[[UInt8]]] = []
        var garbageRow = good
        garbageRow[garbageRow.count - 1] = Array("not a packed row".utf8)
        cases.append(garbageRow)
        var garbageCheckpoint = good
        garbageCheckpoint[4] = [0xFF, 0x00, 0x01]
        cases.append(garbageCheckpoint)
        cases.append(Array(good.prefix(3)))
        cases.append(
            PairMessage.auditSync(from: 1, hashBefore: AuditRecord.genesis).parts.dropLast() + [
                Array("zz".utf8)
            ])
        for parts in cases {
            #expect(throws: Problem.self) { try PairMessage.decode(parts) }
        }
    }
}
