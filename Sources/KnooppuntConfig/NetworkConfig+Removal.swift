import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// A partner removed from the network (`knooppunt org remove`): no CURVE key any more, so the
/// node admits no connection of it, but its description and every signing key it held stay in
/// network.json (`removedOrganisations`), so the reports it wrote keep reading and verifying
/// in the picture, the mirrors and the audit log, as a retired key's do after a rotation.
public struct RemovedOrganisation: Sendable, Hashable {
    public var organisation: Organisation
    /// Every signing key it held, oldest first; the last one was current at its removal.
    public var signingPublicKeys: [VerifyingKey]

    public init(organisation: Organisation, signingPublicKeys: [VerifyingKey]) {
        self.organisation = organisation
        self.signingPublicKeys = signingPublicKeys
    }

    var signingKeys: SigningKeySet? {
        signingPublicKeys.last.map {
            SigningKeySet(current: $0, retired: Array(signingPublicKeys.dropLast()))
        }
    }
}

/// What `knooppunt org remove` changed.
public struct OrganisationRemoval: Sendable {
    public let organisation: Organisation
    /// The CURVE key the node no longer admits.
    public let curvePublicKey: String
    /// Whether the secret key file in DIR/keys was deleted (it is absent on a host without it).
    public let secretDeleted: Bool
}

extension NetworkConfig {
    /// The signing keys of removed partners: what still verifies the reports they wrote.
    var removedSigningKeySets: [OrganisationCode: SigningKeySet] {
        removed.compactMapValues(\.signingKeys)
    }

    var removedJSON: JSONValue {
        var entries: [String: JSONValue] = [:]
        for (code, entry) in removed {
            let described = entry.organisation
            var fields: [String: JSONValue] = [
                "name": .string(described.name), "kind": .string(described.kind.rawValue),
                "signingPublicKeys": .array(
                    entry.signingPublicKeys.map { .string(Hex.encode($0.rawRepresentation)) }),
            ]
            if !described.groups.isEmpty { fields["groups"] = .array(described.groups.map { .string($0) }) }
            entries[code.rawValue] = .object(fields)
        }
        return .object(entries)
    }

    /// Reads `removedOrganisations`: each a partner code with its name, kind, groups and
    /// signing keys. A code may not be both an organisation and removed.
    static func removedOrganisations(
        _ value: JSONValue?, fail: (String) -> ConfigError
    ) throws -> [OrganisationCode: RemovedOrganisation] {
        guard let value, value != .null else { return [:] }
        guard let object = value.objectValue else { throw fail("removedOrganisations must be an object") }
        var removed: [OrganisationCode: RemovedOrganisation] = [:]
        for (name, entry) in object {
            guard let code = OrganisationCode(name), !code.isReference else {
                throw fail("removedOrganisations: \(name) is not a partner's code (the 28 cannot be removed)")
            }
            guard let described = try description(code, entry, fail: fail) else {
                throw fail("removedOrganisations.\(name) needs a name and a kind")
            }
            var keys: [VerifyingKey] = []
            for item in entry["signingPublicKeys"]?.arrayValue ?? [] {
                guard let key = item.stringValue.flatMap(verifyingKey) else {
                    throw fail("removedOrganisations.\(name).signingPublicKeys holds hex Ed25519 public keys")
                }
                keys.append(key)
            }
            removed[code] = RemovedOrganisation(organisation: described, signingPublicKeys: keys)
        }
        return removed
    }
}

extension DataFolder {
    /// Removes a partner: its CURVE key and description leave `organisations`, its signing keys
    /// and description go to `removedOrganisations`, and its secret key file is deleted. A
    /// running node reloads network.json within seconds, refuses the partner's connections
    /// (E303 on one still open; the CURVE handshake of a new one fails) and keeps its reports.
    /// Refuses one of the 28 and a code the network does not have.
    ///
    /// network.json is written first: the node stops admitting the key before the secret
    /// goes, never the other way round.
    @discardableResult
    public func removeOrganisation(_ code: OrganisationCode) throws -> OrganisationRemoval {
        guard !code.isReference else {
            throw ConfigError(
                "\(code) is one of the 28 organisations every network has (NATIONAL, NCTV, POLICE, VR01…VR25) and cannot be removed; rotate its keys with `knooppunt keys rotate \(code)` instead"
            )
        }
        var network = try NetworkConfig.load(from: networkFile)
        guard let keys = network.organisations[code] else {
            throw ConfigError("\(code) is not an organisation of this network (`knooppunt org list`)")
        }
        let described =
            network.descriptions[code] ?? Organisation(code: code, name: code.rawValue, kind: .other)
        let earlier = network.removed[code]?.signingPublicKeys ?? []
        network.organisations[code] = nil
        network.descriptions[code] = nil
        network.removed[code] = RemovedOrganisation(
            organisation: described,
            signingPublicKeys: earlier + keys.retiredSigningPublicKeys + [keys.signingPublicKey])
        try network.save(to: networkFile)
        let secret = keyFile(code)
        let existed = FileManager.default.fileExists(atPath: secret.path)
        if existed { try FileManager.default.removeItem(at: secret) }
        return OrganisationRemoval(
            organisation: described, curvePublicKey: keys.curvePublicKey, secretDeleted: existed)
    }
}
