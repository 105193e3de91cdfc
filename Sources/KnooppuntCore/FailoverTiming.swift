/// How soon the network notices a silent node, in one place: the node's heartbeats and every
/// follower's patience must agree. Silence spans four heartbeats, so a late beat or two on a
/// busy machine does not start a failover; the failover target (median under 1 s, see
/// docs/BENCHMARKS.md) bounds it from above.
public enum FailoverTiming {
    /// A node's HEARTBEAT to every party it serves.
    public static let heartbeat: Duration = .milliseconds(150)
    /// A follower (daemon, desk, watcher) counts a node as gone after this long without a word.
    public static let silence: Duration = .milliseconds(600)
    /// While no active node can be heard, a follower asks each node to take over this often.
    public static let voteInterval: Duration = .milliseconds(200)
    /// The two nodes of a pair tell each other their state this often.
    public static let pairBeat: Duration = .milliseconds(100)
    /// A node stops believing its peer is alive after this long without its beat.
    public static let peerTimeout: Duration = .milliseconds(600)
}
