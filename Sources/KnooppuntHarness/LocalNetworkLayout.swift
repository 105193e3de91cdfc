import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol

/// Which processes a local network has and which ports its nodes use: the node (or its replicas),
/// the daemons of NCTV, the police and N safety regions, each named as the harness names it
/// (`primary`, `backup`, `VR09`, …) with the `knooppunt` command that runs it.
public struct LocalNetworkLayout: Sendable {
    public struct Member: Sendable, Equatable {
        public let name: String
        /// The command and its own options (without `--dir` and the log level).
        public let arguments: [String]
    }

    public let regions: [OrganisationCode]
    public let standby: Bool
    /// A third node: the national node as three replicas on etcd (needs `standby`).
    public let third: Bool

    /// The first `regions` safety regions (VR01, VR02, …).
    public init(regions count: Int, standby: Bool, third: Bool = false) {
        self.init(
            regions: Array(OrganisationCode.safetyRegions.prefix(count)), standby: standby, third: third)
    }

    public init(regions: [OrganisationCode], standby: Bool, third: Bool = false) {
        precondition(!third || standby, "a third replica needs a backup")
        self.regions = regions
        self.standby = standby
        self.third = third
    }

    public var roles: [PairRole] {
        standby ? (third ? [.primary, .backup, .third] : [.primary, .backup]) : [.primary]
    }

    /// Every daemon: the regions, then NCTV and the police.
    public var daemons: [OrganisationCode] { regions + [.nctv, .police] }

    public var nodes: [Member] { roles.map(Self.node) }

    /// The nodes first, then the daemons.
    public var members: [Member] { nodes + daemons.map(Self.daemon) }

    public static func node(_ role: PairRole) -> Member {
        Member(name: role.rawValue, arguments: ["node", "--role", role.rawValue])
    }

    /// The command that runs an organisation's daemon: `nctv`, `police`, `region VRnn` or, for
    /// a partner, `daemon --org CODE`.
    public static func daemon(_ code: OrganisationCode) -> Member {
        Member(name: code.rawValue, arguments: daemonArguments(code))
    }

    public static func daemonArguments(_ code: OrganisationCode) -> [String] {
        switch code.kind {
        case .nctv: ["nctv"]
        case .police: ["police"]
        default: code.isReference ? ["region", code.rawValue] : ["daemon", "--org", code.rawValue]
        }
    }

    /// The offsets from the base port the nodes listen on (NodeAddress.local): the node on +2,
    /// +3 kept free (the retired pair link's), the CHP picture on +0 and +1; the backup the same +10, a third
    /// replica the same +20.
    public static func portOffsets(standby: Bool, chp: Bool, third: Bool = false) -> [Int] {
        let node = chp ? [0, 1, 2, 3] : [2, 3]
        guard standby else { return node }
        let backup = node.map { $0 + NetworkConfig.backupPortOffset }
        return node + backup + (third ? node.map { $0 + NetworkConfig.thirdPortOffset } : [])
    }

    /// A base port where every port of such a network is free (nil when none was found).
    public static func freeBasePort(standby: Bool, chp: Bool, third: Bool = false) -> Int? {
        FreePorts.base(offsets: portOffsets(standby: standby, chp: chp, third: third))
    }
}
