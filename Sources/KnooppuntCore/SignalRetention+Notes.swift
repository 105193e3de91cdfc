import Crypto
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// The notes in the answers to a signal (issue 18): an acknowledgement or follow-up may carry
/// free text about the person (`note`). It goes by the signal's own rule, not a second one:
/// when the signal's content expires, or at once for an answer that arrives after that.
///
/// An answer is one section, signed through its salted digest in the envelope, so the note
/// cannot be cut out alone without breaking the signature: an answer that holds a note is
/// withheld whole, like the signal. What the sender's status view needs stays in the signed
/// envelope: who answered (origin, author: the person the daemon checked, who is also `by`),
/// which answer (type and id) and when (the commit time). An answer without a note keeps its
/// content (its outcome); it has no free text to delete.
extension SignalRetention {
    /// The answer types that may carry a note.
    public static let answerTypes: Set<ReportType> = [.signalAck, .signalFollowUp]

    /// Whether `report` is an answer to a signal that still holds free text to delete at the
    /// end of the signal's retention. Content that does not parse counts as holding it: a
    /// deletion errs towards deleting.
    public static func holdsNote(_ report: SealedReport) -> Bool {
        guard answerTypes.contains(report.envelope.type) else { return false }
        let held = report.heldContent
        guard let section = held.first else { return false }
        guard let content = try? JSONParser.parse(section) else { return true }
        return content["note"] != nil
    }

    /// The signals whose answers' notes go now: those expiring now (`expiring`, from
    /// ``expired(in:now:)``) and those whose content is already gone while an answer in
    /// `picture` still holds a note (it came after the deletion, or a holder was down). A
    /// holder of an answer's content is a reader of its signal (the node checks the answer's
    /// readers, E313), so it held the signal's content: withheld means expired. Sorted.
    public static func endedSignals(in picture: Picture, expiring: [Expired]) -> [ReportID] {
        var ended = Set(expiring.map(\.entry.report.id))
        for entry in picture.entries.values where holdsNote(entry.report) {
            guard let subject = entry.report.envelope.subject, let signal = picture.signal(subject),
                signal.report.heldContent.isEmpty
            else { continue }
            ended.insert(subject)
        }
        return ended.sorted { $0.rawValue < $1.rawValue }
    }

    /// An answer whose note is deleted: the update as held, and the SHA-256 (hex) of the
    /// section bytes deleted, for the audit row.
    public struct Note: Sendable {
        public let update: Update
        public let contentDigest: String

        /// The answer as it stays: the signed envelope with the section withheld.
        public var withheld: SealedReport { update.report.withholdingAllSections() }
    }

    /// Of `answers` (every stored version of the answers to ended signals), those holding a
    /// note, in sequence order: the order every holder deletes in.
    public static func notes(in answers: [Update]) -> [Note] {
        answers.filter { holdsNote($0.report) }.sorted { $0.sequence < $1.sequence }.map { update in
            var hasher = SHA256()
            for bytes in update.report.heldContent { hasher.update(data: bytes) }
            return Note(update: update, contentDigest: Hex.encode(Array(hasher.finalize())))
        }
    }

    /// The store keys under which the answers to `signal` are (real and exercise), as the
    /// half-open ranges `[lower, upper)` a store reads them with: `signal/<id>/…`. A store
    /// range-reads its key index rather than matching a pattern (`_` is a wildcard in LIKE).
    public static func answerKeyRanges(of signal: ReportID) -> [(lower: String, upper: String)] {
        // "0" is the character after "/": every key under `signal/<id>/` sorts below it.
        ["", "exercise/"].map { prefix in
            ("\(prefix)signal/\(signal.rawValue)/", "\(prefix)signal/\(signal.rawValue)0")
        }
    }

    /// Whether the sender's outbox deletes a refused report's content when the refusal comes.
    /// The outbox keeps a refused report only to show the refusal (state, code and message:
    /// `status --report`, `publish`); nothing reads its document or sections again, so the
    /// content of a signal or an answer (free text about a person the node never accepted)
    /// goes at once rather than by a retention the node never started. (A refusal the node
    /// lost in a discarded tail brings the report back without content: the node refuses it
    /// again, so the refusal stands.)
    public static func deletesAtRefusal(_ type: ReportType) -> Bool {
        type == .signal || answerTypes.contains(type)
    }
}
