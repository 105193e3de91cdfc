import Foundation
import KnooppuntConfig
import StrictJSON

/// How to run chaos against the quorum deployment: three etcd members, three node replicas on
/// them and the daemons.
public struct ChaosOptions: Sendable {
    public var binary: URL
    public var folder: DataFolder
    public var duration: Duration
    public var seed: UInt64
    public var regions: Int = 5
    /// Unanswered reports each organisation keeps in flight.
    public var window: Int = 20
    /// Longest wait for the network to be ready, and to converge after healing.
    public var settleTimeout: Duration = .seconds(90)
    /// Run every process on a host of its own (network namespaces) and cut and heal links.
    public var partitions = false
    /// The kinds of fault to inject; nil: kill, pause and restart, and partition with
    /// `partitions`.
    public var faultKinds: Set<FaultKind>?

    public init(binary: URL, folder: DataFolder, duration: Duration, seed: UInt64) {
        self.binary = binary
        self.folder = folder
        self.duration = duration
        self.seed = seed
    }
}

/// One failover: an attack on the active replica, and the time from the fault to the
/// first ACK in a later epoch.
public struct Failover: Sendable, Equatable {
    /// What was done to the active: a partition that isolates it, a kill, a pause or a restart.
    public var kind: FaultKind
    public var duration: Duration

    public init(kind: FaultKind, duration: Duration) {
        self.kind = kind
        self.duration = duration
    }
}

/// The spread of some failovers: how many, and the fastest, the median and the slowest.
public struct FailoverSpread: Sendable, Equatable {
    public var count: Int
    public var min: Duration
    public var median: Duration
    public var max: Duration

    /// Nil for no failovers. The median of an even count is the upper of the two middle ones.
    public init?(_ durations: [Duration]) {
        guard !durations.isEmpty else { return nil }
        let sorted = durations.sorted()
        count = sorted.count
        min = sorted[0]
        median = sorted[sorted.count / 2]
        max = sorted[sorted.count - 1]
    }

    /// Each kind of fault that caused a failover, with its spread, in `FaultKind`'s order:
    /// the targets are stated per kind (a kill; a partition that isolates the active).
    public static func byKind(_ failovers: [Failover]) -> [(kind: FaultKind, spread: FailoverSpread)] {
        FaultKind.allCases.compactMap { kind in
            FailoverSpread(failovers.filter { $0.kind == kind }.map(\.duration)).map { (kind, $0) }
        }
    }
}

/// What a chaos run found.
public struct ChaosReport: Sendable {
    public var verdict: Verdict
    public var faults: [String]
    public var failovers: [Failover]
    public var acks: Int
    public var degradedAcks: Int
    public var seed: UInt64
    public var duration: Duration

    public func json(rerun: String) -> JSONValue {
        func ms(_ d: Duration) -> JSONValue {
            .integer(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
        }
        func spread(_ spread: FailoverSpread?) -> JSONValue {
            guard let spread else { return .null }
            return [
                "count": .integer(Int64(spread.count)), "min": ms(spread.min),
                "median": ms(spread.median), "max": ms(spread.max),
            ]
        }
        var object = verdict.json.objectValue ?? [:]
        object["seed"] = .integer(Int64(bitPattern: seed))
        object["acks"] = .integer(Int64(acks))
        object["degradedAcks"] = .integer(Int64(degradedAcks))
        object["faults"] = .integer(Int64(faults.count))
        object["faultLog"] = .array(faults.map(JSONValue.string))
        object["failoverMilliseconds"] = spread(FailoverSpread(failovers.map(\.duration)))
        object["failoverMillisecondsByFault"] = .object(
            Dictionary(
                uniqueKeysWithValues: FailoverSpread.byKind(failovers).map {
                    ($0.kind.rawValue, spread($0.spread))
                }
            ))
        object["rerun"] = .string(rerun)
        return .object(object)
    }
}
