/// Lock-out after repeated failed logins, as a state machine without I/O: the store keeps
/// the state per account, the caller brings the time.
///
/// After ``LoginLimits/maxFailures`` wrong passwords in a row an account is locked for
/// ``LoginLimits/lockout``; a login during the lock-out is refused without checking the
/// password (so guessing goes no faster), a right password afterwards starts afresh.
public struct LoginThrottle: Sendable, Hashable {
    /// Wrong passwords in a row since the last success or lock-out.
    public var failures: Int
    /// Milliseconds since the epoch until which the account is locked (nil: not locked).
    public var lockedUntil: Int64?

    public init(failures: Int = 0, lockedUntil: Int64? = nil) {
        self.failures = failures
        self.lockedUntil = lockedUntil
    }

    /// Whether a login attempt at `now` may check the password at all.
    public func isLocked(at now: Int64) -> Bool {
        guard let lockedUntil else { return false }
        return now < lockedUntil
    }

    /// The state after a wrong password at `now`; locks when the limit is reached.
    public func failed(at now: Int64, limits: LoginLimits) -> LoginThrottle {
        let count = (lockedUntil.map { now >= $0 } ?? false) ? 1 : failures + 1
        guard count >= limits.maxFailures else { return LoginThrottle(failures: count) }
        return LoginThrottle(failures: 0, lockedUntil: now + LoginLimits.milliseconds(limits.lockout))
    }

    /// The state after a right password (or an administrator's reset).
    public static let cleared = LoginThrottle()
}

/// The named limits of logging in; documented in docs/PEOPLE.md.
public struct LoginLimits: Sendable, Hashable {
    /// Wrong passwords in a row that lock an account.
    public var maxFailures = 5
    /// How long a locked account stays locked.
    public var lockout: Duration = .seconds(15 * 60)
    /// A session that sees no request for this long ends (the person logs in again).
    public var idleTimeout: Duration = .seconds(30 * 60)
    /// A session ends after this long whatever happens (one shift and a bit).
    public var maxSessionAge: Duration = .seconds(12 * 3600)
    /// How long a personal API token is valid unless `users token --days` says otherwise.
    public var tokenLifetime: Duration = .seconds(30 * 24 * 3600)
    /// Shortest password accepted.
    public var minPasswordLength = 12

    public init() {}

    /// Whole milliseconds of `duration` (rounded down), the unit of the stores' times.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
