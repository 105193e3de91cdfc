import KnooppuntClient
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Logging
import Testing
import ZeroMQ

/// What a follower's owner was told, in order.
final class Recorder: NodeFollowerDelegate {
    var started: [PairRole] = []
    var welcomes: [NodeFollower.Welcome] = []
    var answers: [ServerMessage] = []
    var heartbeats: [(beat: Heartbeat, followed: Bool)] = []
    var rounds = 0

    func nodeFollower(
        _ follower: NodeFollower, startedFollowing link: NodeLink, reason: NodeFollower.FollowReason
    ) { started.append(link.role) }
    func nodeFollower(_ follower: NodeFollower, welcomed: NodeFollower.Welcome, now: ContinuousClock.Instant)
    {
        welcomes.append(welcomed)
    }
    func nodeFollower(_ follower: NodeFollower, answered message: ServerMessage, now: ContinuousClock.Instant)
    {
        answers.append(message)
    }
    func nodeFollower(_ follower: NodeFollower, heartbeat: Heartbeat, from link: NodeLink, followed: Bool) {
        heartbeats.append((heartbeat, followed))
    }
    func nodeFollowerDidServe(_ follower: NodeFollower) { rounds += 1 }
}

/// A national node played by the test over TCP loopback (no CURVE): it reads what the
/// follower sends and answers as the node would.
@Suite("Node follower")
struct NodeFollowerTests {
    final class FakeNode {
        let socket: ZMQSocket
        var peer: [UInt8]?
        var received: [ClientMessage] = []
        let codec = MessageCodec()

        init(_ context: ZMQContext) throws {
            socket = try ZMQSocket(context, .router, name: "fake.node")
            try socket.set([.linger(.zero)])
            try socket.bind("tcp://127.0.0.1:*")
        }

        func read() {
            while let message = try? socket.receive(dontWait: true, maxFrames: 3) {
                guard let parts = message.unpacked(routed: true, maxParts: 32),
                    let decoded = try? codec.decodeClient(parts)
                else { continue }
                peer = message.frames[0]
                received.append(decoded)
            }
        }

        func send(_ message: ServerMessage) throws {
            _ = try socket.sendPacked(MessageCodec.encode(message), routing: peer!)
        }
    }

    /// Serves the follower and the node until `done` or 5 s.
    static func pump(_ follower: NodeFollower, _ node: FakeNode, until done: () -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !done(), ContinuousClock.now < deadline {
            var poller = Poller()
            let sockets = follower.sockets + [node.socket]
            for socket in sockets { poller.add(.socket(socket)) }
            let ready = try poller.poll(timeout: .milliseconds(20))
            for (index, socket) in sockets.enumerated() where ready[index].contains(.readable) {
                if socket === node.socket { node.read() } else { follower.serve(socket) }
            }
            follower.followActive()
        }
    }

    @Test func aFollowerAttachesFollowsTheActiveNodeAndHandsTheNodesAnswersToItsOwner() throws {
        let context = ZMQContext()
        let node = try FakeNode(context)
        let socket = try ZMQSocket(context, .dealer, name: "follower.primary")
        try socket.set([.linger(.zero), .immediate(true)])
        let monitor = try socket.monitor(context: context)
        let endpoint = try node.socket.lastEndpoint
        try socket.connect(endpoint)
        let link = NodeLink(role: .primary, endpoint: endpoint, socket: socket, monitor: monitor)
        let view = View.organisation(OrganisationCode("VR09")!)
        let follower = NodeFollower(
            links: [link], mirror: Mirror(view: view, picture: Picture(views: [view]), verifyingKeys: [:]),
            // Two replicas: without a heartbeat saying active, nobody is followed.
            selection: NodeSelection(roles: [.primary, .backup], silence: .seconds(3)),
            role: .region, logger: Logger(label: "test"), keysHint: "VR09's keys")
        let recorder = Recorder()
        follower.delegate = recorder
        defer {
            socket.close()
            monitor.close()
            node.socket.close()
            context.terminate()
        }

        try Self.pump(follower, node) {
            node.received.contains { if case .attach = $0 { true } else { false } }
        }
        #expect(follower.target == nil)
        #expect(recorder.started.isEmpty)

        try node.send(.heartbeat(Heartbeat(role: .active, epoch: 4, lastSequence: 0, nodeTime: 1)))
        try Self.pump(follower, node) { !recorder.started.isEmpty }
        #expect(recorder.started == [.primary])
        #expect(follower.target === link)
        try Self.pump(follower, node) {
            node.received.contains { if case .hello = $0 { true } else { false } }
        }

        try node.send(.welcome(epoch: 4, lastSequence: 0, nextOriginSeq: 7))
        try Self.pump(follower, node) { !recorder.welcomes.isEmpty }
        #expect(recorder.welcomes.first?.nextOriginSeq == 7)
        // Already followed through its heartbeat: the WELCOME does not start following anew.
        #expect(recorder.welcomes.first?.startsFollowing == false)

        let id = ReportID("0a1b2c3d-0000-4000-8000-000000000001")!
        try node.send(.error(reportID: id, code: .notActive, message: "not active", detail: [:]))
        try node.send(.ack(Ack(reportID: id, epoch: 4, sequence: 1, originSeq: 7)))
        try Self.pump(follower, node) { !recorder.answers.isEmpty }
        // "Not active" is the pair's business, not the outbox's.
        #expect(recorder.answers.count == 1)
        guard case .ack(let ack) = recorder.answers.first else {
            Issue.record("not the ACK")
            return
        }
        #expect(ack.reportID == id)

        follower.sendStatus(outboxBacklog: 2, oldestQueuedMs: 10, wall: 1_000)
        #expect(!follower.statusIsStale)
        try Self.pump(follower, node) {
            node.received.contains { if case .status = $0 { true } else { false } }
        }
        let status = node.received.compactMap { if case .status(let status) = $0 { status } else { nil } }
            .first
        #expect(status?.outboxBacklog == 2)
    }
}
