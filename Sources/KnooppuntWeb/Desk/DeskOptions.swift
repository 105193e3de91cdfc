import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import Logging

/// The national desk's settings; every limit has a name and a documented default.
public struct DeskOptions: Sendable {
    public static let defaultPort = 7480

    public var folder: DataFolder
    public var network: NetworkConfig
    public var logger: Logger
    /// Where the desk's HTTP server listens. Loopback unless configured otherwise: the desk
    /// serves no TLS itself; put a TLS proxy in front of it and set ``secureCookies``.
    public var host = "127.0.0.1"
    /// Session and lock-out limits of the desk's logins (docs/PEOPLE.md).
    public var login = LoginLimits()
    /// Marks the session cookie `Secure`: set when the desk is reached over TLS.
    public var secureCookies = false
    public var port = DeskOptions.defaultPort
    /// Opens the desk's own store (its outbox of desk officers' reports). Called once, on the
    /// desk's loop thread, which then owns it.
    public var journal: @Sendable () throws -> any DeskJournal
    public var outbox = OutboxLimits()
    public var mirror = MirrorLimits()
    /// A node replica counts as gone after this long without a word (then the desk follows
    /// the one that says it is active).
    public var selectionSilence: Duration = .seconds(1)
    /// The banner says "unreachable" after this long without a message from the followed node.
    public var unreachableAfter: Duration = .seconds(5)
    /// The picture counts as stale when it stays behind the node's sequence this long.
    public var staleAfter: Duration = .seconds(3)
    /// How often the desk reports its own status to the node and asks the node's control
    /// socket for the liveness board.
    public var statusInterval: Duration = .seconds(1)
    /// Changes are gathered this long before the screens get a new state (at most ten a second).
    public var publishInterval: Duration = .milliseconds(100)
    /// Earlier sitreps, GRIP decisions and threat steps kept (the picture keeps only the latest).
    public var historyLimit = 5_000
    /// Browsers connected to the live stream at once; more are refused.
    public var maxLiveClients = 64
    /// How long a write request waits for the node's answer before it answers "queued".
    public var writeWait: Duration = .seconds(3)
    /// The same body written again within this window is refused (E504) unless `again`.
    public var duplicateWindow: Duration = .seconds(60)
    /// Largest request body accepted by the API.
    public var maxRequestBytes = 64 * 1024

    public init(
        folder: DataFolder, network: NetworkConfig, logger: Logger,
        journal: @escaping @Sendable () throws -> any DeskJournal
    ) {
        self.folder = folder
        self.network = network
        self.logger = logger
        self.journal = journal
    }

    /// `DIR/desk/`: the desk's owner-only folder (store, accounts, lock, log).
    public static func deskFolder(_ folder: DataFolder) -> String {
        folder.root.appendingPathComponent("desk", isDirectory: true).path
    }
}
