import Foundation
import Testing
import ZeroMQ

@Suite("Sockets over tcp loopback")
struct RoundTripTests {
    @Test("PUB/SUB delivers multipart messages to a subscribed prefix only")
    func pubSubMultipart() throws {
        let context = ZMQContext()
        defer { context.terminate() }
        let pub = try ZMQSocket(context, .pub, name: "pub")
        let sub = try ZMQSocket(context, .sub, name: "sub")
        defer {
            pub.close()
            sub.close()
        }
        try pub.set([.linger(.zero)])
        try sub.set([.linger(.zero), .subscribe(Array("news".utf8))])
        try pub.bind("tcp://127.0.0.1:*")
        try sub.connect(try pub.lastEndpoint)

        // A subscription takes a moment to reach the publisher: publish until one arrives.
        var received: Message?
        for _ in 0..<100 where received == nil {
            try pub.send(frames("other", "ignored"))
            try pub.send(frames("news", "part 1", "part 2"))
            received = try receive(sub, timeout: .milliseconds(50))
        }
        let message = try #require(received)
        #expect(text(message.frames) == ["news", "part 1", "part 2"])
    }

    @Test("ROUTER/DEALER carries multipart messages both ways with the routing id")
    func routerDealerMultipart() throws {
        let context = ZMQContext()
        defer { context.terminate() }
        let router = try ZMQSocket(context, .router, name: "router")
        let dealer = try ZMQSocket(context, .dealer, name: "dealer")
        defer {
            router.close()
            dealer.close()
        }
        try router.set(.linger(.zero))
        try dealer.set([.linger(.zero), .routingId(Array("VR09".utf8))])
        try router.bind("tcp://127.0.0.1:*")
        try dealer.connect(try router.lastEndpoint)

        try dealer.send(frames("SUBMIT", "body", ""))
        let request = try #require(try receive(router))
        #expect(text(request.frames) == ["VR09", "SUBMIT", "body", ""])

        try router.send(frames("VR09", "ACK", "42"))
        let reply = try #require(try receive(dealer))
        #expect(text(reply.frames) == ["ACK", "42"])
    }

    @Test("poll returns nothing once its timeout passes")
    func pollTimeout() throws {
        let context = ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context, .pull, name: "pull")
        defer { pull.close() }
        try pull.set(.linger(.zero))
        try pull.bind("tcp://127.0.0.1:*")
        var poller = Poller()
        poller.add(.socket(pull))
        let start = ContinuousClock.now
        let ready = try poller.poll(timeout: .milliseconds(100))
        #expect(ready == [[]])
        // Only the lower bound is certain on a busy machine.
        #expect(ContinuousClock.now - start >= .milliseconds(95))
        #expect(try pull.receive(dontWait: true) == nil)
    }

    @Test("a ROUTER_MANDATORY send to an unknown peer fails with EHOSTUNREACH")
    func routerMandatoryUnknownPeer() throws {
        let context = ZMQContext()
        defer { context.terminate() }
        let router = try ZMQSocket(context, .router, name: "router")
        defer { router.close() }
        try router.set([.linger(.zero), .routerMandatory(true)])
        try router.bind("tcp://127.0.0.1:*")
        #expect {
            try router.send(frames("nobody", "hello"))
        } throws: { error in
            (error as? ZMQError)?.isHostUnreachable == true
        }
    }

    @Test("PUSH/PULL and PAIR round trips; options read back as set")
    func pushPullPairAndOptions() throws {
        let context = ZMQContext()
        defer { context.terminate() }
        let push = try ZMQSocket(context, .push, name: "push")
        let pull = try ZMQSocket(context, .pull, name: "pull")
        let left = try ZMQSocket(context, .pair, name: "left")
        let right = try ZMQSocket(context, .pair, name: "right")
        defer { [push, pull, left, right].forEach { $0.close() } }
        try push.set([.linger(.milliseconds(250)), .sendHighWaterMark(123), .immediate(true)])
        try pull.set([.linger(.zero), .receiveHighWaterMark(77), .maxMessageSize(1 << 20)])
        #expect(try push.lingerMilliseconds == 250)
        #expect(try push.sendHighWaterMark == 123)
        #expect(try pull.receiveHighWaterMark == 77)
        #expect(try pull.maxMessageSize == 1 << 20)

        try pull.bind("ipc:///tmp/knooppunt-test-\(getpid()).ipc")
        try push.connect(try pull.lastEndpoint)
        try push.send(frames("a", "b"))
        #expect(text(try #require(try receive(pull)).frames) == ["a", "b"])

        try left.set(.linger(.zero))
        try right.set(.linger(.zero))
        try left.bind("inproc://pair-test")
        try right.connect("inproc://pair-test")
        try right.send(frames("ping"))
        #expect(text(try #require(try receive(left)).frames) == ["ping"])
    }

    @Test("XPUB sends its welcome message to each new subscriber and sees subscriptions")
    func xpubWelcomeAndSubscriptions() throws {
        let context = ZMQContext()
        defer { context.terminate() }
        let xpub = try ZMQSocket(context, .xpub, name: "xpub")
        let sub = try ZMQSocket(context, .sub, name: "sub")
        defer {
            xpub.close()
            sub.close()
        }
        try xpub.set([.linger(.zero), .xpubNoDrop(true), .xpubWelcomeMessage(Array("WELCOME".utf8))])
        try sub.set([.linger(.zero), .subscribe(Array("WELCOME".utf8)), .subscribe(Array("topic".utf8))])
        try xpub.bind("tcp://127.0.0.1:*")
        try sub.connect(try xpub.lastEndpoint)
        // libzmq attaches the new subscriber (and queues the welcome) when the XPUB socket next
        // processes commands, i.e. when its owner reads or polls it: read the subscriptions first.
        var subscriptions: Set<String> = []
        while subscriptions.count < 2, let message = try receive(xpub) {
            let bytes = message.frames[0]
            if bytes.first == 1 { subscriptions.insert(String(decoding: bytes.dropFirst(), as: UTF8.self)) }
        }
        #expect(subscriptions == ["WELCOME", "topic"])
        #expect(text(try #require(try receive(sub)).frames) == ["WELCOME"])
    }

    @Test("a message with more frames than allowed is marked truncated, not held whole")
    func truncatedMessage() throws {
        let context = ZMQContext()
        defer { context.terminate() }
        let push = try ZMQSocket(context, .push, name: "push")
        let pull = try ZMQSocket(context, .pull, name: "pull")
        defer {
            push.close()
            pull.close()
        }
        try push.set(.linger(.zero))
        try pull.set(.linger(.zero))
        try pull.bind("inproc://truncate")
        try push.connect("inproc://truncate")
        try push.send((0..<10).map { [UInt8($0)] })
        try push.send(frames("next"))
        var poller = Poller()
        poller.add(.socket(pull))
        _ = try poller.poll(timeout: .seconds(5))
        let first = try #require(try pull.receive(maxFrames: 3))
        #expect(first.frames.count == 3)
        #expect(first.truncated)
        #expect(text(try #require(try receive(pull)).frames) == ["next"])
    }
}
