import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// Out-of-band alerting: per organisation, where a must-land message nobody acknowledged (or
/// an alarm nobody acknowledged) goes besides the screens. Read from a commented YAML (or
/// JSON) file (`config/alerting.yaml` is the template):
///
/// ```yaml
/// escalateAfter: 5m
/// hooks:
///   VR09: { command: ["/usr/local/bin/pager", "--team", "vr09"] }  # the alert JSON on stdin
///   NATIONAL: { webhook: "http://127.0.0.1:9080/alerts" }          # POSTed, loopback only
/// ```
public struct HookConfig: Sendable, Hashable {
    public enum Hook: Sendable, Hashable {
        /// A program and its arguments, run without a shell; the alert arrives as JSON on stdin.
        case command([String])
        /// An HTTP POST of the alert JSON to a listener on this host.
        case webhook(WebhookAddress)
    }

    public var hooks: [OrganisationCode: Hook]
    public var rules: AlarmRules

    /// A host and port on the loopback interface, and the request path.
    public struct WebhookAddress: Sendable, Hashable, CustomStringConvertible {
        public let host: String
        public let port: Int
        public let path: String
        public var description: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)" }
    }

    /// Named limits of hook calls.
    public enum Limits {
        /// A command or webhook that has not finished by then counts as failed (and is killed).
        public static let callTimeout: Duration = .seconds(5)
        /// Attempts per notification before it is given up and logged as failed.
        public static let attempts = 8
        /// Backoff between attempts: doubles from the first to the cap.
        public static let firstRetry: Duration = .seconds(1)
        public static let retryCap: Duration = .seconds(60)
        /// Longest command line (program and arguments).
        public static let maxArguments = 32
    }

    public init(hooks: [OrganisationCode: Hook] = [:], rules: AlarmRules = .standard) {
        self.hooks = hooks
        self.rules = rules
    }

    /// Reads the file's bytes; every problem is named with its field.
    public static func parse(_ bytes: [UInt8]) throws -> HookConfig {
        let value: JSONValue
        do {
            value = try DocumentReader.read(bytes)
        } catch {
            throw WorkflowError(.invalidRequest, "the alerting file is not YAML or JSON: \(error)")
        }
        var problems: [String] = []
        guard let top = value.objectValue else {
            throw WorkflowError(.invalidRequest, "the alerting file must be a map with `hooks`")
        }
        for key in top.keys where !["hooks", "escalateAfter"].contains(key) {
            problems.append("\(key): unknown field (hooks, escalateAfter)")
        }
        var config = HookConfig()
        if let escalate = top["escalateAfter"] {
            if let seconds = ScenarioDuration.seconds(escalate), seconds > 0 {
                config.rules.escalateAfter = .seconds(seconds)
            } else {
                problems.append("escalateAfter: a duration such as 5m or 300")
            }
        }
        for (code, hook) in (top["hooks"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let organisation = OrganisationCode.inNetwork(code) else {
                problems.append("hooks.\(code): not an organisation (NATIONAL, NCTV, POLICE, VR01…VR25)")
                continue
            }
            do {
                config.hooks[organisation] = try parseHook(hook)
            } catch let error as WorkflowError {
                problems.append("hooks.\(code).\(error.message)")
            }
        }
        if top["hooks"] != nil && top["hooks"]?.objectValue == nil {
            problems.append("hooks: a map from organisation code to a hook")
        }
        guard problems.isEmpty else {
            throw WorkflowError(.invalidRequest, problems.joined(separator: "\n"))
        }
        return config
    }

    static func parseHook(_ value: JSONValue) throws -> Hook {
        guard let object = value.objectValue, object.count == 1 else {
            throw WorkflowError(.invalidRequest, "hook: exactly one of command or webhook")
        }
        if let command = object["command"] {
            let parts = command.arrayValue?.compactMap(\.stringValue) ?? []
            guard let program = parts.first, parts.count == command.arrayValue?.count,
                program.hasPrefix("/"), parts.count <= Limits.maxArguments
            else {
                throw WorkflowError(
                    .invalidRequest,
                    "command: a list of strings, the program first as an absolute path (at most \(Limits.maxArguments))"
                )
            }
            return .command(parts)
        }
        if let url = object["webhook"]?.stringValue {
            return .webhook(try webhook(url))
        }
        throw WorkflowError(.invalidRequest, "hook: exactly one of command or webhook")
    }

    /// `http://127.0.0.1:9080/alerts`: plain HTTP on loopback only (an alert carries names and
    /// deadlines; it must not cross the network unencrypted).
    public static func webhook(_ text: String) throws -> WebhookAddress {
        func fail() -> WorkflowError {
            WorkflowError(
                .invalidRequest,
                "webhook: http://127.0.0.1:PORT/PATH, http://[::1]:PORT/PATH or http://localhost:PORT/PATH (loopback only): \(text)"
            )
        }
        guard text.hasPrefix("http://") else { throw fail() }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let host: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw fail() }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            portText = after.hasPrefix(":") ? after.dropFirst() : nil
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw fail() }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        let port = portText.map { Int($0) } ?? 80
        guard let port, (1...65_535).contains(port), isLoopback(String(host)) else { throw fail() }
        return WebhookAddress(host: String(host), port: port, path: path.isEmpty ? "/" : String(path))
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        return octets.count == 4 && octets.allSatisfy { $0 != nil } && octets[0] == 127
    }
}
