import KnooppuntDomain
import StrictJSON

// Signals about persons and their acknowledgements and follow-ups (issue 18).
extension DocumentCodec {
    /// A signal. Its readers are always its sender and its recipients: a `classification` in
    /// the document is read and ignored (the wire form carries the derived one, and the node
    /// refuses a signal whose envelope says anything else).
    func decodeSignal(_ r: inout FieldReader) -> Signal? {
        let sender = r.organisation("from")
        let person = r.string("person", max: Signal.maximumPersonReference)
        let kind = r.enumeration("kind", SignalKind.self)
        let assessment = r.string("assessment", max: DocumentLimits.textCharacters)
        let legalBasis = r.string("legalBasis", max: Signal.maximumLegalBasis)
        let retention = r.integer("retentionDays", in: 1...Int64(Signal.maximumRetentionDays))
        let asked = r.enumeration("asked", SignalRequest.self)
        let exerciseRetention = r.integer(
            "exerciseRetentionSeconds", in: 1...Int64(Signal.maximumExerciseRetentionSeconds), required: false
        )
        // Read strictly (a wrong one is still an error), then ignored.
        let classificationOK = !r.has("classification") || r.classification() != nil
        let recipients = decodeRecipients(&r)
        if let person, !SignalShapes.isPseudonym(person) {
            r.context.fail(
                .invalidID, r.at("person"),
                "a pseudonymous reference: letters, digits, '-', '_', ':' or '.', not a name or a BSN")
        }
        if let legalBasis, !SignalShapes.isLegalBasisCode(legalBasis) {
            r.context.fail(
                .invalidID, r.at("legalBasis"), "a legal-basis code from config/signals.yaml, e.g. WJSG-39F")
        }
        if let sender, let recipients, recipients.contains(sender) {
            r.context.fail(.invalidCombination, r.at("recipients"), "the sender is not one of its recipients")
            return nil
        }
        guard classificationOK, let sender, let person, SignalShapes.isPseudonym(person), let kind,
            let assessment,
            let legalBasis, SignalShapes.isLegalBasisCode(legalBasis), let retention, let asked,
            let recipients, !(r.has("exerciseRetentionSeconds") && exerciseRetention == nil)
        else { return nil }
        return Signal(
            sender: sender, person: person, kind: kind, assessment: assessment, legalBasis: legalBasis,
            recipients: recipients, retentionDays: Int(retention), asked: asked,
            exerciseRetentionSeconds: exerciseRetention.map { Int($0) })
    }

    private func decodeRecipients(_ r: inout FieldReader) -> OrganisationSet? {
        guard let items = r.array("recipients", max: Signal.maximumRecipients) else { return nil }
        var set = OrganisationSet()
        var ok = true
        for (item, path) in items {
            if let code = FieldReader.organisation(item, path: path, context: r.context) {
                set.insert(code)
            } else {
                ok = false
            }
        }
        if ok && set.isEmpty {
            r.context.fail(.missingField, r.at("recipients"), "name at least one recipient")
            return nil
        }
        return ok ? set : nil
    }

    func decodeSignalAck(_ r: inout FieldReader) -> SignalAcknowledgement? {
        let subject = r.reportID("subject")
        let by = r.string("by", max: DocumentLimits.nameCharacters)
        let note = r.string("note", max: DocumentLimits.textCharacters, required: false)
        let classification = r.classification()
        guard let subject, let by, let classification, !(r.has("note") && note == nil) else { return nil }
        return SignalAcknowledgement(subject: subject, by: by, note: note, classification: classification)
    }

    func decodeSignalFollowUp(_ r: inout FieldReader) -> SignalFollowUp? {
        let subject = r.reportID("subject")
        let outcome = r.enumeration("outcome", SignalOutcome.self)
        let by = r.string("by", max: DocumentLimits.nameCharacters)
        let note = r.string("note", max: DocumentLimits.textCharacters, required: false)
        let legalBasis = r.string("legalBasis", max: Signal.maximumLegalBasis, required: false)
        let classification = r.classification()
        if let legalBasis, !SignalShapes.isLegalBasisCode(legalBasis) {
            r.context.fail(.invalidID, r.at("legalBasis"), "a legal-basis code, e.g. AVG-6-1E")
            return nil
        }
        if outcome == .forwarded && legalBasis == nil && !r.has("legalBasis") {
            r.context.fail(
                .missingField, r.at("legalBasis"),
                "a signal is forwarded only on the recipient's own legal basis")
            return nil
        }
        guard let subject, let outcome, let by, let classification, !(r.has("note") && note == nil),
            !(r.has("legalBasis") && legalBasis == nil)
        else { return nil }
        return SignalFollowUp(
            subject: subject, outcome: outcome, by: by, note: note, legalBasis: legalBasis,
            classification: classification)
    }

    /// A read record: who opened a signal, in which role, when; never content.
    func decodeSignalRead(_ r: inout FieldReader) -> SignalRead? {
        let subject = r.reportID("subject")
        let by = r.string("by", max: DocumentLimits.nameCharacters)
        let role = r.string("role", max: SignalRead.maximumRole)
        let at = r.integer("at", in: 0...Int64.max)
        let classification = r.classification()
        guard let subject, let by, let role, let at, let classification else { return nil }
        return SignalRead(subject: subject, by: by, role: role, at: at, classification: classification)
    }

    static func signalFields(of body: ReportBody) -> [String: JSONValue] {
        switch body {
        case .signal(let signal):
            var fields: [String: JSONValue] = [
                "from": .string(signal.sender.rawValue), "person": .string(signal.person),
                "kind": .string(signal.kind.rawValue), "assessment": .string(signal.assessment),
                "legalBasis": .string(signal.legalBasis),
                "recipients": .array(signal.recipients.map { .string($0.rawValue) }),
                "retentionDays": .integer(Int64(signal.retentionDays)),
                "asked": .string(signal.asked.rawValue),
                "classification": signal.classification.json,
            ]
            if let seconds = signal.exerciseRetentionSeconds {
                fields["exerciseRetentionSeconds"] = .integer(Int64(seconds))
            }
            return fields
        case .signalAck(let ack):
            var fields: [String: JSONValue] = [
                "subject": .string(ack.subject.rawValue), "by": .string(ack.by),
                "classification": ack.classification.json,
            ]
            if let note = ack.note { fields["note"] = .string(note) }
            return fields
        case .signalFollowUp(let followUp):
            var fields: [String: JSONValue] = [
                "subject": .string(followUp.subject.rawValue), "outcome": .string(followUp.outcome.rawValue),
                "by": .string(followUp.by), "classification": followUp.classification.json,
            ]
            if let note = followUp.note { fields["note"] = .string(note) }
            if let basis = followUp.legalBasis { fields["legalBasis"] = .string(basis) }
            return fields
        case .signalRead(let read):
            return [
                "subject": .string(read.subject.rawValue), "by": .string(read.by), "role": .string(read.role),
                "at": .integer(read.at), "classification": read.classification.json,
            ]
        default:
            return [:]
        }
    }
}

/// The shapes of a signal's codes.
public enum SignalShapes {
    /// Digits only, 8 or 9 of them, is the shape of a BSN: never a pseudonym.
    static let bsnLengths = 8...9

    /// Letters, digits, `-`, `_`, `:` and `.`, no spaces (a name has them), and not the shape
    /// of a BSN.
    public static func isPseudonym(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...Signal.maximumPersonReference).contains(bytes.count) else { return false }
        let allowed = bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: ".")].contains($0)
        }
        let bsnLike = bsnLengths.contains(bytes.count) && bytes.allSatisfy { (48...57).contains($0) }
        return allowed && !bsnLike
    }

    /// Upper-case letters, digits and `-`, starting with a letter, 2…32 characters.
    public static func isLegalBasisCode(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (2...Signal.maximumLegalBasis).contains(bytes.count), let first = bytes.first,
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first)
        else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-")
        }
    }
}
