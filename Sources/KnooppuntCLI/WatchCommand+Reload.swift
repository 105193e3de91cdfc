import KnooppuntClient
import KnooppuntConfig

/// `watch` follows changes of network.json while it runs, through the same watch of the file
/// as the daemons and the desk (``NetworkFileWatch``): organisations added or removed with
/// `knooppunt org add|remove` show up in its lists, and their reports verify.
extension WatchCommand {
    /// The network read again when network.json changed (its organisations are installed and the
    /// follower's mirror verifies with its keys); nil when it did not change or does not load,
    /// in which case what is in force stays.
    static func reload(_ watch: inout NetworkFileWatch, _ follower: PictureFollower) -> NetworkConfig? {
        switch watch.check() {
        case .unchanged:
            return nil
        case .unreadable(let error):
            printError("network.json changed but does not load; keeping the organisations in force: \(error)")
            return nil
        case .reloaded(let network):
            follower.update(signingKeys: network.signingKeySets, registry: network.registry)
            return network
        }
    }
}
