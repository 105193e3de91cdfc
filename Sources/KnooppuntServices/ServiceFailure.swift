/// Why a service stopped: the kind decides the command's exit code (documented in each
/// command's `--help`), the message is what the operator reads.
public struct ServiceFailure: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Hashable {
        /// The input cannot be used (exit 1).
        case invalid
        /// Still queued when the wait ran out: it stays in the outbox (exit 3).
        case queued
        /// Refused by the daemon or the national node (exit 4).
        case rejected
        /// The daemon is not running or does not answer (exit 5).
        case daemonUnreachable
        /// The person is refused: no account, disabled, or a role that may not (exit 6).
        case personRefused
    }

    public let kind: Kind
    /// One or more lines, for standard error.
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Where a service writes its progress lines (the CLI passes standard output).
public typealias LineOutput = (String) -> Void
