import Foundation
import KnooppuntClient
import KnooppuntDomain
import KnooppuntProtocol
import Logging
import StrictJSON
import Testing
import ZeroMQ

/// A daemon's operator socket played by the test: a ROUTER on its own thread that answers
/// each request with the responses `answer` gives for it.
final class FakeDaemon: @unchecked Sendable {
    let context = ZMQContext()
    let endpoint: String
    private let thread: Thread

    init(answer: @escaping @Sendable (OperatorRequest) -> [OperatorResponse]) throws {
        // TCP loopback: the client has a context of its own, where inproc names do not reach.
        let router = try ZMQSocket(context, .router, name: "fake.daemon")
        try router.set([.linger(.zero)])
        try router.bind("tcp://127.0.0.1:*")
        endpoint = try router.lastEndpoint
        // The socket moves to the daemon's thread and is used only there from then on.
        nonisolated(unsafe) let socket = router
        thread = Thread {
            socket.adoptOwnership()
            var poller = Poller()
            poller.add(.socket(socket))
            while !Thread.current.isCancelled {
                guard let ready = try? poller.poll(timeout: .milliseconds(20)), ready[0].contains(.readable),
                    let message = try? socket.receive(dontWait: true, maxFrames: 3),
                    let parts = message.unpacked(routed: true, maxParts: 8),
                    let request = try? OperatorRequest.decode(parts)
                else { continue }
                for response in answer(request) {
                    _ = try? socket.sendPacked(response.encode(), routing: message.frames[0])
                }
            }
            socket.close()
        }
        thread.start()
    }

    func stop() {
        thread.cancel()
        Thread.sleep(forTimeInterval: 0.1)
    }
}

@Suite("Async operator client")
struct AsyncOperatorClientTests {
    static let id = ReportID("0a1b2c3d-0000-4000-8000-000000000001")!

    @Test func aRequestGetsTheFirstAnswerOfTheKindItExpects() async throws {
        let daemon = try FakeDaemon { request in
            switch request {
            case .status: [.status(["organisation": "VR09"])]
            // A late answer to an earlier PUBLISH comes first: it is not the answer to this one.
            case .publish:
                [.accepted(Self.id, epoch: 1, sequence: 9, degraded: false), .queued(Self.id, originSeq: 3)]
            default: [.error(OperatorRefusal(Problem(.unknownCommand, field: "command", "no")))]
            }
        }
        let client = try AsyncOperatorClient(
            name: "test.operator", endpoint: daemon.endpoint, logger: Logger(label: "test"))
        defer {
            client.stop()
            daemon.stop()
        }
        #expect(
            try await client.request(.status, expect: [OperatorReply.status])
                == .status(["organisation": "VR09"]))
        let queued = try await client.request(
            .publish(document: Array("{}".utf8), options: PublishOptions()),
            expect: [OperatorReply.queued, OperatorReply.error])
        #expect(queued == .queued(Self.id, originSeq: 3))
        let refused = try await client.request(
            .picture, expect: [OperatorReply.picture, OperatorReply.error])
        guard case .error(let refusal) = refused else {
            Issue.record("not refused")
            return
        }
        #expect(refusal.first.code == .unknownCommand)
    }
}
