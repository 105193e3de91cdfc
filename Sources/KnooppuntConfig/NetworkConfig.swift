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
}

/// The network: where the node is, who takes part, and their public keys. Holds no secrets;
/// it lives in `DIR/network.json` and is the same file on every host of a deployment.
public struct NetworkConfig: Sendable {
    public static let defaultBasePort = 7400

    /// The node's endpoint for daemons to connect to, e.g. `tcp://127.0.0.1:7402`.
    public var nodeEndpoint: String
    /// Where the node binds (often `tcp://*:7402` on a real host).
    public var nodeBind: String
    public var nodeCurvePublicKey: String
    /// Base port of the read-only CHP endpoint (snapshot on P, updates on P+1); nil = off.
    public var chpBasePort: Int?
    /// Host the CHP endpoint binds on (loopback unless configured otherwise).
    public var chpHost: String
    public var organisations: [OrganisationCode: OrganisationKeys]

    public var verifyingKeys: [OrganisationCode: VerifyingKey] { organisations.mapValues(\.signingPublicKey) }

    /// Daemons of this network (every organisation but the national one, which is the node).
    public var daemons: [OrganisationCode] { organisations.keys.filter { $0 != .national }.sorted() }

    public init(
        nodeEndpoint: String, nodeBind: String, nodeCurvePublicKey: String, chpBasePort: Int?,
        chpHost: String = "127.0.0.1",
        organisations: [OrganisationCode: OrganisationKeys]
    ) {
        self.nodeEndpoint = nodeEndpoint
        self.nodeBind = nodeBind
        self.nodeCurvePublicKey = nodeCurvePublicKey
        self.chpBasePort = chpBasePort
        self.chpHost = chpHost
        self.organisations = organisations
    }

    public var json: JSONValue {
        var node: [String: JSONValue] = [
            "endpoint": .string(nodeEndpoint), "bind": .string(nodeBind),
            "curvePublicKey": .string(nodeCurvePublicKey),
            "chpHost": .string(chpHost),
        ]
        node["chpBasePort"] = chpBasePort.map { .integer(Int64($0)) } ?? .null
        var orgs: [String: JSONValue] = [:]
        for (code, keys) in organisations {
            orgs[code.rawValue] = [
                "curvePublicKey": .string(keys.curvePublicKey),
                "signingPublicKey": .string(Hex.encode(keys.signingPublicKey.rawRepresentation)),
            ]
        }
        return ["version": 1, "node": .object(node), "organisations": .object(orgs)]
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
        guard let node = value["node"], let endpoint = node["endpoint"]?.stringValue,
            let bind = node["bind"]?.stringValue,
            let nodeKey = node["curvePublicKey"]?.stringValue, Z85.decode(nodeKey)?.count == 32
        else { throw fail("node needs endpoint, bind and a 40-character curvePublicKey") }
        var chp: Int?
        if let port = node["chpBasePort"], port != .null {
            guard let number = port.integerValue, (1...65_534).contains(number) else {
                throw fail("chpBasePort must be a port")
            }
            chp = Int(number)
        }
        var organisations: [OrganisationCode: OrganisationKeys] = [:]
        for (name, entry) in value["organisations"]?.objectValue ?? [:] {
            guard let code = OrganisationCode(name) else { throw fail("unknown organisation \(name)") }
            guard let curve = entry["curvePublicKey"]?.stringValue, Z85.decode(curve)?.count == 32,
                let signingHex = entry["signingPublicKey"]?.stringValue, let signing = Hex.decode(signingHex),
                let verifying = try? VerifyingKey(rawRepresentation: signing)
            else { throw fail("\(name) needs a curvePublicKey (Z85) and a signingPublicKey (hex)") }
            organisations[code] = OrganisationKeys(curvePublicKey: curve, signingPublicKey: verifying)
        }
        guard organisations[.national] != nil else { throw fail("the NATIONAL organisation is missing") }
        return NetworkConfig(
            nodeEndpoint: endpoint, nodeBind: bind, nodeCurvePublicKey: nodeKey, chpBasePort: chp,
            chpHost: node["chpHost"]?.stringValue ?? "127.0.0.1", organisations: organisations)
    }

    public func save(to url: URL) throws {
        let data = Data((JSONWriter.pretty(json) + "\n").utf8)
        try data.write(to: url, options: .atomic)
    }
}

/// An organisation's secret keys, from `DIR/keys/ORG.json` (owner-only).
public struct OrganisationSecrets: Sendable {
    public var curve: CurveKeyPair
    public var signing: SigningKey

    public static func generate() throws -> OrganisationSecrets {
        OrganisationSecrets(curve: try CurveKeyPair.generate(), signing: .generate())
    }

    public var json: JSONValue {
        [
            "curveSecretKey": .string(curve.secretKey),
            "signingSecretKey": .string(Hex.encode(signing.rawRepresentation)),
        ]
    }

    public var publicKeys: OrganisationKeys {
        OrganisationKeys(curvePublicKey: curve.publicKey, signingPublicKey: signing.publicKey)
    }

    public static func load(from url: URL) throws -> OrganisationSecrets {
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw ConfigError("\(url.path) not found") }
        guard info.st_mode & 0o077 == 0 else {
            throw ConfigError(
                "\(url.path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 on it"
            )
        }
        guard let data = FileManager.default.contents(atPath: url.path),
            let value = try? JSONParser.parse([UInt8](data)),
            let curveSecret = value["curveSecretKey"]?.stringValue,
            let signingHex = value["signingSecretKey"]?.stringValue, let signingBytes = Hex.decode(signingHex)
        else { throw ConfigError("\(url.path) is not a key file") }
        do {
            return OrganisationSecrets(
                curve: try CurveKeyPair(secretKey: curveSecret),
                signing: try SigningKey(rawRepresentation: signingBytes))
        } catch {
            throw ConfigError("\(url.path): \(error)")
        }
    }

    public func save(to url: URL) throws {
        try DataFolder.writeSecret(Data(JSONWriter.canonical(json)), to: url)
    }
}

extension DataFolder {
    /// Makes sure a local network exists in this folder: every organisation's keys and the
    /// node's server key (generated when missing, never overwritten), and network.json for
    /// a node on 127.0.0.1 at `basePort`+2. Returns the configuration.
    public func prepareLocalNetwork(basePort: Int, chp: Bool) throws -> NetworkConfig {
        try DataFolder.makeOwnerOnly(root)
        try DataFolder.makeOwnerOnly(keysFolder)
        var organisations: [OrganisationCode: OrganisationKeys] = [:]
        for code in OrganisationCode.all {
            let url = keyFile(code)
            let secrets: OrganisationSecrets
            if FileManager.default.fileExists(atPath: url.path) {
                secrets = try OrganisationSecrets.load(from: url)
            } else {
                secrets = try OrganisationSecrets.generate()
                try secrets.save(to: url)
            }
            organisations[code] = secrets.publicKeys
        }
        let server: CurveKeyPair
        if FileManager.default.fileExists(atPath: nodeServerKeyFile.path) {
            server = try loadNodeServerKey()
        } else {
            server = try CurveKeyPair.generate()
            try DataFolder.writeSecret(
                Data(JSONWriter.canonical(["curveSecretKey": .string(server.secretKey)])),
                to: nodeServerKeyFile)
        }
        let config = NetworkConfig(
            nodeEndpoint: "tcp://127.0.0.1:\(basePort + 2)", nodeBind: "tcp://127.0.0.1:\(basePort + 2)",
            nodeCurvePublicKey: server.publicKey, chpBasePort: chp ? basePort : nil,
            organisations: organisations)
        try config.save(to: networkFile)
        return config
    }

    public func loadNodeServerKey() throws -> CurveKeyPair {
        var info = stat()
        guard stat(nodeServerKeyFile.path, &info) == 0 else {
            throw ConfigError("\(nodeServerKeyFile.path) not found")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ConfigError("\(nodeServerKeyFile.path) is readable by others")
        }
        guard let data = FileManager.default.contents(atPath: nodeServerKeyFile.path),
            let secret = (try? JSONParser.parse([UInt8](data)))?["curveSecretKey"]?.stringValue
        else { throw ConfigError("\(nodeServerKeyFile.path) is not a key file") }
        do { return try CurveKeyPair(secretKey: secret) } catch {
            throw ConfigError("\(nodeServerKeyFile.path): \(error)")
        }
    }
}
