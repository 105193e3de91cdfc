import Hummingbird
import Logging
import StrictJSON

/// A small HTTP server on loopback for a process without a web screen (the node, a daemon):
/// `GET /metrics` (Prometheus text), `GET /healthz` (the process runs) and `GET /readyz`
/// (the process does its job: `ready` says so, with a reason when it does not).
///
/// `run()` serves until the task is cancelled or, inside a swift-service-lifecycle
/// `ServiceGroup`, until graceful shutdown (the CLI declares it a `Service`; see DeskCommand):
///
/// ```swift
/// let metrics = MetricsServer(port: 9402, logger: logger) { (server.isReady, "…") }
/// ServiceGroup(configuration: .init(services: [daemonService, metrics], ...))
/// ```
public struct MetricsServer: Sendable {
    /// Whether the process is ready, and if not why (for `/readyz`).
    public typealias Readiness = @Sendable () -> (ready: Bool, reason: String)

    public let host: String
    public let port: Int
    let logger: Logger
    let readiness: Readiness
    let onStarted: @Sendable (Int) -> Void

    /// - Parameters:
    ///   - port: the port on `host` (0 picks a free one; `onStarted` is told which).
    ///   - readiness: asked on every `/readyz`.
    public init(
        port: Int, host: String = "127.0.0.1", logger: Logger,
        readiness: @escaping Readiness = { (true, "running") },
        onStarted: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.logger = logger
        self.readiness = readiness
        self.onStarted = onStarted
    }

    public func run() async throws {
        MetricsEndpoint.bootstrap()
        let router = Router()
        // Middleware applies to the routes added after it.
        router.middlewares.add(APIErrorMiddleware(logger: logger))
        MetricsRoutes.add(to: router, readiness: readiness)
        let onStarted = self.onStarted
        let logger = self.logger
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                logger.info("metrics served", metadata: ["http.port": "\(bound)"])
                onStarted(bound)
            }, logger: logger)
        try await app.run()
    }
}

/// `/metrics`, `/healthz` and `/readyz`, shared by the metrics server, the desk and the screens.
enum MetricsRoutes {
    static func add<Context: RequestContext>(
        to router: Router<Context>, readiness: @escaping MetricsServer.Readiness
    ) {
        router.get("metrics") { _, _ in
            HTTPReply.text(MetricsEndpoint.render(), type: MetricsEndpoint.contentType)
        }
        router.get("healthz") { _, _ in HTTPReply.json(["status": "ok", "version": BuildIdentity.current]) }
        router.get("readyz") { _, _ in
            let (ready, reason) = readiness()
            guard ready else {
                var error = APIError(.serviceUnavailable, .nodeUnreachable, reason)
                error.detail["ready"] = false
                throw error
            }
            return HTTPReply.json(["ready": true, "reason": .string(reason)])
        }
    }
}
