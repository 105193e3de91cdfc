import Foundation
import KnooppuntProtocol
import StrictJSON

/// Where the national node of a real deployment runs, as an administrator writes it (YAML or
/// JSON, see deploy/network.example.yaml): three replicas on etcd (`primary`, `backup`,
/// `third`), each host with one etcd member beside its replica, or one node alone (`primary`).
/// `knooppunt keys init --hosts FILE` turns it into the network.json every host shares and,
/// for three replicas, the etcd members' and replicas' certificates.
public struct HostsFile: Sendable, Equatable {
    public var primary: NodeAddress
    public var backup: NodeAddress?
    /// The third replica (only with a backup; the node runs it with `--etcd`).
    public var third: NodeAddress?
    /// Where the read-only CHP endpoint binds (only used when `chp` is configured).
    public var chpHost: String
    /// The etcd member on each replica's host, in role order; empty for one node alone.
    public var etcdMembers: [EtcdMemberHost] = []

    /// The node port when a file names none; the pair port is always the next one.
    public static let defaultPort = 7402

    public static func load(from url: URL) throws -> HostsFile {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigError("\(url.path) not found", code: "hosts.notFound")
        }
        let value: JSONValue
        do { value = try DocumentReader.read([UInt8](data)) } catch {
            throw ConfigError("\(url.path): \(error)", code: "hosts.unreadable")
        }
        return try parse(value, source: url.path)
    }

    public static func parse(_ value: JSONValue, source: String) throws -> HostsFile {
        func fail(_ message: String, _ code: String) -> ConfigError {
            ConfigError("\(source): \(message)", code: "hosts.\(code)")
        }
        guard let object = value.objectValue else {
            throw fail("expected a mapping with primary, backup, third and chp", "notAMapping")
        }
        for key in object.keys where !["primary", "backup", "third", "chp"].contains(key) {
            throw fail("unknown key \(key) (expected primary, backup, third, chp)", "unknownKey")
        }
        var chpPort: Int?
        var chpHost = "127.0.0.1"
        if let chp = value["chp"], chp != .null {
            guard let port = chp["port"]?.integerValue, (1...65_534).contains(port) else {
                throw fail("chp.port must be a port (the snapshot port; updates use the next one)", "badPort")
            }
            chpPort = Int(port)
            chpHost = chp["listen"]?.stringValue ?? chpHost
        }
        var hosts: [PairRole: (host: String, listen: String, etcd: JSONValue?)] = [:]
        func node(_ role: PairRole) throws -> NodeAddress? {
            let name = role.rawValue
            guard let entry = value[name], entry != .null else { return nil }
            guard entry.objectValue != nil else {
                throw fail("\(name) must be a mapping with host", "notAMapping")
            }
            for key in entry.objectValue!.keys where !["host", "listen", "port", "etcd"].contains(key) {
                throw fail("unknown key \(name).\(key) (expected host, listen, port, etcd)", "unknownKey")
            }
            guard let host = entry["host"]?.stringValue, !host.isEmpty else {
                throw fail(
                    "\(name).host is missing: the name or address the others reach it by", "missingHost")
            }
            guard !host.contains(":") || host.hasPrefix("[") else {
                throw fail("\(name).host: write an IPv6 address in brackets, e.g. [2001:db8::1]", "bareIPv6")
            }
            let port = Int(entry["port"]?.integerValue ?? Int64(defaultPort))
            guard (1...65_534).contains(port) else {
                throw fail("\(name).port must be a port below 65535", "badPort")
            }
            let listen = entry["listen"]?.stringValue ?? "*"
            hosts[role] = (host, listen, entry["etcd"])
            return NodeAddress(
                endpoint: "tcp://\(host):\(port)", bind: "tcp://\(listen):\(port)",
                pairEndpoint: "tcp://\(host):\(port + 1)", pairBind: "tcp://\(listen):\(port + 1)",
                chpBasePort: chpPort)
        }
        guard let primary = try node(.primary) else { throw fail("primary is missing", "missingPrimary") }
        let backup = try node(.backup)
        let third = try node(.third)
        guard third == nil || backup != nil else {
            throw fail("third needs a backup (replicas fill in order)", "thirdWithoutBackup")
        }
        guard backup == nil || third != nil else {
            throw fail(
                "backup needs a third: the national node runs as three replicas, each host with its etcd member (the hot-standby pair without etcd is retired); name only primary for one node alone",
                "backupWithoutThird")
        }
        var file = HostsFile(primary: primary, backup: backup, third: third, chpHost: chpHost)
        guard third != nil else {
            if let role = PairRole.allCases.first(where: { hosts[$0]?.etcd.map { $0 != .null } == true }) {
                throw fail(
                    "\(role.rawValue).etcd: etcd members need three replicas (primary, backup, third)",
                    "etcdNeedsThree")
            }
            return file
        }
        file.etcdMembers = try PairRole.allCases.map { role in
            let (host, listen, etcd) = hosts[role]!
            return try EtcdMemberHost.parse(
                role: role, host: host, listen: listen, etcd: etcd, fail: { fail($0, $1) })
        }
        return file
    }
}

/// One etcd member of the quorum deployment: on its replica's host, named after the replica's
/// role, with the client and peer ports and the names its certificate is valid for.
public struct EtcdMemberHost: Sendable, Equatable {
    /// etcd's client port (the node replicas' calls) and peer port (the members' own traffic):
    /// etcd's registered ports.
    public static let defaultClientPort = 2379
    public static let defaultPeerPort = 2380

    /// The member's name: its replica's role (`primary`, `backup`, `third`).
    public var name: String
    /// The name or address the replicas and the other members reach it by.
    public var host: String
    /// Where it listens (`*`: every interface).
    public var listen: String
    public var clientPort: Int
    public var peerPort: Int
    /// Further names and addresses its certificate carries (another interface, a DNS alias).
    public var addresses: [String]

    public init(
        name: String, host: String, listen: String, clientPort: Int, peerPort: Int, addresses: [String]
    ) {
        self.name = name
        self.host = host
        self.listen = listen
        self.clientPort = clientPort
        self.peerPort = peerPort
        self.addresses = addresses
    }

    public var clientURL: String { "https://\(host):\(clientPort)" }
    public var peerURL: String { "https://\(host):\(peerPort)" }
    /// Every name its certificate is valid for: its host, its other addresses, the address it
    /// listens on, and loopback (an operator's `etcdctl` on the host itself).
    public var certificateNames: [String] {
        var names = [host] + addresses
        if listen != "*" { names.append(listen) }
        names += ["localhost", "127.0.0.1"]
        var seen = Set<String>()
        return names.filter { seen.insert($0.lowercased()).inserted }
    }

    static func parse(
        role: PairRole, host: String, listen: String, etcd: JSONValue?,
        fail: (String, String) -> ConfigError
    ) throws -> EtcdMemberHost {
        let name = role.rawValue
        var member = EtcdMemberHost(
            name: name, host: host, listen: listen, clientPort: defaultClientPort, peerPort: defaultPeerPort,
            addresses: [])
        guard let etcd, etcd != .null else { return member }
        guard let object = etcd.objectValue else {
            throw fail("\(name).etcd must be a mapping (client_port, peer_port, addresses)", "notAMapping")
        }
        for key in object.keys where !["client_port", "peer_port", "addresses"].contains(key) {
            throw fail(
                "unknown key \(name).etcd.\(key) (expected client_port, peer_port, addresses)", "unknownKey")
        }
        for (key, path) in [("client_port", \EtcdMemberHost.clientPort), ("peer_port", \.peerPort)] {
            guard let field = etcd[key], field != .null else { continue }
            guard let port = field.integerValue, (1...65_535).contains(port) else {
                throw fail("\(name).etcd.\(key) must be a port", "badPort")
            }
            member[keyPath: path] = Int(port)
        }
        guard member.clientPort != member.peerPort else {
            throw fail("\(name).etcd: client_port and peer_port must differ", "badPort")
        }
        if let addresses = etcd["addresses"], addresses != .null {
            guard let list = addresses.arrayValue, list.allSatisfy({ $0.stringValue?.isEmpty == false })
            else {
                throw fail("\(name).etcd.addresses must be a list of host names or addresses", "badAddresses")
            }
            member.addresses = list.compactMap(\.stringValue)
        }
        return member
    }
}
