import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Logging

/// A daemon's settings; every limit has a name and a documented default.
public struct DaemonOptions: Sendable {
    public var organisation: OrganisationCode
    public var folder: DataFolder
    public var network: NetworkConfig
    public var logger: Logger
    public var outbox = OutboxLimits()
    public var mirror = MirrorLimits()
    /// How often the daemon tells the node what it has applied (its liveness).
    public var statusInterval: Duration = .seconds(1)
    /// How often the daemon looks whether network.json changed (another organisation's keys
    /// rotated): the signing keys its mirror verifies with are then read again.
    public var networkCheckInterval: Duration = .seconds(2)
    /// How often the daemon looks for signals whose retention ended and deletes their content
    /// from its store (docs/PROTOCOL.md §14); a scan of the signals in its own view.
    public var signalExpiryInterval: Duration = .seconds(2)
    /// The same body from this organisation within this window is refused (E504) unless the
    /// operator says `--again`: a retry after a timeout must not create a duplicate.
    public var duplicateWindow: Duration = .seconds(60)
    /// Publishers waiting for an answer that the daemon remembers.
    public var maxWaitingPublishers = 10_000
    /// A node counts as gone after this long without a word.
    public var nodeSilence: Duration = FailoverTiming.silence

    public init(organisation: OrganisationCode, folder: DataFolder, network: NetworkConfig, logger: Logger) {
        self.organisation = organisation
        self.folder = folder
        self.network = network
        self.logger = logger
    }

    var role: DaemonRole {
        switch organisation.kind {
        case .safetyRegion: .region
        case .nctv: .nctv
        case .police: .police
        case .national: .desk
        // A partner's daemon is an operational organisation's, as a region's is.
        default: .region
        }
    }
}
