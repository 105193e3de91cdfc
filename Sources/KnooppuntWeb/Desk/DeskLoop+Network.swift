import KnooppuntConfig
import KnooppuntDomain

extension DeskLoop {
    /// Every tick: when network.json changed (`knooppunt org add|remove`, a key rotation), the
    /// organisations are installed again and the mirror verifies with the signing keys it lists
    /// now, so a partner added while the desk runs appears on its board and lists under its
    /// kind, with its name, and its reports verify. As a daemon does (DaemonLoop+Network.swift).
    /// The desk's own key and the node addresses are read only at start.
    func checkNetwork() {
        let stamp = FileStamp(options.folder.networkFile)
        guard stamp != networkStamp else { return }
        networkStamp = stamp
        let network: NetworkConfig
        do {
            network = try NetworkConfig.load(from: options.folder.networkFile)
        } catch {
            logger.error(
                "network.json changed but does not load; keeping the organisations and keys in force",
                metadata: ["error": "\(error)"])
            return
        }
        // The registry first: the mirror may verify a new partner's report as soon as it has its key.
        let registry = network.registry
        if registry != OrganisationRegistry.installed { OrganisationRegistry.install(registry) }
        follower.update(signingKeys: network.signingKeySets)
        dirty = true
        logger.notice(
            "network.json reloaded: the board and lists show its organisations",
            metadata: ["organisations": "\(network.organisations.count)"])
    }
}
