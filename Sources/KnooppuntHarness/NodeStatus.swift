import KnooppuntClient
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// The node's STATUS (the typed ``NodeStatus`` of KNP/1) as the harness asks for it and
/// reads it: whether a node serves, whether the parties converged.
extension NodeStatus {
    /// Asks the node behind `endpoint`; nil when it does not answer within `timeout`.
    public static func ask(_ endpoint: String, timeout: Duration = .milliseconds(700)) -> NodeStatus? {
        try? LocalClient(endpoint: endpoint).nodeStatus(timeout: timeout)
    }

    /// Asks the node behind `endpoint`; throws when it does not answer within `timeout`.
    public static func request(_ endpoint: String, timeout: Duration = .seconds(5)) throws -> NodeStatus {
        try LocalClient(endpoint: endpoint).nodeStatus(timeout: timeout)
    }

    /// The node that is active (or serving alone) of the network in `folder`.
    public static func active(
        _ folder: DataFolder, _ network: NetworkConfig, timeout: Duration = .milliseconds(700)
    ) -> NodeStatus? {
        NodeControl.active(folder, network, timeout: timeout)
    }

    /// Every node of the network, primary first (nil for a node that does not answer).
    public static func all(
        _ folder: DataFolder, _ network: NetworkConfig, timeout: Duration = .milliseconds(700)
    ) -> [(role: PairRole, status: NodeStatus?)] {
        NodeControl.statuses(folder, network, timeout: timeout)
    }

    public var isActive: Bool { isServing }

    public func party(_ code: OrganisationCode) -> Party? { parties[code.rawValue] }

    /// Every listed party applied the node's last sequence and holds its hash for its view.
    public func converged(_ codes: [OrganisationCode]) -> Bool {
        codes.allSatisfy { party($0)?.converged == true }
    }
}

extension NodeStatus.Party {
    /// Whether the node has heard this party at all.
    public var heard: Bool { applied != nil }
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
