/// What `knooppunt bench` runs: how many publishers, how much load, which deployment.
public struct BenchConfiguration: Sendable {
    public var publishers: Int
    public var window: Int
    public var reports: Int
    public var rate: Int
    public var steadySeconds: Double
    public var incidents: Int
    public var reportBytes: Int
    /// Messages per second the flooding region sends in the flood phase.
    public var floodRate = 20_000
    /// Publishers hand reports to region daemons (operator socket, outbox) instead of the node.
    public var throughDaemons = false
    /// The national node as three replicas on the etcd members at these client URLs (the
    /// primary made active first, so the phases drive it); nil: one node alone.
    public var etcdEndpoints: [String]?

    public init(
        publishers: Int, window: Int, reports: Int, rate: Int, steadySeconds: Double, incidents: Int,
        reportBytes: Int, floodRate: Int = 20_000, throughDaemons: Bool = false
    ) {
        self.publishers = publishers
        self.window = window
        self.reports = reports
        self.rate = rate
        self.steadySeconds = steadySeconds
        self.incidents = incidents
        self.reportBytes = reportBytes
        self.floodRate = floodRate
        self.throughDaemons = throughDaemons
    }
}

/// A benchmark that could not run to its end (a process that did not start, a phase that
/// timed out, a refused report); the message says which.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
