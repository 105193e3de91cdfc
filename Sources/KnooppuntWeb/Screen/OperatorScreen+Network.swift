import KnooppuntConfig
import KnooppuntDomain
import Logging
import StrictJSON

/// The operator screen follows network.json while it runs, through the same watch of the file
/// as the daemons and the desk (``NetworkFileWatch``): a partner added with `knooppunt org add`
/// is known to the codec that checks the screen's documents, and its kind and groups are
/// offered as audiences in the form's classification choices.
extension OperatorScreen {
    /// How often the screen looks at network.json: a stat of one file.
    static let networkCheckInterval: Duration = .seconds(2)

    /// Looks at network.json every ``networkCheckInterval`` until cancelled.
    static func followNetwork(_ folder: DataFolder, logger: Logger) async throws {
        var watch = NetworkFileWatch(folder)
        while !Task.isCancelled {
            try await Task.sleep(for: networkCheckInterval)
            switch watch.check() {
            case .unchanged:
                continue
            case .unreadable(let error):
                logger.error(
                    "network.json changed but does not load; keeping the organisations in force",
                    metadata: ["error": "\(error)"])
            case .reloaded(let network):
                logger.notice(
                    "network.json reloaded: the form offers its kinds and groups",
                    metadata: ["organisations": "\(network.organisations.count)"])
            }
        }
    }

    /// The kinds and groups of `registry` a section may be classified for, in the order lists
    /// show them: `{"kinds": [...], "groups": [...]}` in the screen's status.
    static func audiences(_ registry: OrganisationRegistry) -> JSONValue {
        let groups = Set(registry.organisations.flatMap(\.groups)).sorted()
        return [
            "kinds": .array(registry.byKind.map { .string($0.kind.rawValue) }),
            "groups": .array(groups.map { .string($0) }),
        ]
    }
}
