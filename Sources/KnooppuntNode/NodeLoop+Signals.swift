import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

extension NodeLoop {
    /// The envelope of an accepted signal: from the batch being decided, else from the
    /// picture (a signal's key is its own, so the picture keeps it). Its sections'
    /// classification names the readers its acknowledgements and follow-ups must have.
    func signalEnvelope(_ id: ReportID, pending: Pending) -> Envelope? {
        if let item = pending.accepted.first(where: { $0.update.report.id == id }) {
            return item.update.report.envelope
        }
        return picture.signal(id)?.report.envelope
    }
}

extension NodeLoop {
    /// The audit row of an accepted read record: who opened which signal, in which role, when
    /// the daemon showed it, and where the record is in the log. Never content.
    static func signalReadEvent(
        _ read: SignalRead, envelope: Envelope, sequence: SequenceNumber, at now: Int64
    ) -> AuditEvent {
        AuditEvent(
            at: now, kind: .signalRead, actor: envelope.origin.rawValue, person: read.by,
            subject: read.subject.rawValue,
            detail: [
                "read": .string(envelope.id.rawValue), "role": .string(read.role),
                "openedAt": .integer(read.at),
                "seq": .integer(Int64(sequence)), "exercise": .bool(envelope.exercise),
            ])
    }
}
