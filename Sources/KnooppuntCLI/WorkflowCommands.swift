import ArgumentParser

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export (CAP 1.2).")
}

struct ExerciseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exercise", abstract: "Run an exercise.")
}

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline", abstract: "An incident's timeline.")
}
