import Foundation
import KnooppuntConfig
import Logging

/// The node's settings; every limit has a name and a documented default.
public struct NodeOptions: Sendable {
    public var folder: DataFolder
    public var network: NetworkConfig
    public var logger: Logger
    /// How often the node sends HEARTBEAT to every party (and HUGZ on the CHP stream).
    public var heartbeatInterval: Duration = .seconds(1)
    /// Most submits committed in one transaction (one fsync).
    public var batchLimit = 2_048
    /// A party at most this far behind catches up from the log; further behind, it gets a snapshot.
    public var catchUpLimit: UInt64 = 10_000
    /// Messages queued for one party before the node stops sending live and catches it up later.
    public var sendHighWaterMark: Int32 = 20_000
    /// Messages queued from one party before libzmq stops reading from it.
    public var receiveHighWaterMark: Int32 = 20_000
    /// Messages sent to one party per pass while it catches up, so others get their turn.
    public var catchUpBurst = 2_000
    /// How long close() waits to hand over messages still queued.
    public var linger: Duration = .seconds(1)

    public init(folder: DataFolder, network: NetworkConfig, logger: Logger) {
        self.folder = folder
        self.network = network
        self.logger = logger
    }
}
