import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// A scripted exercise (docs/exercises.md): a timeline of reports, each sent by one
/// organisation's daemon at an offset from the scenario's start.
public struct Scenario: Sendable, Hashable {
    public var name: String
    public var description: String?
    /// The scripted moment of offset 0; `{{time}}` placeholders count from here.
    public var start: Timestamp
    /// Scenario seconds per real second when no `--speed` is given (the demo speed).
    public var speed: Double
    public var steps: [ScenarioStep]

    /// Most steps a scenario may have.
    public static let maxSteps = 1_000
    /// Latest offset: a scenario spans at most a week.
    public static let maxOffsetSeconds: Int64 = 7 * 86_400

    /// Seconds of scripted time from the first to the last step.
    public var spanSeconds: Int64 { (steps.last?.offsetSeconds ?? 0) - (steps.first?.offsetSeconds ?? 0) }

    /// The organisations whose daemons the scenario needs, in a stable order.
    public var organisations: [OrganisationCode] { Set(steps.map(\.organisation)).sorted() }
}

/// One step: who sends which document when.
public struct ScenarioStep: Sendable, Hashable {
    /// 1-based position in the scenario.
    public var number: Int
    /// A name other steps use to refer to this step's report (`{{id:NAME}}`).
    public var name: String?
    public var offsetSeconds: Int64
    /// The organisation whose daemon sends it (`as` in the file).
    public var organisation: OrganisationCode
    /// The report document with placeholders still in it.
    public var document: JSONValue

    /// "step 12 (arrest)": how errors and progress name the step.
    public var label: String { name.map { "step \(number) (\($0))" } ?? "step \(number)" }
}

/// One problem in a scenario file, named by step and field.
public struct ScenarioProblem: Sendable, Hashable, CustomStringConvertible {
    public let step: Int?
    public let field: String
    public let message: String

    public init(step: Int?, field: String, _ message: String) {
        self.step = step
        self.field = field
        self.message = message
    }

    public var description: String { "\(step.map { "step \($0): " } ?? "")\(field): \(message)" }
}

/// Every problem found in a scenario.
public struct ScenarioError: Error, Sendable, Hashable, CustomStringConvertible {
    public let problems: [ScenarioProblem]
    public init(_ problems: [ScenarioProblem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
