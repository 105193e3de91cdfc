import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// The end of a signal's retention at the node (docs/PROTOCOL.md §14): every node, alone or a
/// replica, active or following, deletes the content from its own store by ``SignalRetention``'s rule
/// on its own clock, with the notes of the signal's acknowledgements and follow-ups (by the
/// same rule: ``SignalRetention/endedSignals(in:expiring:)``); only the active writes the
/// tombstones: alone in the same transaction as its deletion; on etcd through the log, as
/// every audit row.
extension NodeLoop {
    /// Deletes what has expired; called every `signalExpiryInterval`.
    func expireSignals() {
        let expired = SignalRetention.expired(in: picture, now: Self.wallClock())
        let ended = SignalRetention.endedSignals(in: picture, expiring: expired)
        guard !ended.isEmpty else { return }
        let now = Self.wallClock()
        let notes: [SignalRetention.Note]
        let events: [AuditEvent]
        do {
            notes = SignalRetention.notes(in: try store.signalAnswers(to: ended))
            guard !expired.isEmpty || !notes.isEmpty else { return }
            events =
                isActive
                ? expired.map { Self.tombstone($0, at: now) } + notes.map { Self.tombstone($0, at: now) } : []
            // On etcd the tombstones go through the log like every audit row (below).
            _ = try store.expireSignals(
                expired.map(\.entry.report) + notes.map(\.update.report), audit: quorum == nil ? events : [],
                epoch: epoch, logSequence: coordinator.lastSequence)
        } catch {
            storageFailed(error)
        }
        for item in expired { picture.withholdContent(of: item.entry.key) }
        for note in notes {
            // Only while the picture holds this version: a later answer under the same key
            // without a note keeps its content.
            let key = note.update.report.envelope.key
            if picture.entries[key]?.report.id == note.update.report.id { picture.withholdContent(of: key) }
        }
        if quorum != nil { quorumAudit(events) }
        // etcd's log holds the same content: the active rewrites it (every replica marks it
        // due, so one that becomes active later finds it too).
        quorum?.upkeep.retentionDue = true
        logger.notice(
            "signal content deleted at the end of its retention",
            metadata: [
                "signals": "\(expired.map(\.entry.report.id.rawValue))",
                "notes": "\(notes.map(\.update.report.id.rawValue))", "audited": "\(isActive)",
            ])
    }

    /// The audit row that stays when the content goes: which signal, from whom to whom, when
    /// it was committed and expired, and the SHA-256 of the content that was deleted (with
    /// the envelope's salted section digest, which stays in the log).
    static func tombstone(_ expired: SignalRetention.Expired, at now: Int64) -> AuditEvent {
        let envelope = expired.entry.report.envelope
        return AuditEvent(
            at: now, kind: .signalExpired, actor: envelope.origin.rawValue, subject: envelope.id.rawValue,
            detail: [
                "seq": .integer(Int64(expired.entry.sequence)),
                "committedAt": .integer(expired.entry.committedAt),
                "expiredAt": .integer(expired.expiredAt), "exercise": .bool(envelope.exercise),
                "readers": envelope.sections.first.map { $0.classification.json } ?? .null,
                "contentSHA256": .string(expired.contentDigest),
                "sectionDigests": .array(envelope.sections.map { .string(Hex.encode($0.digest)) }),
            ])
    }

    /// The audit row that says an answer's note went: which answer (acknowledgement or
    /// follow-up) of which signal, by whom, and the SHA-256 of the section deleted; the
    /// answer's signed envelope (with its salted section digest) stays in the log.
    static func tombstone(_ note: SignalRetention.Note, at now: Int64) -> AuditEvent {
        let envelope = note.update.report.envelope
        return AuditEvent(
            at: now, kind: .signalNotesExpired, actor: envelope.origin.rawValue,
            person: envelope.author ?? "",
            subject: envelope.id.rawValue,
            detail: [
                "signal": envelope.subject.map { .string($0.rawValue) } ?? .null,
                "type": .string(envelope.type.rawValue), "seq": .integer(Int64(note.update.sequence)),
                "committedAt": .integer(note.update.committedAt), "exercise": .bool(envelope.exercise),
                "contentSHA256": .string(note.contentDigest),
                "sectionDigests": .array(envelope.sections.map { .string(Hex.encode($0.digest)) }),
            ])
    }
}
