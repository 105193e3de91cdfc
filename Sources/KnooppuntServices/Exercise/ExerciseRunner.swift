import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

/// Sends planned steps to the daemons' operator sockets (one connection per organisation),
/// paced by the scenario clock, and follows each to the node's answer before the next: a
/// later step may depend on an earlier one (a sitrep needs its incident).
///
/// It publishes as each organisation's ``ProgramAccount/exerciseScript`` account (made on
/// first use), with a token for this run that ``close()`` revokes: the daemons accept reports
/// only from their people, and the reports name the script, not a person who never saw them.
public final class ExerciseRunner {
    let clients: [OrganisationCode: OperatorClient]
    let credentials: [OrganisationCode: PersonCredential]
    let folder: DataFolder
    let stepTimeout: Double
    let json: Bool
    /// Who runs it, for the accounts' history (e.g. "knooppunt (uid 1000)").
    let actor: String
    let output: LineOutput

    public init(
        folder: DataFolder, organisations: [OrganisationCode], stepTimeout: Double, json: Bool, actor: String,
        output: @escaping LineOutput
    ) throws {
        let missing = organisations.filter { !LocalClient.socketExists(folder.operatorEndpoint($0)) }
        guard missing.isEmpty else {
            throw ServiceFailure(
                .daemonUnreachable,
                "E506 daemonUnreachable: the scenario needs the daemons of \(organisations.map(\.rawValue).joined(separator: ", ")); not running in \(folder.root.path): \(missing.map(\.rawValue).joined(separator: ", "))"
            )
        }
        var clients: [OrganisationCode: OperatorClient] = [:]
        for code in organisations {
            clients[code] = try OperatorClient(endpoint: folder.operatorEndpoint(code))
        }
        self.clients = clients
        self.credentials = try ProgramAccount.exerciseScript.runCredentials(
            for: organisations, folder: folder, actor: actor)
        self.folder = folder
        self.stepTimeout = stepTimeout
        self.json = json
        self.actor = actor
        self.output = output
    }

    /// Revokes the run's tokens.
    public func close() {
        ProgramAccount.exerciseScript.revokeRun(credentials.keys, folder: folder, actor: actor)
    }

    public func run(_ steps: [PlannedStep], pace: ExercisePace, scenario: Scenario) throws {
        let began = ContinuousClock.now
        let first = steps.first?.step.offsetSeconds ?? 0
        if !json { output("\(scenario.name): \(steps.count) steps at speed \(pace), as exercise reports") }
        for planned in steps {
            let due = began + pace.delay(afterFirst: planned.step.offsetSeconds - first)
            if ContinuousClock.now < due {
                Thread.sleep(forTimeInterval: Self.seconds(ContinuousClock.now.duration(to: due)))
            }
            let sequence = try send(planned, of: steps.count)
            report(planned, of: steps.count, sequence: sequence)
        }
        let took = ContinuousClock.now - began
        if json {
            emit([
                "done": true, "steps": .integer(Int64(steps.count)), "seconds": .number(Self.seconds(took)),
            ])
        } else {
            output("\(steps.count) steps accepted in \(String(format: "%.1f", Self.seconds(took))) s")
        }
    }

    /// Publishes one step and waits for the node's answer; returns the global sequence.
    private func send(_ planned: PlannedStep, of total: Int) throws -> SequenceNumber {
        let organisation = planned.step.organisation
        let client = clients[organisation]!
        let options = PublishOptions(again: true, credential: credentials[organisation])
        do {
            try client.send(.publish(document: planned.bytes, options: options))
        } catch {
            try fail(planned, of: total, "the daemon of \(organisation) does not answer", .daemonUnreachable)
        }
        guard let reply = try client.receive(timeout: .seconds(10)) else {
            try fail(planned, of: total, "the daemon of \(organisation) did not answer", .daemonUnreachable)
        }
        if case .error(let refusal) = reply {
            try fail(
                planned, of: total,
                "refused by the daemon of \(organisation): E\(refusal.first.code.rawValue): \(refusal.first.message)",
                .rejected)
        }
        let deadline = ContinuousClock.now + .milliseconds(Int64(stepTimeout * 1000))
        while ContinuousClock.now < deadline {
            guard let answer = try client.receive(timeout: ContinuousClock.now.duration(to: deadline)) else {
                break
            }
            switch answer {
            case .accepted(planned.id, _, let sequence, _):
                return sequence
            case .rejected(planned.id, let code, let message):
                try fail(
                    planned, of: total,
                    "refused by the national node: \(code.map { "\($0.label) \($0.name)" } ?? "an unknown code"): \(message)",
                    .rejected)
            default:
                continue
            }
        }
        try fail(
            planned, of: total,
            "still queued after \(stepTimeout) s: the national node does not answer (the report stays in \(organisation)'s outbox)",
            .queued)
    }

    private func report(_ planned: PlannedStep, of total: Int, sequence: SequenceNumber) {
        if json {
            emit(Self.json(planned, of: total, state: "accepted", sequence: sequence))
        } else {
            output(Self.line(planned, of: total, outcome: "accepted seq \(sequence)"))
        }
    }

    /// Names the step and stops the run.
    private func fail(
        _ planned: PlannedStep, of total: Int, _ message: String, _ kind: ServiceFailure.Kind
    ) throws -> Never {
        if json {
            var object = Self.json(planned, of: total, state: "failed", sequence: nil).objectValue ?? [:]
            object["error"] = .string(message)
            emit(.object(object))
        }
        let name = planned.step.name.map { " (\($0))" } ?? ""
        throw ServiceFailure(
            kind, "step \(planned.step.number)/\(total)\(name) as \(planned.step.organisation): \(message)")
    }

    private func emit(_ value: JSONValue) {
        output(String(decoding: JSONWriter.canonical(value), as: UTF8.self))
    }

    /// "12/40 10:45 VR09 GRIP 1 VR09-20260316-01 — accepted seq 57".
    public static func line(_ planned: PlannedStep, of total: Int, outcome: String) -> String {
        let clock = planned.scriptedTime.rfc3339Seconds.dropFirst(11).prefix(5)
        return
            "\(planned.step.number)/\(total) \(clock) \(planned.step.organisation) \(planned.summary) — \(outcome)"
    }

    static func json(
        _ planned: PlannedStep, of total: Int, state: String, sequence: SequenceNumber?
    ) -> JSONValue {
        var object: [String: JSONValue] = [
            "step": .integer(Int64(planned.step.number)), "of": .integer(Int64(total)),
            "as": .string(planned.step.organisation.rawValue),
            "time": .string(planned.scriptedTime.rfc3339Seconds),
            "type": .string(planned.document.body.type.rawValue), "report": .string(planned.id.rawValue),
            "summary": .string(planned.summary), "state": .string(state),
        ]
        if let name = planned.step.name { object["name"] = .string(name) }
        if let sequence { object["sequence"] = .integer(Int64(sequence)) }
        return .object(object)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
