import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import ZeroMQ

// The node's replicas on etcd under the benchmark: started with the primary active (so the
// phases, which drive the primary's endpoint, measure the active), and the failover probe.
extension NodeBenchmark {
    /// The network's name in etcd's keys for the benchmark.
    static let etcdNetwork = "BENCH"

    func replicaArguments() -> [String] {
        [
            "--etcd", (configuration.etcdEndpoints ?? []).joined(separator: ","), "--etcd-network",
            Self.etcdNetwork,
        ]
    }

    /// The primary alone first, until it is active; then the backup and the third replica.
    func startReplicas() throws {
        let port = LocalNetworkLayout.freeBasePort(standby: true, chp: false, third: true) ?? 0
        network = try folder.prepareLocalNetwork(basePort: port, chp: false, standby: true, third: true)
        try launch(
            LocalNetworkLayout.node(.primary), extra: replicaArguments(), log: folder.nodeFolder,
            name: "node.log")
        try waitFor("the primary replica active", timeout: .seconds(60)) {
            NodeStatus.ask(folder.nodeControlEndpoint, timeout: .milliseconds(500))?.role == "active"
        }
        for role in [PairRole.backup, .third] {
            try launch(
                LocalNetworkLayout.node(role), extra: replicaArguments(), log: folder.folder(of: role),
                name: "node.log")
        }
        try waitFor("the other replicas following", timeout: .seconds(60)) {
            [PairRole.backup, .third].allSatisfy {
                NodeStatus.ask(folder.controlEndpoint(of: $0), timeout: .milliseconds(500))?.role == "passive"
            }
        }
    }

    /// The replica that says it is active now, with its status.
    func activeReplica() -> (role: PairRole, status: NodeStatus)? {
        for role in PairRole.allCases {
            if let status = NodeStatus.ask(folder.controlEndpoint(of: role), timeout: .milliseconds(300)),
                status.role == "active"
            {
                return (role, status)
            }
        }
        return nil
    }

    /// SIGKILLs the active replica and measures until another one ACKs a report (sent again to
    /// every other replica until one ACKs it); then starts the killed one again and waits until
    /// it holds the log. Returns the seconds from the kill to the ACK, and from the restart
    /// until the killed one held the whole log again.
    func killActiveAndTimeFailover(timeout: Duration) throws -> (failover: Double, catchUp: Double) {
        guard let (victim, _) = activeReplica(), let process = processes[victim.rawValue] else {
            throw BenchError("no active replica to kill")
        }
        let client = clients[0]
        let id = ReportID.timeOrdered(at: Timestamp.nowMilliseconds(), using: &random)
        let message = submit(
            sitrepDocument(client.organisation, 2_000_000 + Int(client.originSeq)), id: id, from: client)
        let others = PairRole.allCases.filter { $0 != victim }
        var sockets: [ZMQSocket] = []
        defer { for socket in sockets { socket.close() } }
        for role in others {
            let socket = try ZMQSocket(context, .dealer, name: "bench.failover.\(role.rawValue)")
            try socket.set([
                .linger(.zero), .curvePublicKey(client.secrets.curve.publicKey),
                .curveSecretKey(client.secrets.curve.secretKey), .curveServerKey(network.nodeCurvePublicKey),
            ])
            try socket.connect(network.node(role)!.endpoint)
            sockets.append(socket)
        }
        let start = Self.nanos()
        process.kill9()
        let deadline = ContinuousClock.now + timeout
        let codec = MessageCodec()
        var acked = false
        while !acked {
            guard ContinuousClock.now < deadline else {
                throw BenchError("no replica ACKed within \(timeout) after the active was killed")
            }
            // The same report to each other replica; a passive one refuses it (E502), the new
            // active ACKs it (once: a second copy is answered as already accepted).
            for socket in sockets { try socket.sendPacked(message) }
            let retryAt = ContinuousClock.now + Self.failoverResendInterval
            while !acked, ContinuousClock.now < retryAt {
                for socket in sockets {
                    while let reply = try socket.receive(dontWait: true) {
                        let parts = reply.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) ?? []
                        if case .ack(let ack)? = try? codec.decodeServer(parts), ack.reportID == id {
                            acked = true
                        }
                    }
                }
                Thread.sleep(forTimeInterval: 0.002)
            }
        }
        let seconds = Double(Self.nanos() - start) / 1e9
        process.waitUntilExit()
        try launch(
            LocalNetworkLayout.node(victim), extra: replicaArguments(), log: folder.folder(of: victim),
            name: "node-restarted.log")
        let restarted = Self.nanos()
        try waitFor("the killed replica following again", timeout: Self.catchUpTimeout) {
            guard let active = activeReplica()?.status,
                let status = NodeStatus.ask(folder.controlEndpoint(of: victim), timeout: .milliseconds(500))
            else { return false }
            return status.role == "passive" && status.lastSequence == active.lastSequence
        }
        return (seconds, Double(Self.nanos() - restarted) / 1e9)
    }

    /// How long a restarted replica may take to read and apply the whole log from etcd (a
    /// follower applies entry by entry: tens of thousands of entries take minutes here).
    static let catchUpTimeout: Duration = .seconds(900)

    /// How often the failover probe sends its report again while no replica has ACKed it.
    static let failoverResendInterval: Duration = .milliseconds(50)
}
