import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore

extension DaemonLoop {
    /// Every few seconds: when network.json changed (`knooppunt keys rotate` copied onto this
    /// host), the mirror verifies with the keys it lists now, current and retired, and the
    /// node's audit key is read again. This daemon's own CURVE key and the node addresses are
    /// read only at start: a rotation of this organisation's keys needs a restart.
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
        follower.update(signingKeys: network.signingKeySets)
        nodeAuditKey = network.nodeAuditPublicKey
        logger.notice(
            "network.json reloaded: the mirror verifies with its signing keys",
            metadata: ["organisations": "\(network.organisations.count)"])
    }
}
