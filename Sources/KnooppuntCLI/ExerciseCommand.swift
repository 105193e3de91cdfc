import ArgumentParser
import Foundation
import KnooppuntDomain
import KnooppuntServices
import KnooppuntWorkflows
import StrictJSON

struct ExerciseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exercise", abstract: "Run scripted exercises on a running network.",
        subcommands: [ExerciseRunCommand.self, ExerciseSignalCommand.self])
}

struct ExerciseRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay a scenario: each step is published by its organisation's daemon, as an exercise.",
        discussion: """
            Reads a scenario (docs/exercises.md), checks every step first (documents, placeholders \
            and the node's write policy), then hands the steps to the daemons in --dir, one \
            connection per organisation, each report flagged as an exercise: exercise reports \
            live under exercise/ keys and never change the real picture or its hash. Every step \
            waits for the node's answer; a refusal stops the run and names the step.

            --speed is scenario seconds per real second (default: the scenario's own demo \
            speed); max sends each step as soon as the one before is accepted. --start moves the \
            scripted day: scenario (default), now, or an RFC 3339 time.

            Exit codes: 0 every step accepted; 1 invalid scenario; 3 a step still queued after \
            --step-timeout; 4 a step refused; 5 a daemon is not running.

            Examples:
              knooppunt exercise run config/exercises/utrecht-tram.yaml
              knooppunt exercise run config/exercises/utrecht-tram.yaml --speed max
              knooppunt exercise run config/exercises/utrecht-tram.yaml --dry-run --start now
            """)

    @Argument(help: "The scenario (YAML or JSON).") var file: String
    @Option(help: "Scenario seconds per real second, or max (default: the scenario's demo speed).")
    var speed: String?
    @Option(help: "The scripted start: scenario, now, or an RFC 3339 time.") var start: String = "scenario"
    @Option(help: "Seconds to wait for the node's answer to one step.") var stepTimeout: Double = 30
    @Flag(help: "Check and print the steps without sending anything.") var dryRun = false
    @Flag(help: "Print one JSON object per step.") var json = false
    @OptionGroup var folder: FolderOption

    func validate() throws {
        if let speed, ExercisePace(text: speed) == nil {
            throw ValidationError("--speed: a positive number of scenario seconds per second, or max")
        }
        if start != "scenario" && start != "now" && Timestamp(rfc3339: start) == nil {
            throw ValidationError("--start: scenario, now, or an RFC 3339 time with an offset")
        }
        guard stepTimeout > 0 else { throw ValidationError("--step-timeout: a positive number of seconds") }
    }

    func run() throws {
        guard let bytes = FileManager.default.contents(atPath: file) else {
            printError("cannot read \(file)")
            throw ExitCode(ExitCodes.invalid)
        }
        let scenario: Scenario
        let steps: [PlannedStep]
        do {
            scenario = try Scenario.parse([UInt8](bytes))
            steps = try ExercisePlan.plan(
                scenario, ids: scenario.steps.map { _ in ReportID.random() }, start: scriptedStart(scenario))
        } catch let error as ScenarioError {
            printError("\(file) cannot be run:")
            for problem in error.problems { printError("  \(problem)") }
            throw ExitCode(ExitCodes.invalid)
        }
        let pace = speed.flatMap(ExercisePace.init(text:)) ?? .factor(scenario.speed)
        if dryRun {
            for planned in steps { print(ExerciseRunner.line(planned, of: steps.count, outcome: "planned")) }
            print(
                "\(steps.count) steps, \(scenario.spanSeconds) scripted seconds; at speed \(pace) about \(Self.seconds(pace.delay(afterFirst: scenario.spanSeconds))) s"
            )
            return
        }
        let runner = try ExerciseRunner(
            folder: folder.folder, organisations: scenario.organisations, stepTimeout: stepTimeout,
            json: json,
            actor: CommandLineActor.name, output: printLine)
        defer { runner.close() }
        try runner.run(steps, pace: pace, scenario: scenario)
    }

    private func scriptedStart(_ scenario: Scenario) -> Timestamp {
        switch start {
        case "scenario": return scenario.start
        case "now":
            // Whole minutes read better in the progress lines and the documents.
            let now = Timestamp.nowMilliseconds()
            return Timestamp(millisecondsSinceEpoch: now - now % 60_000).inAmsterdam
        default: return Timestamp(rfc3339: start)!
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds =
            duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return String(format: "%.1f", Double(milliseconds) / 1000)
    }
}
