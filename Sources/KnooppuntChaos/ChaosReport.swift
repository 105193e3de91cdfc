import Foundation
import KnooppuntConfig
import StrictJSON

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
    /// Attack the quorum deployment: three etcd members and three node replicas on them
    /// (instead of the pair); the checker also holds every ACK against etcd's log.
    public var quorum = false

    public init(binary: URL, folder: DataFolder, duration: Duration, seed: UInt64) {
        self.binary = binary
        self.folder = folder
        self.duration = duration
        self.seed = seed
    }
}

/// What a chaos run found.
public struct ChaosReport: Sendable {
    public var verdict: Verdict
    public var faults: [String]
    public var failovers: [Duration]
    public var acks: Int
    public var degradedAcks: Int
    public var seed: UInt64
    public var duration: Duration

    public func json(rerun: String) -> JSONValue {
        func ms(_ d: Duration) -> JSONValue {
            .integer(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
        }
        let sorted = failovers.sorted()
        var object = verdict.json.objectValue ?? [:]
        object["seed"] = .integer(Int64(bitPattern: seed))
        object["acks"] = .integer(Int64(acks))
        object["degradedAcks"] = .integer(Int64(degradedAcks))
        object["faults"] = .integer(Int64(faults.count))
        object["faultLog"] = .array(faults.map(JSONValue.string))
        object["failoverMilliseconds"] =
            sorted.isEmpty
            ? .null
            : [
                "count": .integer(Int64(sorted.count)), "min": ms(sorted[0]),
                "median": ms(sorted[sorted.count / 2]), "max": ms(sorted[sorted.count - 1]),
            ]
        object["rerun"] = .string(rerun)
        return .object(object)
    }
}
