import Foundation
import KnooppuntProtocol
import StrictJSON

/// Where the national node of a real deployment runs, as an administrator writes it (YAML or
/// JSON, see deploy/network.example.yaml): the pair (`primary`, `backup`) or three replicas on
/// etcd (`primary`, `backup`, `third`). `knooppunt keys init --hosts FILE` turns it into the
/// network.json every host shares.
public struct HostsFile: Sendable, Equatable {
    public var primary: NodeAddress
    public var backup: NodeAddress?
    /// The third replica (only with a backup; the node runs it with `--etcd`).
    public var third: NodeAddress?
    /// Where the read-only CHP endpoint binds (only used when `chp` is configured).
    public var chpHost: String

    /// The node port when a file names none; the pair port is always the next one.
    public static let defaultPort = 7402

    public static func load(from url: URL) throws -> HostsFile {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigError("\(url.path) not found")
        }
        let value: JSONValue
        do { value = try DocumentReader.read([UInt8](data)) } catch {
            throw ConfigError("\(url.path): \(error)")
        }
        return try parse(value, source: url.path)
    }

    public static func parse(_ value: JSONValue, source: String) throws -> HostsFile {
        func fail(_ message: String) -> ConfigError { ConfigError("\(source): \(message)") }
        guard value.objectValue != nil else { throw fail("expected a mapping with primary, backup and chp") }
        for key in value.objectValue!.keys where !["primary", "backup", "third", "chp"].contains(key) {
            throw fail("unknown key \(key) (expected primary, backup, third, chp)")
        }
        var chpPort: Int?
        var chpHost = "127.0.0.1"
        if let chp = value["chp"], chp != .null {
            guard let port = chp["port"]?.integerValue, (1...65_534).contains(port) else {
                throw fail("chp.port must be a port (the snapshot port; updates use the next one)")
            }
            chpPort = Int(port)
            chpHost = chp["listen"]?.stringValue ?? chpHost
        }
        func node(_ name: String) throws -> NodeAddress? {
            guard let entry = value[name], entry != .null else { return nil }
            guard let host = entry["host"]?.stringValue, !host.isEmpty else {
                throw fail("\(name).host is missing: the name or address the others reach it by")
            }
            guard !host.contains(":") || host.hasPrefix("[") else {
                throw fail("\(name).host: write an IPv6 address in brackets, e.g. [2001:db8::1]")
            }
            let port = Int(entry["port"]?.integerValue ?? Int64(defaultPort))
            guard (1...65_534).contains(port) else { throw fail("\(name).port must be a port below 65535") }
            let listen = entry["listen"]?.stringValue ?? "*"
            return NodeAddress(
                endpoint: "tcp://\(host):\(port)", bind: "tcp://\(listen):\(port)",
                pairEndpoint: "tcp://\(host):\(port + 1)", pairBind: "tcp://\(listen):\(port + 1)",
                chpBasePort: chpPort)
        }
        guard let primary = try node("primary") else { throw fail("primary is missing") }
        let backup = try node("backup")
        let third = try node("third")
        guard third == nil || backup != nil else {
            throw fail("third needs a backup (replicas fill in order)")
        }
        return HostsFile(primary: primary, backup: backup, third: third, chpHost: chpHost)
    }
}
