import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON
import Testing
import ZeroMQ

/// The findings of a client written from docs/PROTOCOL.md alone (issue 20), settled against a
/// real node: each answer a client relies on, as the document states it.
extension SystemTests {
    /// A client as PROTOCOL.md describes one: VR09's keys, a DEALER, packed frames.
    private struct FindingsClient {
        let raw: RawClient
        let secrets: OrganisationSecrets
        let codec = DocumentCodec()
        var random = SystemRandomNumberGenerator()

        init(_ net: TestNetwork, _ code: OrganisationCode) throws {
            secrets = try OrganisationSecrets.load(from: net.folder.keyFile(code))
            raw = try RawClient(
                endpoint: net.network.primary.endpoint, serverKey: net.network.nodeCurvePublicKey,
                keys: secrets.curve)
        }

        mutating func seal(
            _ json: JSONValue, origin: OrganisationCode, originSeq: UInt64
        ) throws -> SealedReport {
            SealedReport.seal(
                try codec.decode(json), id: ReportID.random(using: &random), origin: origin,
                originSeq: originSeq,
                created: Timestamp(rfc3339: "2026-11-30T10:00:00+01:00")!, signingKey: secrets.signing,
                codec: codec, random: &random)
        }

        /// Sends parts as one packed frame (envelope bytes as given, re-signed when asked).
        func submit(envelope: [UInt8], signature: [UInt8]? = nil, sections: [[UInt8]]) throws {
            let signature = signature ?? secrets.signing.sign(envelope)
            _ = try raw.socket.sendPacked(
                [protocolSignature, Array("SUBMIT".utf8), envelope, signature] + sections)
        }

        /// The first ERROR or ACK within a few seconds.
        func answer() throws -> ServerMessage? {
            try raw.answers(within: .seconds(2)).first {
                switch $0 {
                case .error, .ack: true
                default: false
                }
            }
        }
    }

    @Test(
        "protocol findings: FETCH before HELLO is answered E106; WELCOME gives the next origin sequence; whole-message refusals name the report and keep its origin sequence; envelope fields are named by their full path"
    )
    func protocolFindings() throws {
        let net = try TestNetwork(name: "findings")
        defer { net.removeFolder() }
        try net.startNode()
        let vr09 = OrganisationCode("VR09")!
        var client = try FindingsClient(net, vr09)

        // Finding 7: a FETCH before HELLO gets an answer instead of silence.
        try client.raw.send(.fetch(from: 1, to: 5))
        #expect(try client.raw.answers(within: .seconds(2)).compactMap(\.errorCode) == [.helloFirst])

        // Finding 9: HELLO from nothing (applied 0, epoch 0) answers WELCOME with the next origin sequence.
        try client.raw.send(.hello(applied: 0, epoch: 0, role: .region))
        let welcome = try client.raw.answers(within: .seconds(2)).compactMap { answer -> UInt64? in
            if case .welcome(_, _, let next, _) = answer { return next }
            return nil
        }
        #expect(welcome == [1])

        // Finding 1: a sitrep about an incident the picture lacks is E402; it uses up origin sequence 1.
        let orphan = try client.seal(Documents.sitrep("VR09-NOPE-1", 0), origin: vr09, originSeq: 1)
        try client.raw.send(.submit(orphan))
        let e402 = try client.answer()
        #expect(e402?.verdict == verdict(.unknownIncident, orphan.id))

        // Finding 6: refusals of a whole message name the report and leave origin sequence 2 unused.
        let sitrep = try client.seal(Documents.sitrep("VR09-NOPE-1", 1), origin: vr09, originSeq: 2)
        var tampered = sitrep.sections.map { $0 ?? [] }
        tampered[0] = Array("{\"text\":\"anders\"}".utf8)
        try client.submit(envelope: sitrep.envelopeBytes, signature: sitrep.signature, sections: tampered)
        #expect(try client.answer()?.verdict == verdict(.digestMismatch, sitrep.id))

        try client.submit(envelope: sitrep.envelopeBytes, signature: sitrep.signature, sections: [])
        #expect(try client.answer()?.verdict == verdict(.wrongFrameCount, sitrep.id))

        guard case .object(var extra) = sitrep.envelope.json else { return }
        extra["colour"] = "red"
        try client.submit(envelope: JSONWriter.canonical(.object(extra)), sections: tampered)
        let e204 = try client.answer()
        #expect(e204?.verdict == verdict(.unknownField, sitrep.id))
        #expect(e204?.detail?["field"]?.stringValue == "envelope.colour")

        // E300 names it too.
        let spoofed = try client.seal(Documents.sitrep("VR09-NOPE-1", 2), origin: .nctv, originSeq: 2)
        try client.raw.send(.submit(spoofed))
        #expect(try client.answer()?.verdict == verdict(.originMismatch, spoofed.id))

        // Finding 4: a sitrep without meta.confidence is E203 at `envelope.meta.confidence`; it
        // is the next origin sequence (2, unused so far), so it uses it up.
        var envelope = sitrep.envelope
        envelope.meta.removeValue(forKey: "confidence")
        try client.submit(envelope: envelope.canonicalBytes, sections: sitrep.sections.map { $0 ?? [] })
        let e203 = try client.answer()
        #expect(e203?.verdict == verdict(.missingField, sitrep.id))
        #expect(e203?.detail?["field"]?.stringValue == "envelope.meta.confidence")

        // Origin sequence 3 is next: the incident first, then its sitrep is accepted.
        let incident = try client.seal(Documents.incident(vr09, "VR09-FIND-1"), origin: vr09, originSeq: 3)
        try client.raw.send(.submit(incident))
        #expect(try client.answer()?.verdict == verdict(nil, incident.id))
        let follow = try client.seal(Documents.sitrep("VR09-FIND-1", 3), origin: vr09, originSeq: 4)
        try client.raw.send(.submit(follow))
        #expect(try client.answer()?.verdict == verdict(nil, follow.id))

        // Finding 5: the node does not require canonical bytes. An envelope with spaces is
        // accepted and forwarded byte for byte, so every receiver verifies what was signed.
        let spaced = try client.seal(Documents.sitrep("VR09-FIND-1", 4), origin: vr09, originSeq: 5)
        let loose = Array(
            String(decoding: spaced.envelopeBytes, as: UTF8.self).replacing(",\"", with: ", \"").utf8)
        #expect(loose != spaced.envelopeBytes)
        try client.submit(envelope: loose, sections: spaced.sections.map { $0 ?? [] })
        let answers = try client.raw.answers(within: .seconds(2))
        #expect(answers.contains { $0.verdict == verdict(nil, spaced.id) })
        #expect(
            answers.contains {
                if case .update(let update) = $0 { return update.report.envelopeBytes == loose }
                return false
            })
        net.stopAll()
    }

    @Test(
        "protocol findings: a second connection with a routing id in use is dropped by the ROUTER without a word; one without a routing id is served"
    )
    func routingIDsMustBeUnique() throws {
        let net = try TestNetwork(name: "findings-routing")
        defer { net.removeFolder() }
        try net.startNode()
        let secrets = try OrganisationSecrets.load(from: net.folder.keyFile(OrganisationCode("VR09")!))
        let context = ZMQContext()
        defer { context.terminate() }
        func connect(_ routingID: String?) throws -> ZMQSocket {
            let socket = try ZMQSocket(context, .dealer, name: "findings")
            var options: [SocketOption] = [
                .linger(.zero), .curveServerKey(net.network.nodeCurvePublicKey),
                .curvePublicKey(secrets.curve.publicKey), .curveSecretKey(secrets.curve.secretKey),
            ]
            if let routingID { options.append(.routingId(Array(routingID.utf8))) }
            try socket.set(options)
            try socket.connect(net.network.primary.endpoint)
            return socket
        }
        /// Whether a HELLO on `socket` is answered with WELCOME.
        func welcomed(_ socket: ZMQSocket) throws -> Bool {
            _ = try socket.sendPacked(MessageCodec.encode(.hello(applied: 0, epoch: 0, role: .watch)))
            let deadline = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < deadline {
                var poller = Poller()
                poller.add(.socket(socket))
                _ = try poller.poll(timeout: .milliseconds(50))
                while let message = try socket.receive(dontWait: true) {
                    if let parts = message.unpacked(routed: false, maxParts: 64),
                        case .welcome? = try? MessageCodec().decodeServer(parts)
                    {
                        return true
                    }
                }
            }
            return false
        }
        let first = try connect("VR09-findings")
        defer { first.close() }
        #expect(try welcomed(first))
        let second = try connect("VR09-findings")
        defer { second.close() }
        #expect(try !welcomed(second), "the ROUTER served a second connection with a routing id in use")
        let anonymous = try connect(nil)
        defer { anonymous.close() }
        #expect(try welcomed(anonymous))
        net.stopAll()
    }

    @Test("protocol findings: a rate-limited SUBMIT (E500) names its report")
    func rateLimitNamesReport() throws {
        let net = try TestNetwork(name: "findings-rate")
        defer { net.removeFolder() }
        net.nodeArguments = ["--peer-message-rate", "5", "--peer-message-burst", "5"]
        try net.startNode()
        var client = try FindingsClient(net, OrganisationCode("VR09")!)
        let report = try client.seal(
            Documents.incident(OrganisationCode("VR09")!, "VR09-RATE-1"), origin: OrganisationCode("VR09")!,
            originSeq: 1)
        for _ in 0..<50 { try client.raw.send(.submit(report)) }
        let limited = try client.raw.answers(within: .seconds(2)).filter { $0.errorCode == .rateLimited }
        #expect(!limited.isEmpty)
        #expect(limited.allSatisfy { $0.reportID == report.id })
        net.stopAll()
    }

    @Test(
        "protocol findings: a node whose send high-water mark cannot hold a window of ACKs refuses to start")
    func nodeRefusesSmallSendQueue() throws {
        let net = try TestNetwork(name: "findings-hwm")
        defer { net.removeFolder() }
        let run = try runKnooppunt(
            LocalNetworkLayout.node(.primary).arguments + [
                "--dir", net.root.path, "--send-high-water-mark", "50",
            ],
            timeout: 30)
        #expect(run.status != 0)
        #expect((run.out + run.err).contains("--send-high-water-mark"), "\(run.out) \(run.err)")
    }
}

private func verdict(_ code: ErrorCode?, _ id: ReportID) -> String {
    "\(code.map(\.label) ?? "ACK") \(id.rawValue)"
}

extension ServerMessage {
    fileprivate var reportID: ReportID? {
        switch self {
        case .error(let id, _, _, _): id
        case .ack(let ack): ack.reportID
        default: nil
        }
    }
    /// "E217 <report id>", or "ACK <report id>": what a client reads first from an answer.
    fileprivate var verdict: String {
        "\(errorCode.map(\.label) ?? "ACK") \(reportID?.rawValue ?? "-")"
    }
    fileprivate var detail: JSONValue? {
        if case .error(_, _, _, let detail) = self { return detail }
        return nil
    }
}
