import KnooppuntClient
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// A node's answer to STATUS on its control socket, read through ``LocalClient``. Every key
/// the harness reads is read here, so a typed client changes this one place.
public struct NodeStatus {
    public let json: JSONValue

    public init(_ json: JSONValue) { self.json = json }

    /// Asks the node behind `endpoint`; nil when it does not answer within `timeout`.
    public static func ask(_ endpoint: String, timeout: Duration = .milliseconds(700)) -> NodeStatus? {
        (try? LocalClient(endpoint: endpoint).requestJSON("STATUS", timeout: timeout)).map(NodeStatus.init)
    }

    /// Asks the node behind `endpoint`; throws when it does not answer within `timeout`.
    public static func request(_ endpoint: String, timeout: Duration = .seconds(5)) throws -> NodeStatus {
        NodeStatus(try LocalClient(endpoint: endpoint).requestJSON("STATUS", timeout: timeout))
    }

    /// The node that is active (or serving alone) of the network in `folder`.
    public static func active(
        _ folder: DataFolder, _ network: NetworkConfig, timeout: Duration = .milliseconds(700)
    ) -> NodeStatus? {
        activeNodeStatus(folder, network, timeout: timeout).map(NodeStatus.init)
    }

    /// Every node of the network, primary first (nil for a node that does not answer).
    public static func all(
        _ folder: DataFolder, _ network: NetworkConfig, timeout: Duration = .milliseconds(700)
    ) -> [(role: PairRole, status: NodeStatus?)] {
        nodeStatuses(folder, network, timeout: timeout).map { ($0.role, $0.status.map(NodeStatus.init)) }
    }

    /// "active", "standby", "standalone", …
    public var role: String? { json["role"]?.stringValue }
    public var isActive: Bool { ["active", "standalone"].contains(role ?? "") }
    public var epoch: Int64 { json["epoch"]?.integerValue ?? 0 }
    public var lastSequence: Int64? { json["lastSequence"]?.integerValue }
    public var commits: JSONValue? { json["commits"] }
    public var synchronous: JSONValue? { json["synchronous"] }
    /// The standby holds every report the active has.
    public var peerInSync: Bool { json["pair"]?["peerInSync"]?.boolValue == true }
    /// The role this node was configured with ("primary" or "backup").
    public var configuredRole: String? { json["pair"]?["configuredRole"]?.stringValue }
    /// The pair's state of this node ("active", "standby", …).
    public var pairState: String? { json["pair"]?["state"]?.stringValue }
    public var takeoverCount: Int { json["pair"]?["takeovers"]?.arrayValue?.count ?? 0 }

    public func party(_ code: OrganisationCode) -> Party? {
        json["parties"]?[code.rawValue].map(Party.init)
    }

    /// Every listed party applied the node's last sequence and holds its hash for its view.
    public func converged(_ codes: [OrganisationCode]) -> Bool {
        codes.allSatisfy { party($0)?.converged == true }
    }

    /// What the node knows of one daemon.
    public struct Party {
        let json: JSONValue
        public var converged: Bool { json["converged"]?.boolValue == true }
        /// Whether the node has heard this party at all.
        public var heard: Bool { json["applied"] != nil }
        public var applied: Int64 { json["applied"]?.integerValue ?? -1 }
        public var lag: Int64 { json["lag"]?.integerValue ?? -1 }
        public var connected: Bool { json["connected"]?.boolValue ?? false }
        public var viewHash: String { json["viewHash"]?.stringValue ?? "-" }
        public var nodeViewHash: String { json["nodeViewHash"]?.stringValue ?? "-" }
    }
}

/// A daemon's answer to STATUS on its operator socket.
public struct DaemonStatus {
    public let json: JSONValue

    public init(_ json: JSONValue) { self.json = json }

    public static func ask(_ endpoint: String, timeout: Duration = .milliseconds(700)) -> DaemonStatus? {
        (try? LocalClient(endpoint: endpoint).requestJSON("STATUS", timeout: timeout)).map(DaemonStatus.init)
    }

    /// Reports in the outbox not yet acknowledged by the node.
    public var outboxQueued: Int64? { json["outbox"]?["queued"]?.integerValue }
}
