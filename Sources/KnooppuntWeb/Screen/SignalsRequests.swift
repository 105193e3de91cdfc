import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON

/// The screen's signal requests as documents, checked before they reach the daemon: the same
/// codec the node uses (every problem at its field), then the signal policy (E310–E315), so an
/// operator reads a refusal at once, in the page's words, instead of a rejection later. The node
/// checks again; the screen's check only spares a round trip.
enum SignalsRequests {

    /// What the send form offers `organisation`: the kinds, the asks, the legal bases and, per
    /// organisation the policy lets it send to, which kinds of signal on which bases.
    static func options(
        for organisation: OrganisationCode, policy: SignalPolicy, registry: OrganisationRegistry
    ) -> JSONValue {
        let ownKind = registry.organisation(organisation)?.kind ?? organisation.kind
        let rules = policy.rules.filter { $0.from.contains(ownKind) }
        let recipients: [JSONValue] = registry.organisations.compactMap { candidate in
            guard candidate.code != organisation, candidate.code != .national else { return nil }
            let admitting = rules.filter { $0.to.contains(candidate.kind) }
            guard !admitting.isEmpty else { return nil }
            let kinds = SignalKind.allCases.filter { kind in admitting.contains { $0.kinds.contains(kind) } }
            return [
                "code": .string(candidate.code.rawValue), "name": .string(candidate.name),
                "kind": .string(candidate.kind.rawValue),
                "signalKinds": .array(kinds.map { .string($0.rawValue) }),
                "bases": .array(Set(admitting.flatMap(\.bases)).sorted().map(JSONValue.string)),
            ]
        }
        return [
            "organisation": .string(organisation.rawValue), "organisationKind": .string(ownKind.rawValue),
            "kinds": .array(SignalKind.allCases.map { .string($0.rawValue) }),
            "asked": .array(SignalRequest.allCases.map { .string($0.rawValue) }),
            "outcomes": .array(SignalOutcome.allCases.map { .string($0.rawValue) }),
            "legalBases": .array(
                policy.legalBases.map { ["code": .string($0.code), "description": .string($0.description)] }),
            "recipients": .array(recipients),
            "maximumRetentionDays": .integer(Int64(policy.maximumRetentionDays)),
            "defaultRetentionDays": .integer(Int64(policy.defaultRetentionDays)),
        ]
    }

    /// `{"kind", "person", "assessment", "legalBasis", "recipients": [...], "retentionDays",
    /// "asked", "exercise"?}` as a signal of `organisation` by `author`; a problem of the codec
    /// or the policy as a 422 with its code (E2xx at the field, E310–E315).
    static func send(
        _ body: JSONValue, organisation: OrganisationCode, author: String, id: ReportID, policy: SignalPolicy,
        registry: OrganisationRegistry
    ) throws(APIError) -> ReportDocument {
        var fields = body.objectValue ?? [:]
        for key in fields.keys where !sendFields.contains(key) { fields.removeValue(forKey: key) }
        fields["type"] = "signal"
        fields["from"] = .string(organisation.rawValue)
        fields["id"] = .string(id.rawValue)
        fields["author"] = .string(author)
        if fields["retentionDays"] == nil {
            fields["retentionDays"] = .integer(Int64(policy.defaultRetentionDays))
        }
        let document = try decode(.object(fields))
        guard case .signal(let signal) = document.body else {
            throw APIError(.unprocessableContent, .wrongType, "not a signal")
        }
        if let refusal = refusal(signal, organisation: organisation, policy: policy, registry: registry) {
            throw refusal
        }
        return document
    }

    /// The policy's refusal of `signal` from `organisation` (E315, E311, E310, E312) by the
    /// node's own rules, nil when the node would accept it; the kinds come from `registry`
    /// (network.json). The form sends no retention in seconds, so it is checked as a real
    /// signal.
    static func refusal(
        _ signal: Signal, organisation: OrganisationCode, policy: SignalPolicy, registry: OrganisationRegistry
    ) -> APIError? {
        let kindOf = { (code: OrganisationCode) in registry.organisation(code)?.kind ?? code.kind }
        return policy.check(signal, exercise: false, kindOf: kindOf).map { APIError.invalid(Problems([$0])) }
    }

    /// An acknowledgement of `signal` by `author`, read by exactly the signal's readers.
    static func acknowledge(
        _ body: JSONValue, signal: SignalRecord, author: String, id: ReportID
    ) throws(APIError) -> ReportDocument {
        let note = try note(body)
        return ReportDocument(
            id: id, exercise: signal.record.exercise, author: author,
            body: .signalAck(
                SignalAcknowledgement(
                    subject: signal.record.id, by: author, note: note,
                    classification: .parties(signal.readers))))
    }

    /// `{"outcome", "note"?, "legalBasis"?}`: what the recipient did with `signal`.
    static func followUp(
        _ body: JSONValue, signal: SignalRecord, author: String, id: ReportID, policy: SignalPolicy
    ) throws(APIError) -> ReportDocument {
        guard let text = body["outcome"]?.stringValue, let outcome = SignalOutcome(rawValue: text) else {
            throw APIError.invalid(
                Problems([
                    Problem(
                        .unknownValue, field: "outcome",
                        "one of \(SignalOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
                ]))
        }
        let basis = body["legalBasis"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let basis, policy.basis(basis) == nil {
            throw APIError.invalid(
                Problems([
                    Problem(
                        .unknownLegalBasis, field: "legalBasis",
                        "\(basis) is not a legal basis of the signal policy")
                ]))
        }
        if outcome == .forwarded, basis == nil {
            throw APIError.invalid(
                Problems([
                    Problem(.missingField, field: "legalBasis", "forwarding needs your own legal basis")
                ]))
        }
        return ReportDocument(
            id: id, exercise: signal.record.exercise, author: author,
            body: .signalFollowUp(
                SignalFollowUp(
                    subject: signal.record.id, outcome: outcome, by: author, note: try note(body),
                    legalBasis: basis, classification: .parties(signal.readers))))
    }

    /// What the list shows of a signal on a screen that reads it: who sent it to whom, when,
    /// and each recipient's state; never its content (that is ``OperatorScreen/openSignal``).
    static func listEntry(_ state: SignalState, organisation: OrganisationCode) -> JSONValue {
        var object = state.json.objectValue ?? [:]
        object.removeValue(forKey: "content")
        object["direction"] = .string(state.sender == organisation ? "sent" : "received")
        object["committedAtText"] = .string(AmsterdamTime.text(state.committedAt))
        let own = state.recipients.first { $0.party == organisation }
        object["ownState"] = own.map { .string($0.state.rawValue) } ?? .null
        return .object(object)
    }

    static let sendFields: Set<String> = [
        "kind", "person", "assessment", "legalBasis", "recipients", "retentionDays", "asked", "exercise",
    ]

    /// The longest note on an acknowledgement or follow-up.
    static let maximumNoteCharacters = DocumentLimits.textCharacters

    private static func note(_ body: JSONValue) throws(APIError) -> String? {
        guard let text = body["note"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines),
            !text.isEmpty
        else { return nil }
        guard text.count <= maximumNoteCharacters else {
            throw APIError.invalid(
                Problems([Problem(.tooLong, field: "note", "at most \(maximumNoteCharacters) characters")]))
        }
        return text
    }

    private static func decode(_ document: JSONValue) throws(APIError) -> ReportDocument {
        do {
            return try DocumentCodec().decode(document)
        } catch {
            throw APIError.invalid(error)
        }
    }
}
