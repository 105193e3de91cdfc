import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntStore

/// The national desk as one process: its link to the node on a poll-loop thread and its
/// HTTP server, where desk officers log in with their accounts of the national organisation
/// (`DIR/desk/people.sqlite`, docs/PEOPLE.md).
public enum NationalDesk {

    /// Connects to the node and serves until cancelled or, inside a `ServiceGroup`, until
    /// graceful shutdown; then closes the connection (with its linger).
    /// - Parameter onStarted: told the HTTP port once the server listens.
    public static func run(
        options: DeskOptions, onStarted: @escaping @Sendable (Int) -> Void = { _ in }
    )
        async throws
    {
        try DataFolder.makeOwnerOnly(URL(fileURLWithPath: DeskOptions.deskFolder(options.folder)))
        let people = try PeopleStore(
            path: PeopleStore.path(in: options.folder.peopleFolder(.national)), organisation: .national,
            limits: options.login, actor: "desk")
        let gate = PeopleGate(store: people, secureCookies: options.secureCookies, logger: options.logger)
        let link = DeskLink(options: options)
        // Opens the journal and the sockets on the loop thread; returns once they are set up.
        try link.start()
        defer { link.stop() }
        var settings = DeskServer.Settings(options)
        settings.signalPolicy = try SignalPolicy.load(folder: options.folder.root)
        try await DeskServer(
            settings: settings, backend: link, gate: gate, logger: options.logger,
            onStarted: onStarted
        ).run()
    }
}
