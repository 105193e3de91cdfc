import FramePacking
import KnooppuntDomain
import StrictJSON

// The items of a REPLICATE message (updates, refusals, audit rows) and the packing of an
// audit row in etcd's log (docs/PROTOCOL.md §12, §13).

extension LogMessage {
    /// A REPLICATE's items (docs/PROTOCOL.md §12), each part with the report sequence at it,
    /// in the order they travel. Audit rows keep their chain order, so an entry cut from any
    /// run of items holds a piece of the chain in order. An accepted report's row travels
    /// inside its Update's part (`V`) when it is exactly the row ``AuditEvent/accepted(_:at:)``
    /// makes of that Update: about 120 bytes instead of about 290, for every report committed
    /// through etcd (docs/BENCHMARKS.md). Any other row travels alone (`A`), where it falls in
    /// the chain; Updates keep their sequence order, and refusals come last.
    public static func replicateItems(
        updates: [Update], rejections: [RejectionRecord], audit: [AuditRecord]
    ) -> [(part: [UInt8], sequence: SequenceNumber)] {
        var items: [(part: [UInt8], sequence: SequenceNumber)] = []
        items.reserveCapacity(updates.count + rejections.count + audit.count)
        var next = 0
        // The report sequence so far: an audit row before the first Update is at the one before.
        var at = updates.first.map { $0.sequence - 1 }
        for record in audit {
            if next < updates.count, record.event.kind == .accepted,
                record.event == AuditEvent.accepted(updates[next], at: record.event.at)
            {
                let update = updates[next]
                items.append(
                    (
                        [UInt8(ascii: "V")]
                            + FramePack.pack(AcceptedRowWire.pack(record) + ReplicatedUpdate.fields(update)),
                        update.sequence
                    ))
                at = update.sequence
                next += 1
            } else {
                items.append(([UInt8(ascii: "A")] + AuditWire.pack(record), at ?? record.logSequence))
            }
        }
        for update in updates[next...] {
            items.append(
                ([UInt8(ascii: "U")] + FramePack.pack(ReplicatedUpdate.fields(update)), update.sequence))
        }
        for record in rejections {
            let r = record.rejection
            func text(_ value: String) -> [UInt8] { Array(value.utf8) }
            func number(_ value: UInt64) -> [UInt8] { Array(String(value).utf8) }
            let part =
                [UInt8(ascii: "R")]
                + FramePack.pack([
                    text(r.reportID.rawValue), text(r.origin.rawValue), number(r.originSeq),
                    number(UInt64(r.problem.code.rawValue)), text(r.problem.field), text(r.problem.message),
                    number(record.epoch), number(record.afterSequence), text(String(record.at)),
                ])
            items.append((part, record.afterSequence))
        }
        return items
    }
}

/// An Update as a REPLICATE item's fields: sequence, epoch, committedAt, the report's frames.
enum ReplicatedUpdate {
    static func fields(_ update: Update) -> [[UInt8]] {
        [
            Array(String(update.sequence).utf8), Array(String(update.epoch).utf8),
            Array(String(update.committedAt).utf8),
        ] + update.report.frames
    }

    static func decode(_ inner: [[UInt8]], reference: ReferenceData) throws(Problem) -> Update {
        guard inner.count >= 6, let time = Int64(String(decoding: inner[2], as: UTF8.self)) else {
            throw Problem(.wrongFrameCount, field: "REPLICATE", "malformed update")
        }
        let report: SealedReport
        do {
            report = try SealedReport.decode(
                envelope: inner[3], signature: inner[4], sections: Array(inner[5...]), allowWithheld: true,
                reference: reference)
        } catch {
            throw error.first
        }
        // The end of a signal's retention withholds its content and its answers' notes in
        // every copy of the log (docs/PROTOCOL.md §14); nothing else is ever replicated
        // without its content.
        if report.sections.contains(where: { $0 == nil }),
            ![ReportType.signal, .signalAck, .signalFollowUp].contains(report.envelope.type)
        {
            throw Problem(.invalidEnvelope, field: "REPLICATE", "only a signal or its answer comes withheld")
        }
        return Update(
            sequence: try MessageCodec.number(inner[0], "REPLICATE.sequence"),
            epoch: try MessageCodec.number(inner[1], "REPLICATE.epoch"), committedAt: time, report: report)
    }
}

/// An accepted report's audit row inside its Update's `V` item: the row's place in the chain
/// and its hash; the event is ``AuditEvent/accepted(_:at:)`` of the Update. A follower checks
/// the hash when it copies the row (``AuditRecord/computedHash``), so a row rebuilt
/// differently from the active's is never copied.
enum AcceptedRowWire {
    /// seq, epoch, logSeq, at, previous hash, hash.
    static let fields = 6

    static func pack(_ record: AuditRecord) -> [[UInt8]] {
        [
            Array(String(record.seq).utf8), Array(String(record.epoch).utf8),
            Array(String(record.logSequence).utf8), Array(String(record.event.at).utf8), record.previousHash,
            record.hash,
        ]
    }

    static func unpack(_ fields: ArraySlice<[UInt8]>, update: Update) throws(Problem) -> AuditRecord {
        let fields = Array(fields)
        guard fields.count == Self.fields, let at = Int64(String(decoding: fields[3], as: UTF8.self)),
            fields[4].count == 32, fields[5].count == 32
        else { throw Problem(.wrongFrameCount, field: "REPLICATE", "malformed accepted row") }
        return AuditRecord(
            seq: try MessageCodec.number(fields[0], "REPLICATE.auditSeq"),
            epoch: try MessageCodec.number(fields[1], "REPLICATE.auditEpoch"),
            logSequence: try MessageCodec.number(fields[2], "REPLICATE.logSeq"),
            event: .accepted(update, at: at), previousHash: fields[4], storedHash: fields[5])
    }
}

/// One audit row as a log entry's part: its fields packed, the detail as canonical JSON.
enum AuditWire {
    static func pack(_ record: AuditRecord) -> [UInt8] {
        let event = record.event
        func number(_ value: UInt64) -> [UInt8] { Array(String(value).utf8) }
        return FramePack.pack([
            number(record.seq), number(record.epoch), number(record.logSequence),
            Array(String(event.at).utf8),
            Array(event.kind.rawValue.utf8), Array(event.actor.utf8), Array(event.person.utf8),
            Array(event.subject.utf8), Array(String(event.code).utf8), record.canonicalDetail,
            record.previousHash, record.hash,
        ])
    }

    static func unpack(_ part: [UInt8]) throws(Problem) -> AuditRecord {
        guard let fields = FramePack.unpack(part, maxParts: 12), fields.count == 12,
            let kind = AuditEvent.Kind(rawValue: String(decoding: fields[4], as: UTF8.self)),
            let at = Int64(String(decoding: fields[3], as: UTF8.self)),
            let code = Int(String(decoding: fields[8], as: UTF8.self)),
            let detail = try? JSONParser.parse(fields[9]), fields[10].count == 32, fields[11].count == 32
        else { throw Problem(.wrongFrameCount, field: "AUDIT", "malformed audit row") }
        func text(_ index: Int) -> String { String(decoding: fields[index], as: UTF8.self) }
        let event = AuditEvent(
            at: at, kind: kind, actor: text(5), person: text(6), subject: text(7), code: code, detail: detail)
        return AuditRecord(
            seq: try MessageCodec.number(fields[0], "AUDIT.seq"),
            epoch: try MessageCodec.number(fields[1], "AUDIT.epoch"),
            logSequence: try MessageCodec.number(fields[2], "AUDIT.logSeq"), event: event,
            previousHash: fields[10], storedHash: fields[11])
    }
}
