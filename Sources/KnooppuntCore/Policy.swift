import Crypto
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// What the node knows about an incident to enforce the write policy.
public struct IncidentRecord: Sendable, Hashable {
    /// The organisation that first reported the incident.
    public let opener: OrganisationCode
    /// The lead organisation named in its latest incident report.
    public var lead: OrganisationCode

    public init(opener: OrganisationCode, lead: OrganisationCode) {
        self.opener = opener
        self.lead = lead
    }
}

/// Who may write what, and what never leaves the police (docs/PROTOCOL.md §8): the rules of
/// config/policy.yaml, checked at the node on every submit after the report has been decoded
/// and verified.
public struct WritePolicy: Sendable {
    public let rules: [PolicyRule]
    public let policeInternal: PoliceInternalPolicy
    /// SHA-256 of the policy file (hex): what the audit log records when the policy changes.
    public let digest: String
    let reference: ReferenceData
    /// The organisations whose kinds and groups `kind:` and `group:` principals are checked
    /// against: the node sets its network's (``using(_:)``) on its loop, so a check reads no
    /// shared state; nil reads ``OrganisationRegistry/installed`` (command-line tools).
    public private(set) var registry: OrganisationRegistry?
    /// Whether any rule names a kind or a group (only then is the writer's entry looked up).
    let namesMembership: Bool

    /// The policy built into the binary (config/policy.yaml).
    public init() { self = Self.builtIn }

    public static let builtIn: WritePolicy = {
        do {
            // The generated literal drops the file's final newline; put it back so the digest is the file's.
            return try WritePolicy(yaml: Array((EmbeddedPolicy.text + "\n").utf8))
        } catch {
            preconditionFailure("the built-in policy is invalid: \(error)")
        }
    }()

    init(
        rules: [PolicyRule], policeInternal: PoliceInternalPolicy, digest: String,
        reference: ReferenceData = .builtIn
    ) {
        self.rules = rules
        self.policeInternal = policeInternal
        self.digest = digest
        self.reference = reference
        namesMembership = rules.contains { $0.allowed.contains(where: \.isMembership) }
    }

    /// This policy checked against `registry`'s kinds and groups.
    public func using(_ registry: OrganisationRegistry) -> WritePolicy {
        var policy = self
        policy.registry = registry
        return policy
    }

    /// Nil when `origin` may write `document`; otherwise the refusal (E301 or the rule's
    /// code, E302 for a police-internal term, E402 for an incident not in the picture).
    /// - Parameter subjectOrigin: who wrote the report an acknowledgement request is about,
    ///   when the caller knows (rules about it are skipped otherwise).
    /// - Parameter text: the text `document` was decoded from, when the caller has it: the
    ///   police-internal terms are looked for there instead of in the document encoded again.
    public func check(
        _ document: ReportDocument, origin: OrganisationCode, incidents: [String: IncidentRecord],
        subjectOrigin: OrganisationCode? = nil, text: DocumentText? = nil
    ) -> Problem? {
        if let problem = references(document, incidents: incidents) { return problem }
        let incident = document.body.incident.flatMap { incidents[Self.scope(document) + $0.rawValue] }
        var facts = PolicyFacts(
            document, incident: incident, subjectOrigin: subjectOrigin, reference: reference)
        if namesMembership, !facts.subjects.isEmpty {
            facts.writer = (registry ?? .installed).organisation(origin)
        }
        for rule in rules where facts.subjects.contains(rule.writes) {
            let verdicts = rule.allowed.map { $0.admits(origin, facts) }
            // Undecidable here (a fact is unknown) and no principal admits: leave it to the node.
            guard !verdicts.contains(true), !verdicts.contains(nil) else { continue }
            return Problem(
                rule.code, field: Self.field(of: rule.writes, in: document),
                "\(rule.says) (policy rule \(rule.id))")
        }
        let term =
            if let text { policeInternal.search(documentText: text) } else { policeInternal.search(document) }
        if let found = term {
            return Problem(
                .policeInternalTerm, field: found.path,
                "the text carries the police-internal term \"\(found.term)\"; police-internal information stays in the police's own store, so rephrase the text"
            )
        }
        return nil
    }

    /// Integrity rather than permission: reports about an incident need the incident.
    private func references(_ document: ReportDocument, incidents: [String: IncidentRecord]) -> Problem? {
        let scope = Self.scope(document)
        func unknown(_ id: IncidentID) -> Problem? {
            incidents[scope + id.rawValue] == nil
                ? Problem(.unknownIncident, field: "incident", "incident \(id) is not in the picture") : nil
        }
        switch document.body {
        case .grip(let change): return unknown(change.incident)
        case .sitrep(let sitrep): return unknown(sitrep.incident)
        case .measure(let measures): return measures.incident.flatMap(unknown)
        case .incident, .threat, .ackRequest, .ack, .signal, .signalAck, .signalFollowUp, .signalRead:
            return nil
        }
    }

    private static func scope(_ document: ReportDocument) -> String { document.exercise ? "exercise/" : "" }

    private static func field(of subject: PolicySubject, in document: ReportDocument) -> String {
        switch subject {
        case .threat: "type"
        case .grip, .incidentUpdate: "incident"
        case .gripRijk: "level"
        case .measure: "municipality"
        case .adviceNational, .adviceRegional: "communicatie.targetArea"
        case .ackRequest: "subject"
        }
    }

    /// Updates what the node knows about incidents after a report is accepted.
    public static func record(
        _ document: ReportDocument, origin: OrganisationCode, in incidents: inout [String: IncidentRecord]
    ) {
        guard case .incident(let report) = document.body else { return }
        let key = scope(document) + report.id.rawValue
        if var known = incidents[key] {
            known.lead = report.lead.organisation
            incidents[key] = known
        } else {
            incidents[key] = IncidentRecord(opener: origin, lead: report.lead.organisation)
        }
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }
}
