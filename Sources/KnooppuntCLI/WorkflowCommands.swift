import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol

/// What a command writes: to a file, or to standard output.
enum CommandOutput {
    /// Writes `text` to `path`, or to standard output when nil.
    static func write(_ text: String, to path: String?) throws {
        guard let path else {
            print(text, terminator: "")
            flushStandardOutput()
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            printError("cannot write \(path): \(error.localizedDescription)")
            throw ExitCode(ExitCodes.invalid)
        }
    }
}
