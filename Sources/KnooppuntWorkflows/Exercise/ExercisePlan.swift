import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// A step ready to send: its report id, scripted moment and the document as canonical JSON
/// (placeholders filled in, `exercise: true`, the id set).
public struct PlannedStep: Sendable, Hashable {
    public let step: ScenarioStep
    public let id: ReportID
    public let scriptedTime: Timestamp
    public let document: ReportDocument
    public let bytes: [UInt8]

    /// One line for progress output: "incident VR09-20260316-01 open", "GRIP 3", …
    public var summary: String { ExercisePlan.summary(document) }
}

/// How fast a scenario is replayed: a factor of scripted seconds per real second, or as
/// fast as the network answers.
public enum ExercisePace: Sendable, Hashable, CustomStringConvertible {
    case max
    case factor(Double)

    /// `max` or a positive number.
    public init?(text: String) {
        if text == "max" {
            self = .max
        } else if let value = Double(text), value > 0, value.isFinite {
            self = .factor(value)
        } else {
            return nil
        }
    }

    /// Real time after the run's start at which a step `seconds` after the first step is due.
    public func delay(afterFirst seconds: Int64) -> Duration {
        switch self {
        case .max: .zero
        case .factor(let factor): .milliseconds(Int64((Double(seconds) * 1000 / factor).rounded()))
        }
    }

    public var description: String {
        switch self {
        case .max: "max"
        case .factor(let factor): factor == factor.rounded() ? String(Int64(factor)) : String(factor)
        }
    }
}

public enum ExercisePlan {
    /// Fills in every step: `ids` gives each step its report id (one per step, in order);
    /// `start` replaces the scenario's scripted start (e.g. today for `--start now`).
    public static func plan(
        _ scenario: Scenario, ids: [ReportID], start: Timestamp? = nil, reference: ReferenceData = .builtIn
    ) throws -> [PlannedStep] {
        precondition(ids.count == scenario.steps.count, "one report id per step")
        let codec = DocumentCodec(reference: reference)
        let origin = start ?? scenario.start
        var named: [String: ReportID] = [:]
        var planned: [PlannedStep] = []
        var problems: [ScenarioProblem] = []
        for (step, id) in zip(scenario.steps, ids) {
            let time = origin.adding(milliseconds: step.offsetSeconds * 1000).inAmsterdam
            defer { if let name = step.name { named[name] = id } }
            let resolved: JSONValue
            do {
                resolved = try ScenarioTemplate.resolve(step.document, .init(ids: named, time: time))
            } catch {
                problems.append(ScenarioProblem(step: step.number, field: error.placeholder, error.message))
                continue
            }
            guard case .object(var fields) = resolved else { continue }
            fields["id"] = .string(id.rawValue)
            fields["exercise"] = true
            let value = JSONValue.object(fields)
            do {
                let document = try codec.decode(value)
                planned.append(
                    PlannedStep(
                        step: step, id: id, scriptedTime: time, document: document,
                        bytes: JSONWriter.canonical(value)))
            } catch {
                problems += error.problems.map {
                    ScenarioProblem(
                        step: step.number, field: documentField($0.field),
                        "\($0.code.label) \($0.code.name): \($0.message)")
                }
            }
        }
        guard problems.isEmpty else { throw ScenarioError(problems) }
        return planned
    }

    /// A document field path as seen from the step: `document.kind`, `document` for the root.
    static func documentField(_ field: String) -> String {
        if field == "$" { return "document" }
        return field.hasPrefix("$[") ? "document" + field.dropFirst() : "document." + field
    }

    /// Plays the scenario through the node's write policy (exercise scope, starting from no
    /// incidents) with placeholder ids: a step the node would refuse is found before the run.
    static func check(_ scenario: Scenario, reference: ReferenceData) -> [ScenarioProblem] {
        var generator = SeededRandom(seed: 0x9E37_79B9_7F4A_7C15)
        let ids = scenario.steps.map { _ in ReportID.random(using: &generator) }
        let steps: [PlannedStep]
        do {
            steps = try plan(scenario, ids: ids, reference: reference)
        } catch let error as ScenarioError {
            return error.problems
        } catch {
            return [ScenarioProblem(step: nil, field: "$", "\(error)")]
        }
        var problems: [ScenarioProblem] = []
        var incidents: [String: IncidentRecord] = [:]
        var sent: Set<ReportID> = []
        let policy = WritePolicy()
        for planned in steps {
            let origin = planned.step.organisation
            if let problem = policy.check(planned.document, origin: origin, incidents: incidents) {
                problems.append(
                    ScenarioProblem(
                        step: planned.step.number, field: "document.\(problem.field)",
                        "the node would refuse this from \(origin): \(problem.code.label) \(problem.code.name): \(problem.message)"
                    ))
            }
            if let subject = planned.document.body.subject, !sent.contains(subject) {
                problems.append(
                    ScenarioProblem(
                        step: planned.step.number, field: "document.subject",
                        "refer to an earlier step's report with {{id:NAME}}"))
            }
            WritePolicy.record(planned.document, origin: origin, in: &incidents)
            sent.insert(planned.id)
        }
        return problems
    }

    /// One line naming what a step sends.
    public static func summary(_ document: ReportDocument) -> String {
        switch document.body {
        case .incident(let incident):
            return "incident \(incident.id) \(incident.status.rawValue): \(incident.title.clipped(48))"
        case .grip(let change):
            return "\(change.level.label) \(change.incident)"
        case .sitrep(let sitrep):
            let parts =
                sitrep.beeld.keys.sorted().map(\.rawValue)
                + (sitrep.communicatie == nil ? [] : ["communicatie"])
            return "sitrep \(sitrep.incident) (\(parts.joined(separator: ", ")))"
        case .threat(let threat):
            return "threat \(threat.area) level \(threat.level) \(threat.step.rawValue)"
        case .ackRequest(let request):
            return "ackRequest → \(request.parties.map(\.rawValue).joined(separator: ", "))"
        case .ack(let ack):
            return "ack by \(ack.by.clipped(40))"
        case .measure(let measures):
            return
                "measures \(measures.municipality) (\(measures.measures.map(\.kind.rawValue).joined(separator: ", ")))"
        case .signal(let signal):
            return
                "signal \(signal.kind.rawValue) → \(signal.recipients.map(\.rawValue).joined(separator: ", "))"
        case .signalAck(let ack):
            return "signal received by \(ack.by.clipped(40))"
        case .signalFollowUp(let followUp):
            return "signal \(followUp.outcome.rawValue) by \(followUp.by.clipped(40))"
        case .signalRead(let read):
            return "signal opened by \(read.by.clipped(40))"
        }
    }
}

extension String {
    func clipped(_ length: Int) -> String { count <= length ? self : String(prefix(length - 1)) + "…" }
}
