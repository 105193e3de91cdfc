import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore
import KnooppuntWorkflows
import Logging
import StrictJSON
import Testing

/// The alert service's judgement over a picture, in process: a real store and a real hook
/// command, records sealed as the node would commit them.
@Suite("Alert service")
struct AlertServiceTests {
    @Test("an overdue acknowledgement request sends one alert to the missing party's hook, and not again")
    func overdueRequestAlertsOnce() throws {
        let folder = try temporaryFolder()
        let received = folder.appendingPathComponent("received")
        let hook = try executable(
            in: folder, "#!/bin/sh\ncat >> \(received.path)\necho >> \(received.path)\n")
        let store = try AlertStore(path: folder.appendingPathComponent("alerts.sqlite").path)
        let vr09 = OrganisationCode("VR09")!
        let service = try AlertService(
            folder: DataFolder(folder.path), network: try sampleNetwork(),
            config: HookConfig(hooks: [vr09: .command([hook])]), store: store, logger: Logger(label: "test"))

        let log = SealedLog()
        let threat = try log.commit(
            [
                "type": "threat", "exercise": false, "area": ["scope": "province", "code": "PV26"],
                "level": 5,
                "step": "declared",
                "reason": "Mogelijke terroristische aanslag.", "classification": "public",
                "reviewAt": "2019-03-18T20:00:00+01:00",
            ], as: .nctv)
        try log.commit(
            [
                "type": "ackRequest", "subject": .string(threat.report.id.rawValue), "parties": ["VR09"],
                "deadline": "2019-03-18T11:00:00+01:00", "classification": "partners",
            ], as: .nctv)
        // An hour after the deadline, and VR09's daemon applied everything: not acknowledged.
        let board = NodeBoard(
            applied: [vr09: 2], now: Timestamp(rfc3339: "2019-03-18T12:00:00+01:00")!.millisecondsSinceEpoch)
        service.pass(records: log.records, board: board)
        let sent = try store.all()
        #expect(sent.count == 1)
        #expect(sent.first?.organisation == "VR09" && sent.first?.state == .sent)
        let payload = try String(contentsOf: received, encoding: .utf8)
        #expect(payload.contains(threat.report.id.rawValue))

        service.pass(records: log.records, board: board)
        #expect(try store.all().count == 1)
        #expect(try String(contentsOf: received, encoding: .utf8) == payload)
    }

    @Test(
        "a signal not acknowledged within the signal policy's deadline alerts the recipient's hook, without its content"
    )
    func overdueSignalAlertsTheRecipient() throws {
        let folder = try temporaryFolder()
        let received = folder.appendingPathComponent("received")
        let hook = try executable(
            in: folder, "#!/bin/sh\ncat >> \(received.path)\necho >> \(received.path)\n")
        let store = try AlertStore(path: folder.appendingPathComponent("alerts.sqlite").path)
        let vr09 = OrganisationCode("VR09")!
        let service = try AlertService(
            folder: DataFolder(folder.path), network: try sampleNetwork(),
            config: HookConfig(hooks: [vr09: .command([hook])]), store: store, logger: Logger(label: "test"))
        let log = SealedLog()
        let signal = try log.commit(
            [
                "type": "signal", "from": "POLICE", "person": "POL-2019-0318", "kind": "violence",
                "assessment": "GEHEIME-BEOORDELING", "legalBasis": "WPOLG-16", "recipients": ["VR09"],
                "retentionDays": 30, "asked": "act",
            ], as: .police)
        // The alert service follows as the national desk: envelopes only.
        let signals = [SignalRecord(signal, view: .organisation(.national))].compactMap { $0 }
        #expect(signals.count == 1)
        let withinDeadline = NodeBoard(applied: [vr09: 1], now: signal.committedAt + 3_600_000)
        service.pass(records: log.records, board: withinDeadline, signals: signals)
        #expect(try store.all().isEmpty)
        let dayLater = NodeBoard(applied: [vr09: 1], now: signal.committedAt + 25 * 3_600_000)
        service.pass(records: log.records, board: dayLater, signals: signals)
        let sent = try store.all()
        #expect(sent.count == 1)
        #expect(sent.first?.organisation == "VR09" && sent.first?.state == .sent)
        let payload = try String(contentsOf: received, encoding: .utf8)
        #expect(payload.contains(signal.report.id.rawValue))
        #expect(!payload.contains("GEHEIME-BEOORDELING") && !payload.contains("POL-2019-0318"))
    }
}

/// Documents sealed by their origin and committed in order, from 18 March 2019 10:45.
final class SealedLog {
    let codec = DocumentCodec()
    var random = SeededRandom(seed: 2019_03_18)
    var keys: [OrganisationCode: SigningKey] = [:]
    var originSeq: [OrganisationCode: UInt64] = [:]
    private(set) var records: [WorkflowRecord] = []
    static let start = Timestamp(rfc3339: "2019-03-18T10:45:00+01:00")!

    @discardableResult
    func commit(_ json: JSONValue, as origin: OrganisationCode) throws -> Update {
        let key = keys[origin] ?? SigningKey.generate()
        keys[origin] = key
        let seq = (originSeq[origin] ?? 0) + 1
        originSeq[origin] = seq
        let sequence = SequenceNumber(records.count + 1)
        let report = SealedReport.seal(
            try codec.decode(json), id: ReportID.random(using: &random), origin: origin, originSeq: seq,
            created: Self.start.adding(milliseconds: Int64(sequence) * 1000), signingKey: key, codec: codec,
            random: &random)
        let update = Update(
            sequence: sequence, epoch: 1,
            committedAt: Self.start.millisecondsSinceEpoch + Int64(sequence) * 1000, report: report)
        records.append(WorkflowRecord(update, view: .organisation(.national)))
        return update
    }
}
