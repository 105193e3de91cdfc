import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// An organisation's public identity in the network: its CURVE key (transport) and its
/// Ed25519 key (report signatures).
public struct OrganisationKeys: Sendable, Hashable {
    public var curvePublicKey: String
    public var signingPublicKey: VerifyingKey
    /// Signing keys retired by `knooppunt keys rotate`, oldest first: they still verify the
    /// reports signed before the rotation.
    public var retiredSigningPublicKeys: [VerifyingKey] = []

    public init(
        curvePublicKey: String, signingPublicKey: VerifyingKey, retiredSigningPublicKeys: [VerifyingKey] = []
    ) {
        self.curvePublicKey = curvePublicKey
        self.signingPublicKey = signingPublicKey
        self.retiredSigningPublicKeys = retiredSigningPublicKeys
    }

    public var signingKeys: SigningKeySet {
        SigningKeySet(current: signingPublicKey, retired: retiredSigningPublicKeys)
    }
}

/// The network: where the national node's replicas are, who takes part, and their public keys.
/// Holds no secrets; it lives in `DIR/network.json` and is the same file on every host.
public struct NetworkConfig: Sendable {
    public static let defaultBasePort = 7400
    /// The backup node's ports start this far above the primary's on one host.
    public static let backupPortOffset = 10
    /// A third replica's ports start this far above the primary's on one host.
    public static let thirdPortOffset = 20

    public var primary: NodeAddress
    /// The second replica on etcd; nil runs one node alone.
    public var backup: NodeAddress?
    /// The third replica on etcd; nil with one node alone (and in the two-replica networks
    /// some tests run).
    public var third: NodeAddress?
    /// The nodes' CURVE public key (every replica holds the same server key).
    public var nodeCurvePublicKey: String
    /// Host the CHP endpoint binds on (loopback unless configured otherwise).
    public var chpHost: String
    /// The key the nodes sign audit checkpoints with (every replica holds its secret);
    /// nil in a network.json written before the audit log existed (run `keys init` again).
    public var nodeAuditPublicKey: VerifyingKey?
    public var organisations: [OrganisationCode: OrganisationKeys]
    /// What network.json says about its organisations beyond their keys (name, kind, area,
    /// groups): every partner has an entry; one of the 28 only when the file describes it.
    public var descriptions: [OrganisationCode: Organisation] = [:]
    /// Partners removed by `knooppunt org remove` (NetworkConfig+Organisations.swift).
    public var removed: [OrganisationCode: RemovedOrganisation] = [:]

    /// Every organisation's current signing key.
    public var verifyingKeys: [OrganisationCode: VerifyingKey] { organisations.mapValues(\.signingPublicKey) }
    /// Every organisation's signing keys, current and retired: what verifies a report.
    public var signingKeySets: [OrganisationCode: SigningKeySet] {
        organisations.mapValues(\.signingKeys).merging(removedSigningKeySets) { current, _ in current }
    }

    /// Daemons of this network (every organisation but the national one, which is the node).
    public var daemons: [OrganisationCode] { organisations.keys.filter { $0 != .national }.sorted() }

    /// The primary's endpoint (what a single-node tool connects to first).
    public var nodeEndpoint: String { primary.endpoint }

    /// Every node, primary first: what the daemons, the desk and every client follow.
    public var nodes: [(role: PairRole, address: NodeAddress)] {
        [(.primary, primary)] + (backup.map { [(.backup, $0)] } ?? []) + (third.map { [(.third, $0)] } ?? [])
    }

    public func node(_ role: PairRole) -> NodeAddress? {
        switch role {
        case .primary: primary
        case .backup: backup
        case .third: third
        }
    }

    public init(
        primary: NodeAddress, backup: NodeAddress?, third: NodeAddress? = nil, nodeCurvePublicKey: String,
        chpHost: String = "127.0.0.1", nodeAuditPublicKey: VerifyingKey? = nil,
        organisations: [OrganisationCode: OrganisationKeys]
    ) {
        precondition(third == nil || backup != nil, "a third replica needs a backup")
        self.primary = primary
        self.backup = backup
        self.third = third
        self.nodeCurvePublicKey = nodeCurvePublicKey
        self.chpHost = chpHost
        self.nodeAuditPublicKey = nodeAuditPublicKey
        self.organisations = organisations
    }

    public var json: JSONValue {
        var node: [String: JSONValue] = [
            "curvePublicKey": .string(nodeCurvePublicKey), "chpHost": .string(chpHost),
            "primary": primary.json,
            "backup": backup?.json ?? .null,
        ]
        // Written only when there is one, so a two-node network.json stays as it was.
        if let third { node["third"] = third.json }
        if let nodeAuditPublicKey {
            node["auditPublicKey"] = .string(Hex.encode(nodeAuditPublicKey.rawRepresentation))
        }
        var orgs: [String: JSONValue] = [:]
        for (code, keys) in organisations {
            var entry: [String: JSONValue] = [
                "curvePublicKey": .string(keys.curvePublicKey),
                "signingPublicKey": .string(Hex.encode(keys.signingPublicKey.rawRepresentation)),
            ]
            if !keys.retiredSigningPublicKeys.isEmpty {
                entry["retiredSigningPublicKeys"] = .array(
                    keys.retiredSigningPublicKeys.map { .string(Hex.encode($0.rawRepresentation)) })
            }
            entry.merge(descriptionJSON(code), uniquingKeysWith: { _, described in described })
            orgs[code.rawValue] = .object(entry)
        }
        var top: [String: JSONValue] = ["version": 1, "node": .object(node), "organisations": .object(orgs)]
        if !removed.isEmpty { top["removedOrganisations"] = removedJSON }
        return .object(top)
    }

    public static func load(from url: URL) throws -> NetworkConfig {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigError(
                "\(url.path) not found: start the network with `knooppunt cluster --dir \(url.deletingLastPathComponent().path)` first"
            )
        }
        let value: JSONValue
        do { value = try JSONParser.parse([UInt8](data)) } catch {
            throw ConfigError("\(url.path): \(error)")
        }
        func fail(_ message: String) -> ConfigError { ConfigError("\(url.path): \(message)") }
        guard value["version"]?.integerValue == 1 else { throw fail("version must be 1") }
        guard let node = value["node"], let nodeKey = node["curvePublicKey"]?.stringValue,
            Z85.decode(nodeKey)?.count == 32
        else { throw fail("node needs a 40-character curvePublicKey") }
        guard let primaryJSON = node["primary"] else { throw fail("node.primary is missing") }
        let primary = try NodeAddress(json: primaryJSON, fail: fail)
        let backup = try node["backup"].flatMap { $0 == .null ? nil : try NodeAddress(json: $0, fail: fail) }
        let third = try node["third"].flatMap { $0 == .null ? nil : try NodeAddress(json: $0, fail: fail) }
        guard third == nil || backup != nil else {
            throw fail("node.third needs node.backup (replicas fill in order)")
        }
        var organisations: [OrganisationCode: OrganisationKeys] = [:]
        var descriptions: [OrganisationCode: Organisation] = [:]
        for (name, entry) in value["organisations"]?.objectValue ?? [:] {
            guard let code = OrganisationCode(name) else { throw fail("unknown organisation \(name)") }
            if let description = try Self.description(code, entry, fail: fail) {
                descriptions[code] = description
            }
            guard let curve = entry["curvePublicKey"]?.stringValue, Z85.decode(curve)?.count == 32,
                let signingHex = entry["signingPublicKey"]?.stringValue,
                let verifying = verifyingKey(signingHex)
            else { throw fail("\(name) needs a curvePublicKey (Z85) and a signingPublicKey (hex)") }
            var retired: [VerifyingKey] = []
            for item in entry["retiredSigningPublicKeys"]?.arrayValue ?? [] {
                guard let key = item.stringValue.flatMap(verifyingKey) else {
                    throw fail("\(name): retiredSigningPublicKeys holds hex Ed25519 public keys")
                }
                retired.append(key)
            }
            organisations[code] = OrganisationKeys(
                curvePublicKey: curve, signingPublicKey: verifying, retiredSigningPublicKeys: retired)
        }
        guard organisations[.national] != nil else { throw fail("the NATIONAL organisation is missing") }
        var auditKey: VerifyingKey?
        if let text = node["auditPublicKey"]?.stringValue {
            guard let key = verifyingKey(text) else {
                throw fail("node.auditPublicKey must be a hex Ed25519 key")
            }
            auditKey = key
        }
        var config = NetworkConfig(
            primary: primary, backup: backup, third: third, nodeCurvePublicKey: nodeKey,
            chpHost: node["chpHost"]?.stringValue ?? "127.0.0.1", nodeAuditPublicKey: auditKey,
            organisations: organisations)
        config.descriptions = descriptions
        config.removed = try removedOrganisations(value["removedOrganisations"], fail: fail)
        return config
    }

    public func save(to url: URL) throws {
        let data = Data((JSONWriter.pretty(json) + "\n").utf8)
        try data.write(to: url, options: .atomic)
    }
}

func verifyingKey(_ hex: String) -> VerifyingKey? {
    Hex.decode(hex).flatMap { try? VerifyingKey(rawRepresentation: $0) }
}

extension DataFolder {
    /// Makes sure a local network exists in this folder: every organisation's keys and the
    /// node's server key (generated when missing, never overwritten), and network.json for
    /// replicas on 127.0.0.1 (primary from `basePort`, with `standby` a backup from
    /// `basePort`+10; see ``NodeAddress/local(host:base:chp:)``); with `third` (and `standby`)
    /// a third replica from `basePort`+20. Replicas run on etcd; one node runs alone.
    public func prepareLocalNetwork(
        basePort: Int, chp: Bool, standby: Bool = false, third: Bool = false
    ) throws -> NetworkConfig {
        try prepareNetwork(
            primary: .local(base: basePort, chp: chp),
            backup: standby ? .local(base: basePort + NetworkConfig.backupPortOffset, chp: chp) : nil,
            third: standby && third ? .local(base: basePort + NetworkConfig.thirdPortOffset, chp: chp) : nil)
    }

    /// Makes sure a network with these node addresses exists in this folder: every
    /// organisation's keys and the node's server key (generated when missing, never
    /// overwritten) and network.json. Returns the configuration.
    public func prepareNetwork(
        primary: NodeAddress, backup: NodeAddress?, third: NodeAddress? = nil, chpHost: String = "127.0.0.1"
    ) throws -> NetworkConfig {
        try DataFolder.makeOwnerOnly(root)
        try DataFolder.makeOwnerOnly(keysFolder)
        // Keys retired by `keys rotate` stay listed: they verify the reports signed before.
        let previous = try? NetworkConfig.load(from: networkFile)
        var organisations: [OrganisationCode: OrganisationKeys] = [:]
        // The 28 and every partner network.json already lists (added by `org add`).
        for code in (previous?.registry ?? .reference).codes {
            let url = keyFile(code)
            let secrets: OrganisationSecrets
            if FileManager.default.fileExists(atPath: url.path) {
                secrets = try OrganisationSecrets.load(from: url)
            } else {
                secrets = try OrganisationSecrets.generate()
                try secrets.save(to: url)
            }
            var keys = secrets.publicKeys
            keys.retiredSigningPublicKeys =
                previous?.organisations[code]?.retiredSigningPublicKeys.filter { $0 != keys.signingPublicKey }
                ?? []
            organisations[code] = keys
        }
        let server = try ensureNodeServerKey()
        var config = NetworkConfig(
            primary: primary, backup: backup, third: third, nodeCurvePublicKey: server.curve.publicKey,
            chpHost: chpHost,
            nodeAuditPublicKey: server.audit.publicKey, organisations: organisations)
        config.descriptions = previous?.descriptions ?? [:]
        config.removed = previous?.removed ?? [:]
        try config.save(to: networkFile)
        return config
    }

    /// The national node's secrets: the CURVE server key and the key that signs audit checkpoints.
    /// Generated when missing; an audit key is added to a key file written before it existed.
    private func ensureNodeServerKey() throws -> (curve: CurveKeyPair, audit: SigningKey) {
        var curve: CurveKeyPair
        var audit: SigningKey?
        if FileManager.default.fileExists(atPath: nodeServerKeyFile.path) {
            curve = try loadNodeServerKey()
            audit = try? loadNodeAuditKey()
        } else {
            curve = try CurveKeyPair.generate()
        }
        if audit == nil {
            let key = SigningKey.generate()
            try DataFolder.writeSecret(
                Data(
                    JSONWriter.canonical([
                        "curveSecretKey": .string(curve.secretKey),
                        "auditSigningSecretKey": .string(Hex.encode(key.rawRepresentation)),
                    ])),
                to: nodeServerKeyFile)
            audit = key
        }
        return (curve, audit!)
    }

    /// The key the node signs audit checkpoints with (from the node's server key file).
    public func loadNodeAuditKey() throws -> SigningKey {
        let value = try readNodeServerKeyFile()
        guard let hex = value["auditSigningSecretKey"]?.stringValue, let bytes = Hex.decode(hex),
            let key = try? SigningKey(rawRepresentation: bytes)
        else {
            throw ConfigError(
                "\(nodeServerKeyFile.path) holds no audit signing key: run `knooppunt keys init` again (it adds one and keeps every other key)"
            )
        }
        return key
    }

    private func readNodeServerKeyFile() throws -> JSONValue {
        var info = stat()
        guard stat(nodeServerKeyFile.path, &info) == 0 else {
            throw ConfigError("\(nodeServerKeyFile.path) not found")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ConfigError("\(nodeServerKeyFile.path) is readable by others")
        }
        guard let data = FileManager.default.contents(atPath: nodeServerKeyFile.path),
            let value = try? JSONParser.parse([UInt8](data))
        else { throw ConfigError("\(nodeServerKeyFile.path) is not a key file") }
        return value
    }

    public func loadNodeServerKey() throws -> CurveKeyPair {
        guard let secret = try readNodeServerKeyFile()["curveSecretKey"]?.stringValue else {
            throw ConfigError("\(nodeServerKeyFile.path) is not a key file")
        }
        do { return try CurveKeyPair(secretKey: secret) } catch {
            throw ConfigError("\(nodeServerKeyFile.path): \(error)")
        }
    }
}
