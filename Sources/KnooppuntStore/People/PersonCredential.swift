import KnooppuntProtocol
import StrictJSON

/// What a process hands its organisation's daemon to say which person it acts for: a
/// personal API token (`knooppunt users token`), or the id of a session opened by a login
/// (a screen's, or `--user` on the command line). The daemon looks either up in the
/// organisation's own accounts; it never trusts a name it is told.
///
/// It is a secret: `description` never shows it, and it travels only over the daemon's
/// owner-only operator socket.
public enum PersonCredential: Sendable, Hashable, CustomStringConvertible {
    case token(String)
    case session(String)

    /// `{"token": "kpt_…"}` or `{"session": "…"}`, as the PUBLISH options carry it.
    public var json: JSONValue {
        switch self {
        case .token(let token): ["token": .string(token)]
        case .session(let id): ["session": .string(id)]
        }
    }

    /// Reads ``json``; nil for anything else.
    public init?(json: JSONValue?) {
        if let token = json?["token"]?.stringValue, !token.isEmpty {
            self = .token(token)
        } else if let id = json?["session"]?.stringValue, !id.isEmpty {
            self = .session(id)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .token: "personal token (hidden)"
        case .session: "session (hidden)"
        }
    }
}

extension PeopleStore {
    /// The person behind `credential` at `now`: E800 notSignedIn, E803 accountDisabled or
    /// E804 sessionExpired when there is none.
    public func authenticate(_ credential: PersonCredential, now: Int64) throws -> Result<Person, PeopleError>
    {
        switch credential {
        case .token(let token): try authenticate(token: token, now: now)
        case .session(let id): try session(id, now: now)
        }
    }
}
