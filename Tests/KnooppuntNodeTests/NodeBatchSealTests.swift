import Foundation
import FramePacking
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntNode
import KnooppuntProtocol
import Logging
import Testing
import ZeroMQ

/// The national node in this process, on real CURVE sockets and a real store: reports sealed
/// in batches are accepted, a wrong proof is refused as a bad signature (E218), and a root
/// one origin signed is never taken for another's.
@Suite("Batch seals at the node", .serialized)
struct NodeBatchSealTests {
    /// A node and one publisher's connection to it.
    final class Setup {
        let root: URL
        let folder: DataFolder
        let network: NetworkConfig
        let node: NodeServer
        let context = ZMQContext()
        var sockets: [OrganisationCode: ZMQSocket] = [:]
        var random = SystemRandomNumberGenerator()
        var originSeq: [OrganisationCode: UInt64] = [:]

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "knooppunt-batchseal-\(UUID().uuidString)")
            folder = DataFolder(root.path)
            let base = try #require(LocalNetworkLayout.freeBasePort(standby: false, chp: false))
            network = try folder.prepareLocalNetwork(basePort: base, chp: false)
            node = try NodeServer(
                options: NodeOptions(folder: folder, network: network, logger: Logger(label: "node")))
            try node.start()
            let serving = Readiness.wait(timeout: .seconds(30), interval: .milliseconds(50)) {
                NodeStatus.ask(folder.nodeControlEndpoint)?.isServing == true
            }
            #expect(serving, "the node did not start serving")
        }

        deinit {
            for socket in sockets.values { socket.close() }
            node.stop()
            try? FileManager.default.removeItem(at: root)
        }

        func secrets(_ organisation: OrganisationCode) throws -> OrganisationSecrets {
            try OrganisationSecrets.load(from: folder.keyFile(organisation))
        }

        func socket(_ organisation: OrganisationCode) throws -> ZMQSocket {
            if let socket = sockets[organisation] { return socket }
            let secrets = try secrets(organisation)
            let socket = try ZMQSocket(context, .dealer, name: "test.\(organisation)")
            try socket.set([
                .linger(.zero), .maxMessageSize(WireLimits.maxMessageBytes),
                .curvePublicKey(secrets.curve.publicKey), .curveSecretKey(secrets.curve.secretKey),
                .curveServerKey(network.nodeCurvePublicKey),
            ])
            try socket.connect(network.nodeEndpoint)
            sockets[organisation] = socket
            return socket
        }

        /// `count` unsigned incident reports of `organisation`, with its next origin sequences.
        func incidents(_ organisation: OrganisationCode, _ count: Int) -> [SealedReport] {
            let municipality = ReferenceData.builtIn.municipalities.values.first {
                $0.region == organisation
            }!.code
            return (0..<count).map { _ in
                let next = (originSeq[organisation] ?? 0) + 1
                originSeq[organisation] = next
                let document = ReportDocument(
                    body: .incident(
                        Incident(
                            id: IncidentID("\(organisation)-SEAL-\(next)")!, title: "Incident \(next)",
                            kind: .other,
                            location: IncidentLocation(municipality: municipality),
                            startedAt: Timestamp(millisecondsSinceEpoch: 1_764_490_000_000),
                            lead: LeadAuthority(organisation: organisation, function: "Operationeel leider"),
                            classification: .partners)))
                return SealedReport.unsigned(
                    document, id: ReportID.random(using: &random), origin: organisation, originSeq: next,
                    created: Timestamp.now(), codec: DocumentCodec(), random: &random)
            }
        }

        /// Sends `reports` from `organisation` in one go and returns each one's answer, in order:
        /// nil for an ACK, the error code otherwise.
        func submit(_ reports: [SealedReport], from organisation: OrganisationCode) throws -> [ErrorCode?] {
            let socket = try socket(organisation)
            for report in reports { _ = try socket.sendPacked(MessageCodec.encode(.submit(report))) }
            var answers: [ReportID: ErrorCode?] = [:]
            var poller = Poller()
            _ = poller.add(.socket(socket))
            let codec = MessageCodec()
            let deadline = ContinuousClock.now + .seconds(60)
            while answers.count < reports.count, ContinuousClock.now < deadline {
                _ = try poller.poll(timeout: .milliseconds(100))
                while let message = try socket.receive(dontWait: true) {
                    guard let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1)
                    else {
                        continue
                    }
                    switch try? codec.decodeServer(parts) {
                    case .ack(let ack)?: answers[ack.reportID] = .some(nil)
                    case .error(let id?, let code, _, _)?: answers[id] = .some(code)
                    default: break
                    }
                }
            }
            #expect(answers.count == reports.count, "the node answered \(answers.count) of \(reports.count)")
            return reports.map { answers[$0.id] ?? .some(.storageFailure) }
        }
    }

    static let vr09 = OrganisationCode("VR09")!
    static let vr10 = OrganisationCode("VR10")!

    @Test("a batch under one signature is accepted; a report with a wrong proof is refused with E218")
    func batchesAndWrongProofs() throws {
        let setup = try Setup()
        let key = try setup.secrets(Self.vr09).signing
        let first = BatchSeal.seal(setup.incidents(Self.vr09, 8), with: key)
        #expect(first.allSatisfy { $0.signature.count != 64 }, "sealed as one batch")
        #expect(try setup.submit(first, from: Self.vr09) == Array(repeating: nil, count: 8))

        // The root of this batch is verified once the first report is in; a changed sibling
        // hash in the second report's proof must still be refused, as a bad signature is.
        var second = BatchSeal.seal(setup.incidents(Self.vr09, 3), with: key)
        var frame = second[1].signature
        frame[frame.count - 1] ^= 0x01
        second[1] = try SealedReport.decode(
            envelope: second[1].envelopeBytes, signature: frame, sections: second[1].sections.map { $0! },
            allowWithheld: false, reference: .builtIn)
        #expect(try setup.submit(second, from: Self.vr09) == [nil, .badSignature, nil])

        // Reports signed alone, as before batches, are still accepted.
        let alone = setup.incidents(Self.vr09, 2).map { BatchSeal.seal([$0], with: key)[0] }
        #expect(alone.allSatisfy { $0.signature.count == 64 })
        #expect(try setup.submit(alone, from: Self.vr09) == [nil, nil])
    }

    @Test("a root another origin signed, and the node verified for it, is refused for VR09")
    func rootOfAnotherOrigin() throws {
        let setup = try Setup()
        let vr10Key = try setup.secrets(Self.vr10).signing
        // One tree holding a report of each, signed by VR10.
        let mixed = BatchSeal.seal(
            setup.incidents(Self.vr10, 1) + setup.incidents(Self.vr09, 1), with: vr10Key)
        #expect(try setup.submit([mixed[0]], from: Self.vr10) == [nil])
        #expect(try setup.submit([mixed[1]], from: Self.vr09) == [.badSignature])
    }
}
