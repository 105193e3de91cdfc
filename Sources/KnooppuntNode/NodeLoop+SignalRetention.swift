import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// The end of a signal's retention at the node (docs/PROTOCOL.md §14): every node, active,
/// standby or replica, deletes the content from its own store by ``SignalRetention``'s rule
/// on its own clock; only the active writes the tombstone, in the same transaction as its own
/// deletion, and hands it to the standby with the rest of the chain.
extension NodeLoop {
    /// Deletes what has expired; called every `signalExpiryInterval`.
    func expireSignals() {
        let expired = SignalRetention.expired(in: picture, now: Self.wallClock())
        guard !expired.isEmpty else { return }
        let now = Self.wallClock()
        let events = isActive ? expired.map { Self.tombstone($0, at: now) } : []
        let records: [AuditRecord]
        do {
            records = try store.expireSignals(
                expired.map(\.entry.report), audit: events, epoch: epoch,
                logSequence: coordinator.lastSequence)
        } catch {
            storageFailed(error)
        }
        for item in expired { picture.withholdContent(of: item.entry.key) }
        replicateAudit(records)
        logger.notice(
            "signal content deleted at the end of its retention",
            metadata: [
                "signals": "\(expired.map(\.entry.report.id.rawValue))", "audited": "\(!events.isEmpty)",
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
}
