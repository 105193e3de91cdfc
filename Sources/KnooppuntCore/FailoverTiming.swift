/// How soon the network notices a silent node, in one place: the node's heartbeats and every
/// follower's patience must agree. Silence spans four heartbeats, so a late beat or two on a
/// busy machine does not start a failover; the failover target (median under 1 s, see
/// docs/BENCHMARKS.md) bounds it from above.
public enum FailoverTiming {
    /// A node's HEARTBEAT to every party it serves.
    public static let heartbeat: Duration = .milliseconds(150)
    /// A follower (daemon, desk, watcher) counts a node as gone after this long without a word.
    public static let silence: Duration = .milliseconds(600)
}
