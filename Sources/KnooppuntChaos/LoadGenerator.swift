import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntStore
import StrictJSON
import ZeroMQ

/// A steady publishing load through the organisations' own daemons (their operator sockets),
/// writing every ACK it receives to a file: that file, not any node's log, is the truth a
/// chaos run is checked against. Used from one thread.
final class LoadGenerator {
    final class Operator {
        let organisation: OrganisationCode
        let socket: ZMQSocket
        /// The PUBLISH options: the load publishes as the organisation's
        /// ``ProgramAccount/chaosLoad`` account.
        let options: PublishOptions
        /// Report ids in the order the daemon queued them.
        var queued: [String] = []
        var answered: Set<String> = []
        var sentSinceAnswer = 0
        var nextNumber = 0

        init(organisation: OrganisationCode, socket: ZMQSocket, credential: PersonCredential) {
            self.organisation = organisation
            self.socket = socket
            options = PublishOptions(again: true, credential: credential)
        }

        var unanswered: Int { queued.count - answered.count + sentSinceAnswer }
    }

    let context: ZMQContext
    let operators: [Operator]
    let ackFile: FileHandle
    private(set) var acks: [AckRecord] = []
    /// Keep at most this many reports of one organisation unanswered.
    let window: Int
    /// The incident each region writes about (police and NCTV report on the first region's).
    let incidents: [OrganisationCode: String]
    let firstRegion: OrganisationCode

    init(folder: DataFolder, organisations: [OrganisationCode], ackFile: URL, window: Int = 20) throws {
        context = ZMQContext()
        var operators: [Operator] = []
        for code in organisations {
            let socket = try ZMQSocket(context, .dealer, name: "load.\(code)")
            try socket.set([.linger(.zero), .sendHighWaterMark(10_000), .receiveHighWaterMark(100_000)])
            try socket.connect(folder.operatorEndpoint(code))
            let credential = try ProgramAccount.chaosLoad.credential(
                folder: folder.peopleFolder(code), organisation: code, actor: "chaos",
                now: Timestamp.nowMilliseconds())
            operators.append(Operator(organisation: code, socket: socket, credential: credential))
        }
        self.operators = operators
        _ = FileManager.default.createFile(atPath: ackFile.path, contents: nil)
        self.ackFile = try FileHandle(forWritingTo: ackFile)
        self.window = window
        let regions = organisations.filter(\.isSafetyRegion)
        firstRegion = regions[0]
        var incidents: [OrganisationCode: String] = [:]
        for region in regions { incidents[region] = "\(region)-CHAOS" }
        self.incidents = incidents
    }

    func close() {
        for op in operators { op.socket.close() }
        context.terminate()
        try? ackFile.close()
    }

    var queued: [String: [String]] {
        Dictionary(uniqueKeysWithValues: operators.map { ($0.organisation.rawValue, $0.queued) })
    }

    var totalUnanswered: Int { operators.reduce(0) { $0 + max(0, $1.queued.count - $1.answered.count) } }

    /// Opens every region's incident and waits until each is accepted.
    func openIncidents(timeout: Duration) throws {
        for op in operators where op.organisation.isSafetyRegion {
            try publish(incidentDocument(op.organisation), by: op)
        }
        let deadline = ContinuousClock.now + timeout
        while operators.filter({ $0.organisation.isSafetyRegion }).contains(where: { $0.answered.count < 1 })
        {
            guard ContinuousClock.now < deadline else {
                throw ChaosError("the incidents were not accepted in time")
            }
            try pump(timeout: .milliseconds(50))
        }
    }

    /// Tops every organisation up to its window of unanswered reports.
    func feed() throws {
        for op in operators where op.unanswered < window {
            for _ in 0..<min(4, window - op.unanswered) {
                op.nextNumber += 1
                let incident = incidents[op.organisation] ?? incidents[firstRegion]!
                try publish(
                    sitrepDocument(incident, op.nextNumber, police: op.organisation == .police), by: op)
            }
        }
    }

    private func publish(_ document: JSONValue, by op: Operator) throws {
        _ = try op.socket.sendPacked(
            OperatorRequest.publish(document: JSONWriter.canonical(document), options: op.options).encode(),
            dontWait: true)
        op.sentSinceAnswer += 1
    }

    /// Reads every answer; waits up to `timeout` for the first.
    func pump(timeout: Duration) throws {
        var poller = Poller()
        for op in operators { poller.add(.socket(op.socket)) }
        let ready = try poller.poll(timeout: timeout)
        for (index, op) in operators.enumerated() where ready[index].contains(.readable) {
            while let message = try op.socket.receive(dontWait: true) {
                guard let parts = message.unpacked(routed: false, maxParts: 16),
                    let answer = OperatorResponse.decode(parts)
                else { continue }
                switch answer {
                case .queued(let id, _):
                    op.queued.append(id.rawValue)
                    op.sentSinceAnswer = max(0, op.sentSinceAnswer - 1)
                case .accepted(let id, let epoch, let sequence, let degraded):
                    let ack = AckRecord(
                        id: id.rawValue, origin: op.organisation.rawValue, epoch: epoch, sequence: sequence,
                        degraded: degraded, at: Timestamp.nowMilliseconds())
                    acks.append(ack)
                    op.answered.insert(ack.id)
                    write(ack)
                case .rejected(let id, _, _):
                    op.answered.insert(id.rawValue)
                case .error:
                    op.sentSinceAnswer = max(0, op.sentSinceAnswer - 1)
                default:
                    break
                }
            }
        }
    }

    /// A daemon that restarted forgot who waited for which answer: count those as answered
    /// for pacing (they are still checked in the log).
    func forgetWaiting(for organisation: OrganisationCode) {
        guard let op = operators.first(where: { $0.organisation == organisation }) else { return }
        op.answered.formUnion(op.queued)
        op.sentSinceAnswer = 0
    }

    private func write(_ ack: AckRecord) {
        let line: JSONValue = [
            "id": .string(ack.id), "origin": .string(ack.origin), "epoch": .integer(Int64(ack.epoch)),
            "seq": .integer(Int64(ack.sequence)), "degraded": .bool(ack.degraded), "at": .integer(ack.at),
        ]
        ackFile.write(Data(JSONWriter.canonical(line) + [0x0A]))
    }

    private func incidentDocument(_ region: OrganisationCode) -> JSONValue {
        let municipality = ReferenceData.builtIn.municipalities.values.filter { $0.region == region }.map(
            \.code
        ).min()!
        return [
            "type": "incident", "incident": .string(incidents[region]!),
            "title": .string("Chaosproef \(region)"),
            "kind": "other", "location": ["municipality": .string(municipality.rawValue)],
            "startedAt": "2026-11-30T10:00:00+01:00",
            "lead": ["organisation": .string(region.rawValue), "function": "Operationeel leider"],
            "status": "open",
            "classification": "partners",
        ]
    }

    private func sitrepDocument(_ incident: String, _ number: Int, police: Bool) -> JSONValue {
        var beeld: [String: JSONValue] = [
            "MULTI": ["text": .string("Chaosrapport \(number)"), "classification": "partners"]
        ]
        if police { beeld["POL"] = ["text": .string("Intern \(number)"), "classification": "police"] }
        return [
            "type": "sitrep", "incident": .string(incident), "beeld": .object(beeld), "confidence": "medium",
            "verification": "unconfirmed",
        ]
    }

    /// Reads an ACK file back.
    static func readAcks(_ url: URL) throws -> [AckRecord] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let value = try? JSONParser.parse(String(line)), let id = value["id"]?.stringValue,
                let origin = value["origin"]?.stringValue, let epoch = value["epoch"]?.integerValue,
                let seq = value["seq"]?.integerValue
            else { return nil }
            return AckRecord(
                id: id, origin: origin, epoch: UInt64(epoch), sequence: UInt64(seq),
                degraded: value["degraded"]?.boolValue ?? false, at: value["at"]?.integerValue ?? 0)
        }
    }
}

public struct ChaosError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
