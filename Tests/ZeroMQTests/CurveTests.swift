import Synchronization
import Testing
import ZeroMQ

@Suite("CURVE encryption and ZAP authentication")
struct CurveTests {
    /// A CURVE ROUTER server on tcp loopback with a ZAP handler in the same context.
    final class Server {
        let context = ZMQContext()
        let keys: CurveKeyPair
        let router: ZMQSocket
        let monitor: ZMQSocket
        let zap: ZAPHandler
        let endpoint: String
        let refusals = RefusalLog()

        init(allow: [String: ZAPEntry]) throws {
            keys = try CurveKeyPair.generate()
            zap = try ZAPHandler(context: context, logger: testLogger, allowlist: allow) {
                [refusals] refusal in
                refusals.items.withLock { $0.append(refusal) }
            }
            router = try ZMQSocket(context, .router, name: "server")
            try router.set([
                .linger(.zero), .curveServer(true), .curveSecretKey(keys.secretKey), .zapDomain("submit"),
            ])
            monitor = try router.monitor(context: context)
            try router.bind("tcp://127.0.0.1:*")
            endpoint = try router.lastEndpoint
        }

        func client(_ keys: CurveKeyPair, serverKey: String? = nil) throws -> ZMQSocket {
            let dealer = try ZMQSocket(context, .dealer, name: "client")
            try dealer.set([
                .linger(.zero), .curvePublicKey(keys.publicKey), .curveSecretKey(keys.secretKey),
                .curveServerKey(serverKey ?? self.keys.publicKey),
            ])
            try dealer.connect(endpoint)
            return dealer
        }

        /// Waits for a monitor event of `kind`; nil when none came within `timeout`.
        func awaitEvent(_ kind: MonitorEvent.Kind, timeout: Duration = .seconds(5)) throws -> MonitorEvent? {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                guard let message = try receive(monitor, timeout: ContinuousClock.now.duration(to: deadline))
                else {
                    return nil
                }
                let event = MonitorEvent.decode(message)
                if event.kind == kind { return event }
            }
            return nil
        }

        func close(_ sockets: ZMQSocket...) {
            for socket in sockets { socket.close() }
            router.close()
            monitor.close()
            zap.stop()
            context.terminate()
        }
    }

    @Test("an allowlisted client is admitted and its messages carry its User-Id and Peer-Address")
    func allowlistedClientHasUserId() throws {
        let clientKeys = try CurveKeyPair.generate()
        let server = try Server(allow: [clientKeys.publicKey: ZAPEntry(identity: "VR09")])
        let client = try server.client(clientKeys)
        defer { server.close(client) }

        try client.send(frames("hello"))
        let message = try #require(try receive(server.router))
        #expect(text(Array(message.frames.dropFirst())) == ["hello"])
        #expect(message.userId == "VR09")
        #expect(message.peerAddress == "127.0.0.1")
        #expect(try server.awaitEvent(.handshakeSucceeded) != nil)
    }

    @Test("an unknown key is refused: nothing is delivered and the monitor reports the failed handshake")
    func unknownKeyRefused() throws {
        let allowed = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        let server = try Server(allow: [allowed.publicKey: ZAPEntry(identity: "VR09")])
        let client = try server.client(stranger)
        defer { server.close(client) }

        try client.send(frames("let me in"))
        let failure = try #require(try server.awaitEvent(.handshakeFailedAuth))
        #expect(failure.value == 400)
        #expect(try receive(server.router, timeout: .milliseconds(300)) == nil)
        let refusal = try #require(server.refusals.items.withLock { $0.first })
        #expect(refusal.publicKey == stranger.publicKey)
        #expect(refusal.peerAddress == "127.0.0.1")
        #expect(server.zap.refusals >= 1)
    }

    @Test("a key admitted only on another ZAP domain is refused on this one")
    func domainRestriction() throws {
        let clientKeys = try CurveKeyPair.generate()
        let server = try Server(allow: [clientKeys.publicKey: ZAPEntry(identity: "VR09", domains: ["stream"])]
        )
        let client = try server.client(clientKeys)
        defer { server.close(client) }
        try client.send(frames("hello"))
        #expect(try server.awaitEvent(.handshakeFailedAuth) != nil)
        #expect(try receive(server.router, timeout: .milliseconds(300)) == nil)
    }

    @Test("a client holding the wrong server key gets nothing and delivers nothing")
    func wrongServerKey() throws {
        let clientKeys = try CurveKeyPair.generate()
        let impostor = try CurveKeyPair.generate()
        let server = try Server(allow: [clientKeys.publicKey: ZAPEntry(identity: "VR09")])
        let client = try server.client(clientKeys, serverKey: impostor.publicKey)
        defer { server.close(client) }
        try client.send(frames("hello"))
        #expect(try receive(server.router, timeout: .milliseconds(500)) == nil)
        #expect(try client.receive(dontWait: true) == nil)
    }

    @Test("Z85 round trip and key derivation")
    func z85() throws {
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.count == 40)
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        let bytes = pair.publicKeyBytes
        #expect(bytes.count == 32)
        #expect(Z85.encode(bytes) == pair.publicKey)
        #expect(Z85.decode("not z85 ~~~") == nil)
        #expect(Z85.encode([1, 2, 3]) == nil)
    }
}

final class RefusalLog: Sendable {
    let items = Mutex<[ZAPRefusal]>([])
}
