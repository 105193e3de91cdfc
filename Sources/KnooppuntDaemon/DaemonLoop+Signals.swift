import KnooppuntClient
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON

// SIGNALOPEN (docs/PROTOCOL.md §11): a signal's content is shown only to a person, and only
// after a read record naming them is stored in this daemon's outbox.

extension DaemonLoop {
    /// Checks one SIGNALOPEN and prepares its read record; answers refusals itself and returns
    /// nil for them. The content goes out (as SIGNAL) only once the record is stored with the
    /// rest of the round (``enqueue(_:)``).
    ///
    /// Why the content is shown before the node has the record: a signal must stay readable
    /// when the node is unreachable, and the outbox never drops a report, so the record reaches
    /// the node's audit chain later, across restarts; until then it is in this store.
    func openSignal(
        _ routing: [UInt8], _ id: ReportID, _ openOptions: PublishOptions, after batch: [PendingPublish],
        people known: inout [PersonCredential: Result<Person, PeopleError>]
    ) -> PendingPublish? {
        guard let person = person(publishing: .signalRead, openOptions.credential, routing, known: &known)
        else {
            return nil
        }
        guard let entry = mirror.picture.signal(id) else {
            reply(
                routing,
                error: Problem(
                    .unknownReport, field: "signal",
                    "no signal \(id) in \(organisation)'s picture (see `knooppunt signal list --as \(organisation)`)"
                ))
            return nil
        }
        let envelope = entry.report.envelope
        guard case .parties(let readers)? = envelope.sections.first?.classification,
            readers.contains(organisation)
        else {
            reply(
                routing,
                error: Problem(
                    .notASignalRecipient, field: "signal",
                    "signal \(id) was neither sent by nor to \(organisation): only its envelope is here"))
            return nil
        }
        guard let section = entry.report.sections.first ?? nil, let content = try? JSONParser.parse(section)
        else {
            reply(
                routing,
                error: Problem(
                    .signalExpired, field: "signal",
                    "the retention of signal \(id) ended: its content was deleted from every store"))
            return nil
        }
        let wall = Self.wallClock()
        let read = SignalRead(
            subject: id, by: person.author, role: person.role.rawValue, at: wall,
            classification: .parties(OrganisationSet([envelope.origin, organisation])))
        let document = ReportDocument(
            exercise: envelope.exercise, author: person.author, body: .signalRead(read))
        // `again`: two people (or one, twice) opening the same signal are two reads, never a
        // duplicate to refuse.
        switch submits.prepare(document, again: true, after: batch.map(\.prepared), wall: wall) {
        case .ready(let prepared):
            let opened: JSONValue = [
                "id": .string(id.rawValue), "sender": .string(envelope.origin.rawValue),
                "recipients": .array(readers.filter { $0 != envelope.origin }.map { .string($0.rawValue) }),
                "exercise": .bool(envelope.exercise), "committedAt": .integer(entry.committedAt),
                "sequence": .integer(Int64(entry.sequence)),
                "author": envelope.author.map { .string($0) } ?? .null, "content": content,
                "read": [
                    "by": .string(person.author), "role": .string(person.role.rawValue), "at": .integer(wall),
                ],
            ]
            return PendingPublish(
                routing: routing, prepared: prepared, type: .signalRead, policeLabels: [],
                person: person.username, opened: opened)
        case .full:
            reply(
                routing,
                error: Problem(
                    .outboxFull, field: "outbox",
                    "the outbox holds \(outbox.limits.capacity) unsent reports, so no read record can be kept: the signal stays closed"
                ))
            return nil
        case .known, .duplicate:
            // A fresh document with `again` is neither; answer rather than show unlogged content.
            reply(
                routing,
                error: Problem(.storageFailure, field: "outbox", "the read record could not be prepared"))
            return nil
        }
    }

    /// SIGNAL's JSON: the content, and the read record as stored (its id, origin sequence,
    /// state `queued`: the node's audit chain gets it when the outbox delivers it).
    static func openedAnswer(_ opened: JSONValue, read item: QueuedReport) -> JSONValue {
        guard var object = opened.objectValue, var read = object["read"]?.objectValue else { return opened }
        read["id"] = .string(item.id.rawValue)
        read["originSeq"] = .integer(Int64(clamping: item.originSeq))
        read["state"] = "queued"
        object["read"] = .object(read)
        return .object(object)
    }

    /// Deletes the content of signals whose retention ended from this daemon's store, then
    /// from its mirror (the same rule as the node's: ``SignalRetention``), and the notes of
    /// their acknowledgements and follow-ups with them (or at once, for an answer that came
    /// after). A store that cannot be written keeps the content until the next look, and says
    /// so.
    func expireSignals() {
        let expired = SignalRetention.expired(in: mirror.picture, now: Self.wallClock())
        let ended = SignalRetention.endedSignals(in: mirror.picture, expiring: expired)
        guard !ended.isEmpty else { return }
        for expired in expired {
            guard expire(expired.entry.report, key: expired.entry.key) else { return }
            logger.notice(
                "signal content deleted at the end of its retention",
                metadata: [
                    "report.id": "\(expired.entry.report.id)", "signal.expiredAt": "\(expired.expiredAt)",
                ])
        }
        let notes: [SignalRetention.Note]
        do {
            notes = SignalRetention.notes(in: try store.signalAnswers(to: ended))
        } catch {
            logger.error("could not read the answers to expired signals", metadata: ["error": "\(error)"])
            return
        }
        for note in notes {
            let report = note.update.report
            // The mirror's entry only while it is this version (see the store's expireSignal).
            let current = mirror.picture.entries[report.envelope.key]?.report.id == report.id
            guard expire(report, key: current ? report.envelope.key : nil) else { return }
            logger.notice(
                "the note of a signal's answer deleted at the end of the signal's retention",
                metadata: [
                    "report.id": "\(report.id)", "signal": "\(report.envelope.subject?.rawValue ?? "")",
                ])
        }
    }

    /// Deletes one report's content from the store, then from the mirror's entry at `key`
    /// (nil: not the mirror's entry); false when the store could not be written.
    private func expire(_ report: SealedReport, key: String?) -> Bool {
        do {
            try store.expireSignal(report)
        } catch {
            logger.error(
                "could not delete an expired signal's content",
                metadata: ["report.id": "\(report.id)", "error": "\(error)"])
            return false
        }
        if let key { follower.withholdContent(of: key) }
        return true
    }
}
