import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntServices
import Logging

/// `--dir`: the network's data folder, shared by every command so one terminal runs
/// `cluster` and another publishes.
struct FolderOption: ParsableArguments {
    @Option(name: .long, help: "The network's data folder (keys, stores, sockets, logs).")
    var dir: String = "./var"

    var folder: DataFolder { DataFolder(dir) }

    func network() throws -> NetworkConfig { try NetworkConfig.load(from: folder.networkFile) }
}

struct LogOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    /// Sets up swift-log once per process: lines on standard error.
    func bootstrap(label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingBootstrap.once(level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false
    static func once(level: Logger.Level) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension OrganisationCode: ExpressibleByArgument {
    public init?(argument: String) {
        guard let code = OrganisationCode.inNetwork(argument.uppercased()) else { return nil }
        self = code
    }
}

/// Exit codes shared by the operator commands (documented in `--help`).
enum ExitCodes {
    static let accepted: Int32 = 0
    static let invalid: Int32 = 1
    static let queuedNotAccepted: Int32 = 3
    static let rejected: Int32 = 4
    static let daemonUnreachable: Int32 = 5

    static func code(for kind: ServiceFailure.Kind) -> Int32 {
        switch kind {
        case .invalid: invalid
        case .queued: queuedNotAccepted
        case .rejected: rejected
        case .daemonUnreachable: daemonUnreachable
        case .personRefused: PersonOptions.refusedExit
        }
    }
}

/// Writes a line to standard error (the CLI's channel for problems).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Writes a line to standard output at once (a service's progress).
func printLine(_ text: String) {
    print(text)
    flushStandardOutput()
}

/// Flushes what `print` buffered, so a supervisor reading our output sees it at once.
func flushStandardOutput() {
    FileHandle.standardOutput.synchronizeFile()
    fflush(nil)
}
