import Foundation
import GRDB
import KnooppuntChaos
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON
import Testing
import ZeroMQ

/// A raw KNP/1 client over CURVE with an organisation's keys (or a stranger's): what a hostile
/// or broken peer could send, without the daemon's care.
final class RawClient {
    let context = ZMQContext()
    let socket: ZMQSocket

    init(endpoint: String, serverKey: String?, keys: CurveKeyPair?) throws {
        socket = try ZMQSocket(context, .dealer, name: "raw")
        var options: [SocketOption] = [
            .linger(.zero), .sendHighWaterMark(100_000), .receiveHighWaterMark(100_000),
        ]
        if let serverKey, let keys {
            options += [
                .curveServerKey(serverKey), .curvePublicKey(keys.publicKey), .curveSecretKey(keys.secretKey),
            ]
        }
        try socket.set(options)
        try socket.connect(endpoint)
    }

    deinit {
        socket.close()
        context.terminate()
    }

    func send(_ message: ClientMessage) throws { _ = try socket.sendPacked(MessageCodec.encode(message)) }

    /// Every message's bytes that arrive within `timeout`, and how many messages there were.
    func received(within timeout: Duration) throws -> (bytes: Data, messages: Int) {
        var bytes = Data()
        var messages = 0
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var poller = Poller()
            poller.add(.socket(socket))
            _ = try poller.poll(timeout: .milliseconds(50))
            while let message = try socket.receive(dontWait: true, maxFrames: 256) {
                for frame in message.frames { bytes.append(contentsOf: frame) }
                messages += 1
            }
        }
        return (bytes, messages)
    }

    /// Every answer that arrives within `timeout`, decoded.
    func answers(within timeout: Duration) throws -> [ServerMessage] {
        var answers: [ServerMessage] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var poller = Poller()
            poller.add(.socket(socket))
            _ = try poller.poll(timeout: .milliseconds(50))
            while let message = try socket.receive(dontWait: true) {
                guard let parts = message.unpacked(routed: false, maxParts: 64),
                    let decoded = try? MessageCodec().decodeServer(parts)
                else { continue }
                answers.append(decoded)
            }
        }
        return answers
    }
}

extension ServerMessage {
    var errorCode: ErrorCode? {
        if case .error(_, let code, _, _) = self { return code }
        return nil
    }
}

extension SystemTests {
    @Test(
        "the node audits acceptances, refusals and deliveries; the daemons keep its signed head; audit verify passes and fails after an edit"
    )
    func auditLog() throws {
        let net = try TestNetwork(name: "audit")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        let vr10 = OrganisationCode("VR10")!
        try net.startNode(.primary)
        for code in [vr09, vr10] { try net.startDaemon(code) }
        try net.waitConverged([vr09, vr10])

        let a = try Publisher(vr09, network: net)
        let b = try Publisher(vr10, network: net)
        let incident = "VR09-TEST-1"
        try a.publishAll([Documents.incident(vr09, incident)])
        var sitreps = (0..<20).map { Documents.sitrep(incident, $0) }
        // Free text carrying a police-internal term is refused at the node (E302), not altered.
        sitreps.append([
            "type": "sitrep", "incident": .string(incident),
            "beeld": ["MULTI": ["text": "Verdachte is vuurwapengevaarlijk", "classification": "partners"]],
            "confidence": "medium", "verification": "unconfirmed",
        ])
        try a.publishAll(sitreps)
        let grip: JSONValue = [
            "type": "grip", "incident": .string(incident), "level": "3", "codeList": "grip-2013",
            "reason": "Overname",
            "decidedAt": "2026-11-30T10:05:00+01:00", "classification": "partners",
        ]
        try b.publishAll([grip])
        #expect(a.accepted.count == 21)
        #expect(Array(a.rejected.values) == [ErrorCode.policeInternalTerm.rawValue])
        #expect(Array(b.rejected.values) == [ErrorCode.notPermitted.rawValue])
        try net.waitConverged([vr09, vr10])

        // The node signs its head; the daemons keep it.
        try waitUntil("the node's audit chain checkpointed", timeout: 30) {
            let audit = try net.nodeStatus(.primary)["audit"]
            guard let head = audit?["head"]?.integerValue, head > 0 else { return false }
            return audit?["checkpointed"]?.integerValue == head
        }
        try waitUntil("the daemons keep a checkpoint", timeout: 30) {
            [vr09, vr10].allSatisfy { code in
                ((try? CheckpointReader(daemonStorePath: net.folder.daemonStore(code).path).checkpoints())
                    ?? [])
                    .isEmpty == false
            }
        }
        net.stopAll()

        let verify = try runKnooppunt(["audit", "verify", "--node", "primary", "--dir", net.root.path])
        #expect(verify.status == 0, "\(verify.out) \(verify.err)")
        #expect(verify.out.contains("intact"))
        let rows = try AuditReader(nodeStorePath: net.folder.store(of: .primary).path).records()
        #expect(rows.count(where: { $0.event.kind == .accepted }) == 21)
        #expect(
            rows.contains { $0.event.kind == .refused && $0.event.code == 302 && $0.event.actor == "VR09" })
        #expect(
            rows.contains { $0.event.kind == .refused && $0.event.code == 301 && $0.event.actor == "VR10" })
        #expect(rows.contains { $0.event.kind == .delivered && $0.event.actor == "VR10" })
        #expect(rows.contains { $0.event.kind == .nodeActive })

        // An edit of one field, in a copy, is found.
        let copy = net.root.appendingPathComponent("copy.sqlite")
        let store = net.folder.store(of: .primary)
        try FileManager.default.copyItem(at: store, to: copy)
        let wal = URL(fileURLWithPath: store.path + "-wal")
        if FileManager.default.fileExists(atPath: wal.path) {
            try FileManager.default.copyItem(at: wal, to: URL(fileURLWithPath: copy.path + "-wal"))
        }
        let db = try DatabaseQueue(path: copy.path)
        try db.write { try $0.execute(sql: "UPDATE audit SET actor = 'VR11' WHERE seq = 3") }
        try db.close()
        let tampered = try runKnooppunt(["audit", "verify", "--store", copy.path, "--dir", net.root.path])
        #expect(tampered.status == 1)
        #expect(tampered.out.contains("row 3"))
        let export = try runKnooppunt(["audit", "export", "--dir", net.root.path])
        #expect(export.status == 0)
        #expect(export.out.split(separator: "\n").count >= rows.count)
    }

    @Test(
        "need-to-know at the node: a raw client with VR09's key that asks a snapshot and a full catch-up, as a region and as the desk, and VR09's HTTP API receive no police-only bytes of 1,000 reports"
    )
    func needToKnowRawClient() throws {
        let net = try TestNetwork(name: "need-to-know")
        defer { net.removeFolder() }
        let regions = [OrganisationCode("VR10")!, OrganisationCode("VR11")!]
        let vr09 = OrganisationCode("VR09")!
        try net.startAll(regions + [vr09, .police])
        var markers: [String] = []
        var publishers: [Publisher] = []
        for region in regions {
            let publisher = try Publisher(region, network: net)
            let incident = "\(region)-TEST-1"
            try publisher.publishAll([Documents.incident(region, incident)])
            for number in 0..<499 {
                // The last sitrep carries one too: it stays in the picture the screens show.
                let marker = number % 10 == 0 || number == 498 ? "POLITIEMARKER-\(region)-\(number)" : nil
                if let marker { markers.append(marker) }
                try publisher.publish(Documents.sitrep(incident, number, policeMarker: marker))
            }
            publishers.append(publisher)
        }
        try waitUntil("1,000 answers", timeout: 120) {
            for publisher in publishers { try publisher.pump(timeout: .milliseconds(10)) }
            return publishers.allSatisfy { $0.queued.count == $0.sent && $0.unanswered == 0 }
        }
        #expect(publishers.map(\.accepted.count).reduce(0, +) == 1_000)

        func everything(as code: OrganisationCode, role: DaemonRole) throws -> (bytes: Data, messages: Int) {
            let secrets = try OrganisationSecrets.load(from: net.folder.keyFile(code))
            let raw = try RawClient(
                endpoint: net.network.primary.endpoint, serverKey: net.network.nodeCurvePublicKey,
                keys: secrets.curve)
            // A snapshot (HELLO from nothing), then the whole log again (FETCH 1…1,000).
            try raw.send(.hello(applied: 0, epoch: 0, role: role))
            let snapshot = try raw.received(within: .seconds(2))
            try raw.send(.fetch(from: 1, to: 1_000))
            let catchUp = try raw.received(within: .seconds(4))
            return (snapshot.bytes + catchUp.bytes, snapshot.messages + catchUp.messages)
        }
        for role in [DaemonRole.region, .desk, .police] {
            let got = try everything(as: vr09, role: role)
            #expect(got.messages >= 1_000, "VR09 as \(role) received only \(got.messages) messages")
            let leaked = markers.filter { got.bytes.range(of: Data($0.utf8)) != nil }
            #expect(leaked.isEmpty, "VR09 as \(role) received \(leaked.count) police-only markers")
        }
        // The same requests with the police's key do carry them: the test can see a leak.
        let police = try everything(as: .police, role: .police)
        #expect(markers.allSatisfy { police.bytes.range(of: Data($0.utf8)) != nil })

        // VR09's HTTP API (its operator screen, over its own daemon) shows the picture and the
        // daemon's state without them; the police's screen shows the latest ones.
        try net.waitConverged(regions + [vr09, .police])
        func screenBytes(of code: OrganisationCode) throws -> Data {
            let port = try TestNetwork.freeBasePort()
            try net.start("screen-\(code)", ["screen", "--as", code.rawValue, "--port", String(port)])
            var bytes = Data()
            try waitUntil("the operator screen of \(code) shows the picture", timeout: 30) {
                guard let picture = try? ScreenClient.get(port: port, "/api/v1/picture"),
                    let status = try? ScreenClient.get(port: port, "/api/v1/status")
                else { return false }
                bytes = picture + status
                return picture.range(of: Data("Situatierapport 498".utf8)) != nil
            }
            return bytes
        }
        let latest = regions.map { "POLITIEMARKER-\($0)-498" }
        let screen = try screenBytes(of: vr09)
        let leakedOnScreen = markers.filter { screen.range(of: Data($0.utf8)) != nil }
        #expect(leakedOnScreen.isEmpty, "VR09's HTTP API showed \(leakedOnScreen.count) police-only markers")
        let policeScreen = try screenBytes(of: .police)
        #expect(latest.allSatisfy { policeScreen.range(of: Data($0.utf8)) != nil })
        net.stopAll()
    }

    @Test(
        "police-internal labels: the police daemon keeps them with its report, no other store holds them, a region cannot attach one"
    )
    func policeLabelsStayAtThePolice() throws {
        let net = try TestNetwork(name: "police-labels")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        try net.startAll([vr09, .police])
        let dir = net.root.path
        let incident = try writeTemporary(Documents.incident(vr09, "VR09-LABEL-1"))
        let opened = try runKnooppunt([
            "publish", "--dir", dir, "--as", "VR09", "--token-file", try net.tokenFile(vr09), incident.path,
        ])
        #expect(opened.status == 0, "\(opened.err)")

        let sitrep = try writeTemporary(Documents.sitrep("VR09-LABEL-1", 1, policeMarker: "M-1"))
        let labelled = try runKnooppunt([
            "publish", "--dir", dir, "--as", "POLICE", "--police-label", "Vuurwapengevaarlijk", sitrep.path,
            "--token-file", try net.tokenFile(.police),
        ])
        #expect(labelled.status == 0, "\(labelled.err)")
        let line = labelled.out.split(separator: "\n").first { $0.contains("queued") } ?? ""
        let id = String(line.split(separator: " ").first ?? "")
        let state = try ControlClient.request(
            net.folder.operatorEndpoint(.police), "REPORT", [Array(id.utf8)])
        #expect(state["policeLabels"] == ["vuurwapengevaarlijk"], "\(state)")

        // A region cannot attach one (E301); the police cannot attach an unlisted one (E205).
        let other = try writeTemporary(Documents.sitrep("VR09-LABEL-1", 2))
        let byRegion = try runKnooppunt([
            "publish", "--dir", dir, "--as", "VR09", "--police-label", "vuurwapengevaarlijk", other.path,
            "--token-file", try net.tokenFile(vr09),
        ])
        #expect(byRegion.status != 0)
        #expect(byRegion.err.contains("E301"), "\(byRegion.err)")
        let unlisted = try runKnooppunt([
            "publish", "--dir", dir, "--as", "POLICE", "--police-label", "verdacht", other.path,
            "--token-file", try net.tokenFile(.police),
        ])
        #expect(unlisted.status != 0)
        #expect(unlisted.err.contains("E205"), "\(unlisted.err)")

        // The report reached the node and VR09; the label did not: no byte of it in their files.
        try net.waitConverged([vr09, .police])
        net.stopAll()
        let label = Data("vuurwapengevaarlijk".utf8)
        var checked = 0
        for folder in [net.folder.nodeFolder, net.folder.daemonFolder(vr09)] {
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
            while let file = files?.nextObject() as? URL {
                guard let bytes = try? Data(contentsOf: file) else { continue }
                checked += 1
                #expect(bytes.range(of: label) == nil, "\(file.lastPathComponent) holds the label")
            }
        }
        #expect(checked >= 2)
        // The control: the police's own store does hold it.
        let policeFiles = FileManager.default.enumerator(
            at: net.folder.daemonFolder(.police), includingPropertiesForKeys: nil)
        var held = false
        while let file = policeFiles?.nextObject() as? URL {
            if let bytes = try? Data(contentsOf: file), bytes.range(of: label) != nil { held = true }
        }
        #expect(held)
    }

    @Test(
        "keys rotate while the network runs: the node refuses the old key, the region's queued report goes out after its restart, every mirror verifies it"
    )
    func keyRotation() throws {
        let net = try TestNetwork(name: "rotate")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        let vr10 = OrganisationCode("VR10")!
        try net.startAll([vr09, vr10])
        let publisher = try Publisher(vr09, network: net)
        try publisher.publishAll([Documents.incident(vr09, "VR09-TEST-1")])
        #expect(publisher.accepted.count == 1)

        let rotate = try runKnooppunt(["keys", "rotate", "VR09", "--dir", net.root.path])
        #expect(rotate.status == 0, "\(rotate.out) \(rotate.err)")
        try waitUntil("the node reloads network.json", timeout: 20) {
            net.log("node").contains("configuration reloaded")
        }
        // The running daemon still holds the old key: its report stays queued.
        try publisher.publish(Documents.sitrep("VR09-TEST-1", 1))
        try waitUntil("queued", timeout: 10) {
            try publisher.pump(timeout: .milliseconds(20))
            return publisher.queued.count == 2
        }
        Thread.sleep(forTimeInterval: 3 * TimeScale.factor)
        try publisher.pump()
        #expect(publisher.accepted.count == 1)
        #expect(try net.nodeStatus()["lastSequence"]?.integerValue == 1)

        // Restarted with its new key, it sends the queued report (sealed with the key it held
        // then, now retired but still valid for reports signed before the rotation).
        net.stop(vr09.rawValue)
        try net.startDaemon(vr09)
        try waitUntil("the queued report accepted", timeout: 30) {
            try net.nodeStatus()["lastSequence"]?.integerValue == 2
        }
        let fresh = try Publisher(vr09, network: net)
        try fresh.publishAll([Documents.sitrep("VR09-TEST-1", 2)])
        #expect(fresh.accepted.count == 1)
        try net.waitConverged([vr09, vr10])
        net.stopAll()
        #expect(net.log(vr09.rawValue).contains("error.code=303"))

        let rows = try AuditReader(nodeStorePath: net.folder.store(of: .primary).path).records()
        #expect(rows.contains { $0.event.kind == .keyChanged && $0.event.actor == "VR09" })
        // The old connection's messages are summed up, not one row each.
        #expect(
            rows.contains {
                $0.event.kind == .refused && $0.event.actor == "VR09"
                    && ($0.event.detail["refusedMessages"]?[ErrorCode.retiredKey.label]?.integerValue ?? 0)
                        >= 1
            })
        #expect(!rows.contains { $0.event.code == ErrorCode.retiredKey.rawValue })
        #expect(rows.contains { $0.event.kind == .config })
        #expect(rows.count(where: { $0.event.kind == .accepted }) == 3)
        let verify = try runKnooppunt(["audit", "verify", "--dir", net.root.path])
        #expect(verify.status == 0, "\(verify.out) \(verify.err)")
    }

    @Test(
        "hostile input: spoofed origin, forged signature, garbage, strangers and a flood are refused with their codes; the node keeps serving everyone else"
    )
    func hostileInput() throws {
        let net = try TestNetwork(name: "hostile")
        defer { net.removeFolder() }
        net.nodeArguments = [
            "--peer-message-rate", "50", "--peer-message-burst", "100", "--backlog-per-organisation", "20",
        ]
        let vr09 = OrganisationCode("VR09")!
        let vr10 = OrganisationCode("VR10")!
        try net.startAll([vr10])
        let endpoint = net.network.primary.endpoint
        let secrets = try OrganisationSecrets.load(from: net.folder.keyFile(vr09))
        let raw = try RawClient(
            endpoint: endpoint, serverKey: net.network.nodeCurvePublicKey, keys: secrets.curve)
        var random = SystemRandomNumberGenerator()
        let codec = DocumentCodec()
        let document = ReportDocument(
            body: .threat(
                ThreatLevelChange(
                    area: .national, level: 5, step: .declared, reason: "Vals",
                    classification: .publicInformation)))
        func seal(origin: OrganisationCode, key: SigningKey) -> SealedReport {
            SealedReport.seal(
                document, id: ReportID.random(using: &random), origin: origin, originSeq: 1,
                created: Timestamp(rfc3339: "2026-11-30T10:00:00+01:00")!, signingKey: key, codec: codec,
                random: &random)
        }

        // VR09's connection claims to be NCTV: origin binding refuses it.
        try raw.send(.submit(seal(origin: .nctv, key: secrets.signing)))
        #expect(try raw.answers(within: .seconds(2)).compactMap(\.errorCode).contains(.originMismatch))
        // VR09 as itself, but signed with a key nobody lists: the signature does not verify.
        try raw.send(.submit(seal(origin: vr09, key: SigningKey.generate())))
        #expect(try raw.answers(within: .seconds(2)).compactMap(\.errorCode).contains(.badSignature))

        // Garbage from an admitted peer reaches the decoders; then a flood past its rate.
        // (The unknown command first: past 20 waiting, the rest may be refused unread.)
        _ = try raw.socket.sendPacked([Array("KNP1".utf8), Array("SHOUT".utf8)])
        var garbage = SeededRandom(seed: 2019)
        for _ in 0..<60 {
            _ = try raw.socket.sendPacked([garbage.bytes(Int.random(in: 0..<200, using: &garbage))])
        }
        for _ in 0..<400 { _ = try raw.socket.sendPacked([Array("KNP1".utf8), Array("FETCH".utf8)]) }
        let codes = Set(try raw.answers(within: .seconds(2)).compactMap(\.errorCode))
        #expect(codes.contains(.rateLimited))
        #expect(codes.contains(.unknownCommand) || codes.contains(.unsupportedProtocol))

        // A flood that arrives faster than the node decides (here: while it is paused) is
        // refused as it is read once 20 of VR09's messages wait, so its connection is drained
        // instead of left full; the answer names that limit.
        net.signal("node", SIGSTOP)
        for _ in 0..<5_000 { _ = try raw.socket.sendPacked([Array("KNP1".utf8), Array("FETCH".utf8)]) }
        net.signal("node", SIGCONT)
        let limits = try raw.answers(within: .seconds(3)).compactMap { answer -> String? in
            guard case .error(_, .rateLimited, _, let detail) = answer else { return nil }
            return detail["limit"]?.stringValue
        }
        #expect(limits.contains("backlogPerOrganisation"), "limits answered: \(Set(limits))")

        // Strangers: an unknown CURVE key (refused by ZAP) and a client without CURVE.
        let stranger = try RawClient(
            endpoint: endpoint, serverKey: net.network.nodeCurvePublicKey, keys: try CurveKeyPair.generate())
        try stranger.send(.hello(applied: 0, epoch: 0, role: .region))
        let plain = try RawClient(endpoint: endpoint, serverKey: nil, keys: nil)
        try plain.send(.hello(applied: 0, epoch: 0, role: .region))
        #expect(try stranger.answers(within: .seconds(1)).isEmpty)
        // An oversized message (over the node's maximum message size): libzmq drops that
        // connection, the node carries on.
        let oversized = try RawClient(
            endpoint: endpoint, serverKey: net.network.nodeCurvePublicKey, keys: secrets.curve)
        _ = try oversized.socket.sendPacked([
            Array(repeating: 0x41, count: Int(WireLimits.maxMessageBytes) + 1)
        ])
        // Random bytes on plain TCP connections: not even a ZeroMQ greeting.
        for _ in 0..<20 { sendRawTCP(endpoint, garbage.bytes(4_096)) }

        // Everyone else is still served: VR10's reports are all accepted.
        let publisher = try Publisher(vr10, network: net)
        try publisher.publishAll(
            [Documents.incident(vr10, "VR10-TEST-1")] + (0..<10).map { Documents.sitrep("VR10-TEST-1", $0) })
        #expect(publisher.accepted.count == 11)
        try waitUntil("the refusals counted", timeout: 10) {
            let status = try net.nodeStatus()
            let security = status["security"]
            return (security?["zapRefused"]?.integerValue ?? 0) >= 1
                && (security?["handshakeFailed"]?.integerValue ?? 0) >= 1
                && (security?["rateLimited"]?["VR09"]?.integerValue ?? 0) >= 1
        }
        // Counters per error code in STATUS.
        let refusals = try net.nodeStatus()["refusals"]
        for code in [ErrorCode.originMismatch, .rateLimited, .unknownCommand] {
            #expect((refusals?[String(code.rawValue)]?.integerValue ?? 0) >= 1, "no count for \(code)")
        }
        #expect(net.isRunning("node"))
        net.stopAll()
        // The stranger is in the log with its address, even after the flood of bad messages.
        let refusedLine = net.log("node").split(separator: "\n").first { $0.contains("refused connection") }
        #expect(refusedLine?.contains("peer.address=127.0.0.1") == true, "\(refusedLine ?? "no line")")

        let rows = try AuditReader(nodeStorePath: net.folder.store(of: .primary).path).records()
        #expect(
            rows.contains { $0.event.kind == .refused && $0.event.code == 300 && $0.event.actor == "VR09" })
        #expect(
            rows.contains { $0.event.kind == .refused && $0.event.code == 218 && $0.event.actor == "VR09" })
        #expect(rows.contains { $0.event.kind == .rateLimited && $0.event.actor == "VR09" })
        #expect(rows.contains { $0.event.kind == .connectionsRefused })
        let verify = try runKnooppunt(["audit", "verify", "--dir", net.root.path])
        #expect(verify.status == 0, "\(verify.out) \(verify.err)")
    }
}

extension SeededRandom {
    /// Random bytes from the seed, so a failing barrage can be replayed.
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// Writes `bytes` on a plain TCP connection to a `tcp://127.0.0.1:PORT` endpoint and closes it.
func sendRawTCP(_ endpoint: String, _ bytes: [UInt8]) {
    guard let port = endpoint.split(separator: ":").last.flatMap({ UInt16($0) }) else { return }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(port.bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { return }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}
