import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// One account of an organisation: who a person is, their role, and whether they may log in.
/// Holds no secret: the password hash and tokens never leave ``PeopleStore``.
public struct Person: Sendable, Hashable {
    /// The login name: lowercase letters, digits, `.`, `_`, `-`; 2 to 32 characters (so the
    /// author, "Full Name (username)", fits the document's 120 characters).
    public var username: String
    public var organisation: OrganisationCode
    /// The person's full name as it appears in the history, the timeline and the audit log.
    public var name: String
    public var role: Role
    public var disabled: Bool
    public var createdAt: Int64
    /// When the password, the role or the disabled flag last changed: sessions opened
    /// before it end.
    public var changedAt: Int64
    public var throttle: LoginThrottle

    /// How reports name this person: "Full Name (username)", unique within the organisation
    /// (the envelope names the organisation).
    public var author: String { "\(name) (\(username))" }

    /// Whether `text` is a valid login name.
    public static func isValidUsername(_ text: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard (2...32).contains(text.count), let first = text.first, first.isLetter || first.isNumber
        else { return false }
        return text.allSatisfy { allowed.contains($0) }
    }

    /// Longest full name, so it fits the document's author field with the user name.
    public static let maxNameLength = 80
}

/// A refusal about a person or their credentials, with a stable code (E800…E808,
/// docs/PROTOCOL.md §7) and a message a person can act on. Never carries a secret.
public struct PeopleError: Error, Sendable, Hashable, CustomStringConvertible {
    public let code: ErrorCode
    public let message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.summary): \(message)" }

    /// The one answer to a wrong user name or a wrong password, so a guess learns nothing
    /// about which accounts exist.
    static let badCredentials = PeopleError(.badCredentials, "unknown user name or wrong password")
}
