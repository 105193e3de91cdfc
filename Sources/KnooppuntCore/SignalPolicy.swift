import Crypto
import KnooppuntDomain
import KnooppuntProtocol

/// A legal basis a signal may state: a code and what it stands for.
public struct LegalBasis: Sendable, Hashable {
    public let code: String
    public let description: String
}

/// One rule of config/signals.yaml: organisations of the kinds `from` may send signals of the
/// kinds `kinds` to organisations of the kinds `to`, on one of the legal bases `bases`.
public struct SignalRule: Sendable, Hashable {
    public let id: String
    public let from: Set<OrganisationKind>
    public let kinds: Set<SignalKind>
    public let to: Set<OrganisationKind>
    public let bases: Set<String>
}

/// Who may send which signal about a person to whom, on which legal basis (issue 18), and
/// how long recipients have to acknowledge: config/signals.yaml, checked at the node.
public struct SignalPolicy: Sendable {
    public let legalBases: [LegalBasis]
    public let rules: [SignalRule]
    /// How long a recipient has to acknowledge receipt, in milliseconds.
    public let acknowledgeWithinMs: Int64
    public let maximumRetentionDays: Int
    /// The retention a sender is offered when it states none: a year, or the policy's longest.
    public var defaultRetentionDays: Int { min(Self.proposedRetentionDays, maximumRetentionDays) }
    static let proposedRetentionDays = 365
    /// SHA-256 of the file (hex).
    public let digest: String

    /// The policy built into the binary (config/signals.yaml).
    public static let builtIn: SignalPolicy = {
        do {
            return try SignalPolicy(yaml: Array((EmbeddedSignalPolicy.text + "\n").utf8))
        } catch {
            preconditionFailure("the built-in signal policy is invalid: \(error)")
        }
    }()

    init(
        legalBases: [LegalBasis], rules: [SignalRule], acknowledgeWithinMs: Int64, maximumRetentionDays: Int,
        digest: String
    ) {
        self.legalBases = legalBases
        self.rules = rules
        self.acknowledgeWithinMs = acknowledgeWithinMs
        self.maximumRetentionDays = maximumRetentionDays
        self.digest = digest
    }

    public func basis(_ code: String) -> LegalBasis? { legalBases.first { $0.code == code } }

    /// Nil when an organisation of kind `sender` may send a signal of `kind` on `basis` to
    /// organisations of the kinds `recipients`; otherwise the refusal (E311, E310 or E312),
    /// naming the first recipient kind that no rule admits.
    public func check(
        sender: OrganisationKind, kind: SignalKind, basis: String, recipients: [OrganisationKind]
    ) -> Problem? {
        guard self.basis(basis) != nil else {
            return Problem(
                .unknownLegalBasis, field: "legalBasis",
                "\(basis) is not a legal basis of the signal policy (\(legalBases.map(\.code).joined(separator: ", ")))"
            )
        }
        for recipient in recipients {
            let matching = rules.filter {
                $0.from.contains(sender) && $0.kinds.contains(kind) && $0.to.contains(recipient)
            }
            guard !matching.isEmpty else {
                return Problem(
                    .signalNotPermitted, field: "recipients",
                    "no rule of the signal policy lets a \(sender) organisation send a \(kind.rawValue) signal to a \(recipient) organisation"
                )
            }
            guard matching.contains(where: { $0.bases.contains(basis) }) else {
                let allowed = Set(matching.flatMap(\.bases)).sorted().joined(separator: ", ")
                return Problem(
                    .legalBasisNotPermitted, field: "legalBasis",
                    "a \(sender) organisation sends a \(kind.rawValue) signal to a \(recipient) organisation on \(allowed), not on \(basis) (rule \(matching.map(\.id).joined(separator: ", ")))"
                )
            }
        }
        return nil
    }

    /// The node's check of a signal report, its acknowledgements and follow-ups: nil when it
    /// may be accepted. `kindOf` gives an organisation's kind; `signalEnvelope` the envelope of
    /// an accepted signal by its report id (nil when there is none).
    public func check(
        _ document: ReportDocument, envelope: Envelope, sender: OrganisationCode,
        kindOf: (OrganisationCode) -> OrganisationKind, signalEnvelope: (ReportID) -> Envelope?
    ) -> Problem? {
        switch document.body {
        case .signal(let signal):
            guard signal.sender == sender else {
                return Problem(
                    .signalReaders, field: "from", "\(sender) may not send a signal as \(signal.sender)")
            }
            guard envelope.sections.allSatisfy({ $0.classification == signal.classification }) else {
                return Problem(
                    .signalReaders, field: "envelope.sections",
                    "a signal is read by exactly its sender and recipients (\(signal.classification))")
            }
            return check(signal, exercise: envelope.exercise, kindOf: kindOf)
        case .signalAck(let ack):
            return reply(
                to: ack.subject, isAnswer: true, from: sender, envelope: envelope,
                signalEnvelope: signalEnvelope)
        case .signalFollowUp(let followUp):
            if let basis = followUp.legalBasis, self.basis(basis) == nil {
                return Problem(
                    .unknownLegalBasis, field: "legalBasis",
                    "\(basis) is not a legal basis of the signal policy")
            }
            return reply(
                to: followUp.subject, isAnswer: true, from: sender, envelope: envelope,
                signalEnvelope: signalEnvelope)
        case .signalRead(let read):
            return reply(
                to: read.subject, isAnswer: false, from: sender, envelope: envelope,
                signalEnvelope: signalEnvelope)
        default:
            return nil
        }
    }

    /// The policy's rules for one signal, as the node applies them and a screen before it: a
    /// retention in seconds only in an exercise, the longest retention, then which kind may send
    /// which signal to which kinds on which basis (`kindOf` gives an organisation's kind).
    public func check(
        _ signal: Signal, exercise: Bool, kindOf: (OrganisationCode) -> OrganisationKind
    ) -> Problem? {
        guard signal.exerciseRetentionSeconds == nil || exercise else {
            return Problem(
                .exerciseRetentionOnly, field: "exerciseRetentionSeconds",
                "only an exercise signal states its retention in seconds; a real one keeps retentionDays")
        }
        guard signal.retentionDays <= maximumRetentionDays else {
            return Problem(
                .retentionTooLong, field: "retentionDays",
                "at most \(maximumRetentionDays) days by the signal policy, found \(signal.retentionDays)")
        }
        return check(
            sender: kindOf(signal.sender), kind: signal.kind, basis: signal.legalBasis,
            recipients: signal.recipients.map(kindOf))
    }

    /// What refers to an accepted signal of the same kind of traffic (an exercise answers
    /// only an exercise): an acknowledgement or follow-up (`isAnswer`) comes from one of its
    /// recipients and is read by exactly the signal's readers; a read record comes from its
    /// sender or a recipient (the daemons that hold its content) and is read by exactly the
    /// signal's sender and the reader.
    private func reply(
        to subject: ReportID, isAnswer: Bool, from sender: OrganisationCode, envelope: Envelope,
        signalEnvelope: (ReportID) -> Envelope?
    ) -> Problem? {
        guard let signal = signalEnvelope(subject), signal.type == .signal,
            signal.exercise == envelope.exercise, let readers = signal.sections.first?.classification
        else {
            return Problem(.notASignalRecipient, field: "subject", "report \(subject) is not a signal")
        }
        guard readers.allows(sender), !(isAnswer && sender == signal.origin) else {
            return Problem(
                .notASignalRecipient, field: "subject", "signal \(subject) was not sent to \(sender)")
        }
        let expected = isAnswer ? readers : Classification.parties(OrganisationSet([signal.origin, sender]))
        guard envelope.sections.allSatisfy({ $0.classification == expected }) else {
            return Problem(
                .signalReaders, field: "envelope.sections",
                isAnswer
                    ? "an answer to a signal is read by exactly the signal's readers (\(expected))"
                    : "a read record is read by exactly the signal's sender and the reader (\(expected))")
        }
        return nil
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }
}
