import ArgumentParser
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntStore
import KnooppuntWeb
import Logging

/// The login settings of the desk and the operator screens.
struct LoginOptions: ParsableArguments {
    @Option(help: "Minutes without a request after which a session ends (default 30).")
    var idleTimeout: Int = 30
    @Flag(help: "Mark the session cookie Secure: set when the screen is reached over TLS (a TLS proxy).")
    var secureCookies = false

    func validate() throws {
        guard (1...24 * 60).contains(idleTimeout) else {
            throw ValidationError("--idle-timeout is 1…1440 minutes")
        }
    }

    var limits: LoginLimits {
        var limits = LoginLimits()
        limits.idleTimeout = .seconds(idleTimeout * 60)
        return limits
    }

    /// The organisation's accounts behind a screen.
    func gate(_ organisation: OrganisationCode, folder: DataFolder, logger: Logger) throws -> PeopleGate {
        let store = try PeopleStore(
            path: PeopleStore.path(in: folder.peopleFolder(organisation)), organisation: organisation,
            limits: limits, actor: "screen \(organisation)")
        return PeopleGate(store: store, secureCookies: secureCookies, logger: logger)
    }
}
