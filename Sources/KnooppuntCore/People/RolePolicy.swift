import KnooppuntDomain
import KnooppuntProtocol

/// Which role may do what: one table, no I/O. The write policy (`config/policy.yaml`) says
/// what an *organisation* may publish and the node enforces it; this says what a *person*
/// of that organisation may ask for, and the screens, the API and the CLI enforce it before
/// anything reaches the daemon.
///
/// The roles are deliberately not a ladder: an administrator manages accounts but does not
/// publish or acknowledge, so whoever holds the keys cannot speak for the organisation
/// without a second account that says who they are when they do.
public enum RolePolicy {
    /// The table, role by role. Everyone may view; nothing else is implied.
    static let permitted: [Role: Set<PersonAction>] = [
        .viewer: [.view],
        .operator: [.view, .publishOwn, .giveAcknowledgement, .readSignals],
        // The desk publishes for its own organisation too (the national node's reports).
        .deskOfficer: [
            .view, .publishOwn, .giveNationalAdvice, .requestAcknowledgement, .giveAcknowledgement,
            .handleEscalation, .readSignals,
        ],
        .administrator: [.view, .manageAccounts, .manageKeys, .managePolicy],
    ]

    /// Whether `role` may do `action`.
    public static func allows(_ role: Role, _ action: PersonAction) -> Bool {
        permitted[role, default: []].contains(action)
    }

    /// Nil when `role` may do `action`; otherwise the refusal (E805 roleNotPermitted) naming
    /// the roles that may.
    public static func check(_ role: Role, _ action: PersonAction) -> RoleRefusal? {
        allows(role, action) ? nil : RoleRefusal(role: role, action: action)
    }

    /// What publishing a report of `type` asks of a person, as the daemon checks it: an
    /// acknowledgement needs *give acknowledgements*, a request for them *request
    /// acknowledgements*, every other report *publish*. (Acknowledging an alarm needs *handle
    /// escalations* too; the command that does it checks that, since it alone knows.)
    public static func action(publishing type: ReportType) -> PersonAction {
        switch type {
        case .ack, .signalAck: .giveAcknowledgement
        // Only the daemon makes a read record, for a person it let open the signal.
        case .signalRead: .readSignals
        case .ackRequest: .requestAcknowledgement
        case .incident, .grip, .sitrep, .threat, .measure, .signal, .signalFollowUp: .publishOwn
        }
    }

    /// The roles that may do `action`, in the order of ``Role``.
    public static func roles(allowedTo action: PersonAction) -> [Role] {
        Role.allCases.filter { allows($0, action) }
    }
}

/// A person's role does not allow what they asked: E805 roleNotPermitted, with a message that
/// says which roles may.
public struct RoleRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public let role: Role
    public let action: PersonAction

    public var code: ErrorCode { .roleNotPermitted }

    public var message: String {
        let roles = RolePolicy.roles(allowedTo: action).map(\.title)
        let article = role == .operator || role == .administrator ? "an" : "a"
        return "\(article) \(role.title) may not \(action.phrase); that needs the role "
            + roles.joined(separator: " or ")
    }

    public var description: String { "\(code.summary): \(message)" }
}
