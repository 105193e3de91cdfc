import Foundation
import Synchronization
import Testing
import ZeroMQ

@Suite("Poll-loop threads and shutdown")
struct LoopTests {
    @Test("a SocketActor sends through its queue and receives on an AsyncStream")
    func socketActorRoundTrip() async throws {
        let context = ZMQContext()
        let endpoint = "inproc://actor-\(UUID().uuidString)"
        let server = try SocketActor(context: context, type: .router, name: "server", logger: testLogger) {
            try $0.set(.linger(.zero))
            try $0.bind(endpoint)
        }
        let client = try SocketActor(context: context, type: .dealer, name: "client", logger: testLogger) {
            try $0.set([.linger(.zero), .routingId(Array("c1".utf8))])
            try $0.connect(endpoint)
        }
        #expect(client.send(frames("ping", "1")))
        var serverIterator = server.messages.makeAsyncIterator()
        let request = try #require(await serverIterator.next())
        #expect(text(request.frames) == ["c1", "ping", "1"])
        #expect(server.send(frames("c1", "pong")))
        var clientIterator = client.messages.makeAsyncIterator()
        let reply = try #require(await clientIterator.next())
        #expect(text(reply.frames) == ["pong"])
        client.stop()
        server.stop()
        context.terminate()
    }

    @Test("timers fire on the loop thread and work queued with execute runs there")
    func timersAndExecute() throws {
        let context = ZMQContext()
        let loop = PollLoop(name: "timers", context: context, logger: testLogger)
        let ticks = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        try loop.start { loop in
            loop.every(.milliseconds(5)) {
                let count = ticks.withLock { value -> Int in
                    value += 1
                    return value
                }
                if count == 3 { done.signal() }
            }
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        let ran = DispatchSemaphore(value: 0)
        #expect(loop.execute { _ in ran.signal() })
        #expect(ran.wait(timeout: .now() + 10) == .success)
        #expect(loop.shutdown())
        #expect(!loop.execute { _ in })
        context.terminate()
    }

    @Test("shutdown is prompt and messages queued for a live peer arrive within the linger time")
    func shutdownDeliversQueuedMessages() throws {
        let receiverContext = ZMQContext()
        let pull = try ZMQSocket(receiverContext, .pull, name: "pull")
        try pull.set(.linger(.zero))
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint

        let senderContext = ZMQContext()
        let loop = PollLoop(name: "sender", context: senderContext, logger: testLogger)
        try loop.start { loop in
            let push = try loop.socket(.push, name: "push")
            try push.set([.linger(.seconds(2)), .sendHighWaterMark(100_000)])
            try push.connect(endpoint)
            for index in 0..<1_000 { try push.send([Array("m\(index)".utf8)]) }
        }
        // Stop at once: the 1,000 messages are still queued in libzmq when the socket closes.
        let start = ContinuousClock.now
        #expect(loop.shutdown(timeout: .seconds(5)))
        senderContext.terminate()
        #expect(ContinuousClock.now - start < .seconds(5))

        var received = 0
        while received < 1_000, try receive(pull, timeout: .seconds(5)) != nil { received += 1 }
        #expect(received == 1_000)
        pull.close()
        receiverContext.terminate()
    }

    @Test("shutting a context down ends a loop blocked in poll with no timers")
    func contextShutdownEndsLoop() throws {
        let context = ZMQContext()
        let loop = PollLoop(name: "idle", context: context, logger: testLogger)
        try loop.start { loop in
            let sub = try loop.socket(.sub, name: "sub")
            try sub.set(.linger(.zero))
            try sub.connect("tcp://127.0.0.1:1")
            loop.register(sub) { _, _ in }
        }
        context.shutdown()
        #expect(loop.join(timeout: .seconds(5)))
        context.terminate()
    }

    #if DEBUG
        @Test("a socket used from a thread that does not own it fails a precondition")
        func ownershipPrecondition() async {
            await #expect(processExitsWith: .failure) {
                try useSocketFromAnotherThread()
            }
        }
    #endif
}

/// Makes a socket on this thread and binds it from another one.
private func useSocketFromAnotherThread() throws {
    let context = ZMQContext()
    nonisolated(unsafe) let socket = try ZMQSocket(context, .pub, name: "owned")
    let thread = Thread { try? socket.bind("inproc://wrong-thread") }
    thread.start()
    Thread.sleep(forTimeInterval: 5)
}
