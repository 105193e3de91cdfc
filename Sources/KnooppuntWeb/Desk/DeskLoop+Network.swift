import KnooppuntConfig

extension DeskLoop {
    /// Every tick: when network.json changed (`knooppunt org add|remove`, a key rotation), the
    /// organisations are installed again (in the watch) and the mirror verifies with the
    /// signing keys it lists now, so a partner added while the desk runs appears on its board
    /// and lists under its kind, with its name, and its reports verify. As a daemon does
    /// (DaemonLoop+Network.swift). The desk's own key and the node addresses are read only at
    /// start.
    func checkNetwork() {
        switch networkWatch.check() {
        case .unchanged:
            return
        case .unreadable(let error):
            logger.error(
                "network.json changed but does not load; keeping the organisations and keys in force",
                metadata: ["error": "\(error)"])
        case .reloaded(let network):
            follower.update(signingKeys: network.signingKeySets, registry: network.registry)
            dirty = true
            logger.notice(
                "network.json reloaded: the board and lists show its organisations",
                metadata: ["organisations": "\(network.organisations.count)"])
        }
    }
}
