import Foundation
import KnooppuntConfig

/// The national desk as one process: its link to the node on a poll-loop thread and its
/// HTTP server, with the access token in `DIR/desk/token`.
public enum NationalDesk {
    /// The access token file of the desk in `folder` (made on first start, 0600).
    public static func tokenPath(_ folder: DataFolder) -> String {
        URL(fileURLWithPath: DeskOptions.deskFolder(folder)).appendingPathComponent("token").path
    }

    /// Connects to the node and serves until cancelled or, inside a `ServiceGroup`, until
    /// graceful shutdown; then closes the connection (with its linger).
    /// - Parameter onStarted: told the HTTP port once the server listens.
    public static func run(
        options: DeskOptions, onStarted: @escaping @Sendable (Int) -> Void = { _ in }
    )
        async throws
    {
        try DataFolder.makeOwnerOnly(URL(fileURLWithPath: DeskOptions.deskFolder(options.folder)))
        let token = try AccessToken.loadOrCreate(at: tokenPath(options.folder))
        let link = DeskLink(options: options)
        // Opens the journal and the sockets on the loop thread; returns once they are set up.
        try link.start()
        defer { link.stop() }
        try await DeskServer(
            settings: DeskServer.Settings(options), backend: link, token: token, logger: options.logger,
            onStarted: onStarted
        ).run()
    }
}
