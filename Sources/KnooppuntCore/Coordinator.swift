import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// What the node decided earlier about a report id (from its log).
public enum PastOutcome: Sendable, Hashable {
    case accepted(Ack, origin: OrganisationCode)
    case rejected(Rejection)
}

/// The node's decision about one submitted report.
public enum SubmitDecision: Sendable {
    /// Accepted at the next global sequence; durable before the ACK.
    case accept(Update, document: ReportDocument)
    /// Refused for its content or the policy; the origin sequence is used up, so the
    /// refusal is recorded durably and the origin's next report follows on.
    case rejectAndConsume(Rejection)
    /// Refused without using up the origin sequence (wrong order, spoofed origin, ...).
    case refuse(reportID: ReportID?, problem: Problem, detail: JSONValue)
    /// Seen before: repeat the original answer, apply nothing.
    case repeatOutcome(PastOutcome)
}

/// The national node's submit state machine (docs/PROTOCOL.md §5.1): origin binding,
/// verification, per-origin order, deduplication, policy, and the next global sequence.
///
/// No I/O: the node feeds it submits with the clock and a lookup into its log, commits the
/// decisions durably, and only then sends ACKs. If a commit fails the node stops, and this
/// state is rebuilt from the store on restart.
public struct Coordinator: Sendable {
    public private(set) var epoch: Epoch
    public private(set) var lastSequence: SequenceNumber
    public private(set) var lastOriginSeq: [OrganisationCode: UInt64]
    public private(set) var incidents: [String: IncidentRecord]
    /// Every organisation's signing keys (current and retired), from the network config.
    public private(set) var signingKeys: [OrganisationCode: SigningKeySet]
    public let codec: DocumentCodec
    public private(set) var policy: WritePolicy
    /// Who may send which signal about a person to whom (config/signals.yaml).
    public var signalPolicy: SignalPolicy = .builtIn

    public init(
        epoch: Epoch, lastSequence: SequenceNumber, lastOriginSeq: [OrganisationCode: UInt64],
        incidents: [String: IncidentRecord], verifyingKeys: [OrganisationCode: VerifyingKey],
        codec: DocumentCodec
    ) {
        self.init(
            epoch: epoch, lastSequence: lastSequence, lastOriginSeq: lastOriginSeq, incidents: incidents,
            signingKeys: SigningKeySet.current(verifyingKeys), policy: .builtIn, codec: codec)
    }

    public init(
        epoch: Epoch, lastSequence: SequenceNumber, lastOriginSeq: [OrganisationCode: UInt64],
        incidents: [String: IncidentRecord], signingKeys: [OrganisationCode: SigningKeySet],
        policy: WritePolicy, codec: DocumentCodec
    ) {
        self.epoch = epoch
        self.lastSequence = lastSequence
        self.lastOriginSeq = lastOriginSeq
        self.incidents = incidents
        self.signingKeys = signingKeys
        self.policy = policy
        self.codec = codec
    }

    /// A reloaded network config or policy file: later submits are checked against these.
    public mutating func reconfigure(signingKeys: [OrganisationCode: SigningKeySet], policy: WritePolicy) {
        self.signingKeys = signingKeys
        self.policy = policy
    }

    /// The next origin sequence the node expects from `origin`.
    public func nextOriginSeq(for origin: OrganisationCode) -> UInt64 { (lastOriginSeq[origin] ?? 0) + 1 }

    /// Decides about one report submitted over a connection authenticated as `sender`.
    /// - Parameters:
    ///   - now: the node's clock (ms since 1970), stamped on the commit.
    ///   - lookup: what the log says about a report id accepted or refused before.
    ///   - checked: the report's ``checkContent(_:sender:keys:codec:)`` when it was made ahead
    ///     (with the keys this coordinator holds); nil to check it here.
    ///   - signals: the envelope of an accepted signal by its report id, for its answers.
    public mutating func decide(
        _ report: SealedReport, sender: OrganisationCode, now: Int64,
        checked: Result<CheckedContent, Problem>? = nil, lookup: (ReportID) -> PastOutcome?,
        signals: (ReportID) -> Envelope? = { _ in nil }
    ) -> SubmitDecision {
        let envelope = report.envelope
        // 1. Origin binding: the authenticated organisation, never the claim, decides.
        guard envelope.origin == sender else {
            return .refuse(
                reportID: envelope.id,
                problem: Problem(
                    .originMismatch, field: "envelope.origin", "\(sender) may not send as \(envelope.origin)"),
                detail: ["authenticated": .string(sender.rawValue)])
        }
        // 2. Order and duplicates.
        let last = lastOriginSeq[sender] ?? 0
        if envelope.originSeq <= last {
            if let past = lookup(envelope.id) {
                switch past {
                case .accepted(_, let origin) where origin == sender: return .repeatOutcome(past)
                case .rejected(let rejection) where rejection.origin == sender: return .repeatOutcome(past)
                default: break
                }
            }
            return .refuse(
                reportID: envelope.id,
                problem: Problem(
                    .staleOriginSequence, field: "envelope.originSeq",
                    "origin sequence \(envelope.originSeq) was used by another report; the next is \(last + 1)"
                ),
                detail: ["expected": .integer(Int64(last + 1))])
        }
        guard envelope.originSeq == last + 1 else {
            return .refuse(
                reportID: envelope.id,
                problem: Problem(
                    .outOfOrder, field: "envelope.originSeq",
                    "origin sequence \(envelope.originSeq) arrived before \(last + 1)"),
                detail: ["expected": .integer(Int64(last + 1))])
        }
        // From here the origin sequence is the next one: any refusal uses it up.
        func consume(_ problem: Problem) -> SubmitDecision {
            lastOriginSeq[sender] = envelope.originSeq
            return .rejectAndConsume(
                Rejection(
                    reportID: envelope.id, origin: sender, originSeq: envelope.originSeq, problem: problem))
        }
        if let past = lookup(envelope.id) {
            if case .accepted = past {
                return consume(
                    Problem(
                        .staleOriginSequence, field: "envelope.id",
                        "report \(envelope.id) was accepted before"))
            }
        }
        // 3. Signature and content.
        let content: CheckedContent
        switch checked ?? Self.checkContent(report, sender: sender, keys: signingKeys[sender], codec: codec) {
        case .success(let checkedContent): content = checkedContent
        case .failure(let problem): return consume(problem)
        }
        let document = content.document
        // 4. Policy and references.
        var subjectOrigin: OrganisationCode?
        if let subject = document.body.subject, case .accepted(_, let origin)? = lookup(subject) {
            subjectOrigin = origin
        }
        if let problem = AudienceCheck.problem(envelope, registry: policy.registry ?? .installed) {
            return consume(problem)
        }
        if let problem = policy.check(
            document, origin: sender, incidents: incidents, subjectOrigin: subjectOrigin, text: content.text)
        {
            return consume(problem)
        }
        if let problem = signalPolicy.check(
            document, envelope: envelope, sender: sender, kindOf: \.kind, signalEnvelope: signals)
        {
            return consume(problem)
        }
        if let subject = document.body.subject {
            guard case .accepted? = lookup(subject) else {
                return consume(
                    Problem(.unknownReport, field: "subject", "report \(subject) is not in the log"))
            }
        }
        // 5. Accept at the next global sequence.
        lastOriginSeq[sender] = envelope.originSeq
        lastSequence += 1
        WritePolicy.record(document, origin: sender, in: &incidents)
        return .accept(
            Update(sequence: lastSequence, epoch: epoch, committedAt: now, report: report), document: document
        )
    }
}

/// A report whose signature verified and whose document decoded
/// (``Coordinator/checkContent(_:sender:keys:codec:roots:)``): the document, and the text it
/// was read from, which the policy searches for police-internal terms without encoding the
/// document again.
public struct CheckedContent: Sendable {
    public let document: ReportDocument
    public let text: DocumentText
}

extension Coordinator {
    /// The checks of a report that depend only on the report, its sender's signing keys and
    /// the reference data: the signature, and the document its sections make. They are most
    /// of what a decision costs (one Ed25519 verification is about 70 µs here), and they
    /// need no state, so a node can make them for many reports at once on several cores and
    /// hand each result to ``decide(_:sender:now:checked:lookup:)``, which stays in order.
    /// With `roots`, a batch root already verified for the sender is not verified again.
    public static func checkContent(
        _ report: SealedReport, sender: OrganisationCode, keys: SigningKeySet?, codec: DocumentCodec,
        roots: VerifiedRoots? = nil
    ) -> Result<CheckedContent, Problem> {
        guard let keys else {
            return .failure(
                Problem(.badSignature, field: "signature", "no signing key is configured for \(sender)"))
        }
        guard keys.verifies(report, roots: roots) else {
            return .failure(
                Problem(
                    .badSignature, field: "signature", "the signature does not verify with \(sender)'s key"))
        }
        do {
            let (document, text) = try report.documentAndText(codec: codec)
            return .success(CheckedContent(document: document, text: text))
        } catch {
            return .failure(error.first)
        }
    }

    /// Whether a check made ahead can be used for `report` from `sender`: it is the sender's
    /// own and not behind the origin sequence (a resend of a decided report needs no check).
    public func wantsContentCheck(_ report: SealedReport, sender: OrganisationCode) -> Bool {
        report.envelope.origin == sender && report.envelope.originSeq >= nextOriginSeq(for: sender)
    }

    /// A takeover: reports are stamped with the new epoch from now on.
    public mutating func begin(epoch: Epoch) {
        precondition(epoch > self.epoch, "an epoch only rises")
        self.epoch = epoch
    }

    /// As standby: an entry the active committed, copied here in order.
    public mutating func absorb(_ update: Update, document: ReportDocument?) {
        precondition(update.sequence == lastSequence + 1, "replicated entries arrive in order")
        lastSequence = update.sequence
        let origin = update.report.origin
        lastOriginSeq[origin] = max(lastOriginSeq[origin] ?? 0, update.report.envelope.originSeq)
        if let document { WritePolicy.record(document, origin: origin, in: &incidents) }
    }

    /// As standby: a refusal the active committed (it used up an origin sequence).
    public mutating func absorb(_ rejection: Rejection) {
        lastOriginSeq[rejection.origin] = max(lastOriginSeq[rejection.origin] ?? 0, rejection.originSeq)
    }
}
