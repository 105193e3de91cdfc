import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain

extension DaemonLoop {
    /// Every few seconds: when network.json changed (`knooppunt keys rotate` copied onto this
    /// host), the mirror verifies with the keys it lists now, current and retired, and the
    /// node's audit key is read again, and the organisations are installed again, so reports
    /// of a partner added (or naming one) while this daemon runs decode in its mirror and its
    /// operators' documents. This daemon's own CURVE key and the node addresses are read only
    /// at start: a rotation of this organisation's keys needs a restart.
    func checkNetwork() {
        let stamp = FileStamp(options.folder.networkFile)
        guard stamp != networkStamp else { return }
        networkStamp = stamp
        let network: NetworkConfig
        do {
            network = try NetworkConfig.load(from: options.folder.networkFile)
        } catch {
            logger.error(
                "network.json changed but does not load; keeping the keys in force",
                metadata: ["error": "\(error)"])
            return
        }
        // The registry first: the mirror may verify a new partner's report as soon as it has its key.
        let registry = network.registry
        if registry != OrganisationRegistry.installed { OrganisationRegistry.install(registry) }
        follower.update(signingKeys: network.signingKeySets)
        nodeAuditKey = network.nodeAuditPublicKey
        logger.notice(
            "network.json reloaded: the mirror verifies with its signing keys",
            metadata: ["organisations": "\(network.organisations.count)"])
    }
}
