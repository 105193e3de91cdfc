import StrictJSON
import Synchronization

/// Which build serves: set once by the executable at start (release, commit, build date,
/// protocol) and shown by `/healthz`, so a poller can tell which version runs where.
public enum BuildIdentity {
    private static let value = Mutex<JSONValue>(["release": "unknown"])

    public static var current: JSONValue { value.withLock { $0 } }

    public static func set(_ identity: JSONValue) { value.withLock { $0 = identity } }
}
