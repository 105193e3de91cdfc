import KnooppuntDomain
import KnooppuntProtocol

/// Which national node a daemon (or the desk, or `watch`) follows among every configured node
/// (one alone, or up to three replicas on etcd): the one whose heartbeats say it is active,
/// the later epoch winning. When none can be heard it waits: etcd alone chooses the active
/// replica, so a follower has nothing to ask for. No I/O: the caller passes in what its
/// connections saw and the clock.
public struct NodeSelection: Sendable {
    public struct NodeState: Sendable {
        public var connected = false
        public var lastHeard: ContinuousClock.Instant?
        public var beat: Heartbeat?
    }

    public private(set) var nodes: [PairRole: NodeState]
    public private(set) var followed: PairRole?
    /// A node counts as gone after this long without a word.
    public let silence: Duration

    public init(roles: [PairRole], silence: Duration) {
        nodes = Dictionary(uniqueKeysWithValues: roles.map { ($0, NodeState()) })
        self.silence = silence
    }

    public mutating func connected(_ role: PairRole, now: ContinuousClock.Instant) {
        nodes[role]?.connected = true
        nodes[role]?.lastHeard = now
    }

    public mutating func disconnected(_ role: PairRole) { nodes[role]?.connected = false }

    /// Anything arrived from `role` (with its heartbeat when it was one).
    public mutating func heard(_ role: PairRole, beat: Heartbeat? = nil, now: ContinuousClock.Instant) {
        nodes[role]?.lastHeard = now
        if let beat { nodes[role]?.beat = beat }
    }

    /// The node answered our HELLO (WELCOME): it serves us. Returns it when that is news.
    public mutating func served(by role: PairRole) -> PairRole? {
        guard followed != role else { return nil }
        followed = role
        return role
    }

    public func isAlive(_ role: PairRole, now: ContinuousClock.Instant) -> Bool {
        guard let node = nodes[role], node.connected, let heard = node.lastHeard else { return false }
        return now - heard < silence
    }

    /// The node to follow now, when that changed (send everything outstanding there and HELLO
    /// for the picture); nil: keep as it is. Call it regularly (every ~100 ms) and after
    /// heartbeats.
    public mutating func decide(now: ContinuousClock.Instant) -> PairRole? {
        let actives = nodes.keys.sorted { $0.rawValue > $1.rawValue }.filter { role in
            isAlive(role, now: now) && [NodeRole.active, .standalone].contains(nodes[role]?.beat?.role)
        }
        func epoch(_ role: PairRole) -> Epoch { nodes[role]?.beat?.epoch ?? 0 }
        if let best = actives.max(by: { epoch($0) < epoch($1) }) {
            let current = followed.flatMap { actives.contains($0) ? $0 : nil }
            if current == nil || (best != current && epoch(best) > epoch(current!)) {
                followed = best
                return best
            }
            return nil
        }
        // A single node that is up serves alone: follow it before its first heartbeat.
        if nodes.count == 1, let only = nodes.keys.first, nodes[only]?.connected == true, followed != only {
            followed = only
            return only
        }
        return nil
    }
}
