import Foundation
import KnooppuntDomain

/// Notices that a data folder's network.json changed (`knooppunt org add|remove`, a key
/// rotation copied onto this host) and reads it again, for the loops that follow the node
/// (a daemon, the desk). One place for what they all do first: compare the file's stamp, load
/// the file, and install its organisations before anything verifies with its keys, so a new
/// partner's report decodes as soon as its key is known.
public struct NetworkFileWatch: Sendable {
    public enum Outcome {
        case unchanged
        /// The file changed and loaded; its organisations are installed.
        case reloaded(NetworkConfig)
        /// The file changed but does not load: keep what is in force.
        case unreadable(any Error)
    }

    private let file: URL
    private var stamp: FileStamp

    /// Starts from the file as it is now (what the loop read at start).
    public init(_ folder: DataFolder) {
        file = folder.networkFile
        stamp = FileStamp(file)
    }

    public mutating func check() -> Outcome {
        let current = FileStamp(file)
        guard current != stamp else { return .unchanged }
        stamp = current
        let network: NetworkConfig
        do {
            network = try NetworkConfig.load(from: file)
        } catch {
            return .unreadable(error)
        }
        let registry = network.registry
        if registry != OrganisationRegistry.installed { OrganisationRegistry.install(registry) }
        return .reloaded(network)
    }
}
