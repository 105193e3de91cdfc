import KnooppuntConfig

extension DaemonLoop {
    /// Every few seconds: when network.json changed (`knooppunt keys rotate` copied onto this
    /// host, `knooppunt org add|remove`), the organisations are installed again (in the watch),
    /// the mirror verifies with the keys it lists now, current and retired, and the node's audit
    /// key is read again, so reports of a partner added (or naming one) while this daemon runs
    /// decode in its mirror and its operators' documents. This daemon's own CURVE key and the
    /// node addresses are read only at start: a rotation of this organisation's keys needs a
    /// restart.
    func checkNetwork() {
        switch networkWatch.check() {
        case .unchanged:
            return
        case .unreadable(let error):
            logger.error(
                "network.json changed but does not load; keeping the keys in force",
                metadata: ["error": "\(error)"])
        case .reloaded(let network):
            follower.update(signingKeys: network.signingKeySets, registry: network.registry)
            nodeAuditKey = network.nodeAuditPublicKey
            logger.notice(
                "network.json reloaded: the mirror verifies with its signing keys",
                metadata: ["organisations": "\(network.organisations.count)"])
        }
    }
}
