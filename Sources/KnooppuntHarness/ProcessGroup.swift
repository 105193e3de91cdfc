import Foundation

/// The processes of one local network by name, in start order: starting one with its log in
/// one folder, stopping one or all. A name started again replaces its earlier process.
public final class ProcessGroup {
    public let binary: URL
    /// Where ``start(_:_:environment:log:)`` puts `NAME.log` when no log is named.
    public let logFolder: URL
    /// Arguments every process gets after its own (e.g. `--dir` and `--parent-pid`).
    public let commonArguments: [String]
    /// Wraps a command line to run elsewhere (e.g. inside a network namespace); nil runs it here.
    public var launcher:
        ((_ name: String, _ commandLine: [String]) -> (executable: URL, arguments: [String])?)?
    public private(set) var children: [ChildProcess] = []

    public init(binary: URL, logFolder: URL, commonArguments: [String] = []) {
        self.binary = binary
        self.logFolder = logFolder
        self.commonArguments = commonArguments
    }

    public subscript(name: String) -> ChildProcess? { children.last { $0.name == name } }
    public var names: [String] { children.map(\.name) }

    /// Starts `knooppunt ARGUMENTS COMMON` as `name` (its output in `log`, or `NAME.log`).
    @discardableResult
    public func start(
        _ name: String, _ arguments: [String], environment: [String: String]? = nil, log: URL? = nil
    ) throws -> ChildProcess {
        let commandLine = [binary.path] + arguments + commonArguments
        let command =
            launcher?(name, commandLine) ?? (binary, Array(commandLine.dropFirst()))
        let child = ChildProcess(
            name: name, executable: command.executable, arguments: command.arguments,
            log: log ?? logFolder.appendingPathComponent("\(name).log"), environment: environment)
        try child.start()
        children.removeAll { $0.name == name }
        children.append(child)
        return child
    }

    public func isRunning(_ name: String) -> Bool { self[name]?.isRunning ?? false }
    public func pid(of name: String) -> Int32? { self[name]?.pid }

    /// Stops every process: SIGTERM in reverse start order, SIGKILL after `grace`.
    @discardableResult
    public func stopAll(grace: Duration) -> [String] {
        ChildProcess.stop(children.reversed(), grace: grace)
    }

    /// The text of a process's log (empty when there is none).
    public func logText(_ name: String) -> String {
        let url = self[name]?.log ?? logFolder.appendingPathComponent("\(name).log")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }
}
