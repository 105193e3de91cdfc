import Foundation
import Synchronization

/// Separate hosts on one machine: a network namespace per host, each with its own address in
/// the benchmarking range 198.18.0.0/15, joined by a bridge in a switch namespace of their own
/// (nothing is added to the machine's own network). Links can be cut and healed to make
/// partitions. Needs root and iproute2.
///
/// Every namespace is named `kp<owner>n<k>-…` (the owning process id and a count), so
/// `NetworkLab.cleanUpAll()` can remove what a crashed run left behind and leave a running
/// lab alone.
public final class NetworkLab {
    public struct Host: Sendable {
        public let name: String
        public let namespace: String
        public let address: String
        /// The switch side of the host's link (cut it for a partition).
        let switchPort: String
    }

    public static let prefix = "kp"
    public let run: String
    public private(set) var hosts: [String: Host] = [:]
    let subnet: Int
    var switchNamespace: String { "\(Self.prefix)\(run)-sw" }

    /// The `ip` command, or nil when iproute2 is not installed.
    public static var ipCommand: String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Why this machine cannot host a lab (nil when it can).
    public static func unavailableReason() -> String? {
        guard getuid() == 0 else { return "network namespaces need root" }
        guard let ip = ipCommand else { return "iproute2 (the `ip` command) is not installed" }
        let probe = "\(prefix)probe\(getpid())"
        guard (try? Self.ip(ip, ["netns", "add", probe])) != nil else {
            return "this machine does not allow creating network namespaces"
        }
        _ = try? Self.ip(ip, ["netns", "del", probe])
        return nil
    }

    /// Labs this process has made, for a unique name (the last digit of it).
    private static let made = Mutex(0)

    /// Creates the hosts, their links and addresses. `owner` is the process whose exit leaves
    /// the lab to `cleanUpAll()` (this one; a test passes an exited one to act out a crash).
    public init(hosts names: [String], owner: pid_t = getpid()) throws {
        guard names.count <= 200 else { throw ChaosError("a lab has at most 200 hosts") }
        // Interface names hold 15 bytes: "kp" + run (at most 7 + 2) + "h199".
        let count = Self.made.withLock {
            $0 += 1
            return $0 % 10
        }
        run = "\(owner)n\(count)"
        subnet = Int.random(in: 0..<250)
        try Self.ip(["netns", "add", switchNamespace])
        try Self.ip(["-n", switchNamespace, "link", "add", "br0", "type", "bridge"])
        try Self.ip(["-n", switchNamespace, "link", "set", "br0", "up"])
        try Self.ip(["-n", switchNamespace, "link", "set", "lo", "up"])
        for (index, name) in names.enumerated() {
            let namespace = "\(Self.prefix)\(run)-h\(index)"
            let address = "198.18.\(subnet).\(index + 1)"
            let hostSide = "\(Self.prefix)\(run)h\(index)"
            let switchSide = "\(Self.prefix)\(run)s\(index)"
            try Self.ip(["netns", "add", namespace])
            try Self.ip(["link", "add", hostSide, "type", "veth", "peer", "name", switchSide])
            try Self.ip(["link", "set", hostSide, "netns", namespace])
            try Self.ip(["link", "set", switchSide, "netns", switchNamespace])
            try Self.ip(["-n", namespace, "link", "set", hostSide, "name", "eth0"])
            try Self.ip(["-n", namespace, "addr", "add", "\(address)/24", "dev", "eth0"])
            try Self.ip(["-n", namespace, "link", "set", "eth0", "up"])
            try Self.ip(["-n", namespace, "link", "set", "lo", "up"])
            try Self.ip(["-n", switchNamespace, "link", "set", switchSide, "master", "br0"])
            try Self.ip(["-n", switchNamespace, "link", "set", switchSide, "up"])
            hosts[name] = Host(name: name, namespace: namespace, address: address, switchPort: switchSide)
        }
        do {
            try checkIsolated()
        } catch {
            cleanUp()
            throw error
        }
    }

    /// The promise of the lab: no host can reach beyond it. A host with a default route could
    /// (its traffic would leave through whatever that route names), so the lab refuses to run.
    public func checkIsolated() throws {
        for host in hosts.values.sorted(by: { $0.name < $1.name }) {
            let routes = try Self.ip(["-n", host.namespace, "route", "show", "default"])
            guard routes.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ChaosError("host \(host.name) has a default route; refusing to run")
            }
        }
    }

    /// This lab's namespaces: one per host and the switch's.
    public var namespaces: [String] { hosts.values.map(\.namespace).sorted() + [switchNamespace] }

    /// Every namespace on this machine with a lab's name (this run's or a crashed one's).
    public static func existingNamespaces() -> [String] {
        guard let list = try? ip(["netns", "list"]) else { return [] }
        return list.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }.filter {
            $0.hasPrefix(prefix) && $0.dropFirst(prefix.count).first?.isNumber == true
        }
    }

    /// Runs a command inside a host and returns its standard output (for checks such as `ss`).
    public func run(on name: String, _ arguments: [String]) throws -> String {
        guard let host = hosts[name] else { throw ChaosError("no host \(name) in this lab") }
        return try Self.ip(["netns", "exec", host.namespace] + arguments)
    }

    /// Cuts a host off the lab network (its processes keep running).
    public func cut(_ name: String) throws {
        guard let host = hosts[name] else { return }
        try Self.ip(["-n", switchNamespace, "link", "set", host.switchPort, "down"])
    }

    public func heal(_ name: String) throws {
        guard let host = hosts[name] else { return }
        try Self.ip(["-n", switchNamespace, "link", "set", host.switchPort, "up"])
    }

    /// The command line that runs `arguments` (binary first) inside a host.
    public func command(on name: String, _ arguments: [String]) -> (executable: URL, arguments: [String]) {
        (
            URL(fileURLWithPath: Self.ipCommand ?? "/usr/sbin/ip"),
            ["netns", "exec", hosts[name]!.namespace] + arguments
        )
    }

    /// Removes this lab's namespaces (the links go with them).
    public func cleanUp() {
        for host in hosts.values { _ = try? Self.ip(["netns", "del", host.namespace]) }
        _ = try? Self.ip(["netns", "del", switchNamespace])
    }

    /// Removes every namespace a lab left behind (after a crash): `knooppunt chaos --cleanup`.
    /// A lab whose owning process still runs is left alone (`inUse`), so a cleanup never cuts
    /// the hosts from under a running chaos run or test.
    @discardableResult
    public static func cleanUpAll() -> (removed: [String], inUse: [String]) {
        var removed: [String] = []
        var inUse: [String] = []
        for namespace in existingNamespaces() {
            if let owner = owner(of: namespace), isRunning(owner) {
                inUse.append(namespace)
            } else if (try? ip(["netns", "del", namespace])) != nil {
                removed.append(namespace)
            }
        }
        return (removed, inUse)
    }

    /// The process that made a lab's namespace (nil for names of another form).
    static func owner(of namespace: String) -> pid_t? {
        let digits = namespace.dropFirst(prefix.count).prefix { $0.isNumber }
        guard namespace.dropFirst(prefix.count + digits.count).first == "n" else { return nil }
        return pid_t(digits)
    }

    static func isRunning(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    @discardableResult
    static func ip(_ arguments: [String]) throws -> String {
        guard let command = ipCommand else {
            throw ChaosError("iproute2 (the `ip` command) is not installed")
        }
        return try ip(command, arguments)
    }

    @discardableResult
    static func ip(_ command: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ChaosError(
                "ip \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
