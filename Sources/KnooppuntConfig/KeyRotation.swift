import Foundation
import KnooppuntDomain
import KnooppuntProtocol

/// What `knooppunt keys rotate` changed for one organisation.
public struct KeyRotation: Sendable {
    public let organisation: OrganisationCode
    public let previous: OrganisationKeys
    public let current: OrganisationKeys
}

extension DataFolder {
    /// Replaces one organisation's CURVE key pair and signing key, without touching anyone
    /// else's: the new secret goes to `keys/ORG.json` (owner-only), the new public keys into
    /// network.json, and the old signing key stays listed as retired so the reports it signed
    /// keep verifying. The old CURVE key is no longer admitted once a node reloads network.json.
    ///
    /// The secret is written first: a daemon that picks it up before the node has reloaded is
    /// refused for a moment and keeps its reports queued; never the other way round, where the
    /// node would admit a key nobody holds.
    public func rotateKeys(of organisation: OrganisationCode) throws -> KeyRotation {
        var network = try NetworkConfig.load(from: networkFile)
        guard let previous = network.organisations[organisation] else {
            throw ConfigError("\(organisation) is not in \(networkFile.path)")
        }
        guard FileManager.default.fileExists(atPath: keyFile(organisation).path) else {
            throw ConfigError(
                "\(keyFile(organisation).path) not found: rotate on the machine that holds the deployment's keys"
            )
        }
        let secrets = try OrganisationSecrets.generate()
        try secrets.save(to: keyFile(organisation))
        var current = secrets.publicKeys
        current.retiredSigningPublicKeys = previous.retiredSigningPublicKeys + [previous.signingPublicKey]
        network.organisations[organisation] = current
        try network.save(to: networkFile)
        return KeyRotation(organisation: organisation, previous: previous, current: current)
    }
}
