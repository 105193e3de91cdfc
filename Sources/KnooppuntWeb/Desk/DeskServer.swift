import Hummingbird
import HummingbirdWebSocket
import KnooppuntCore
import KnooppuntDomain
import Logging
import Metrics

/// The national desk's HTTP side: the page, its assets, the live stream (WebSocket `/live`),
/// the JSON API (`/api/v1`, docs/openapi.yaml), the public CAP feed (`/cap/`) and `/metrics`,
/// `/healthz`, `/readyz`.
///
/// It reads only the latest ``DeskState`` from the backend's feed and hands writes to the
/// backend; the part that talks to the node runs on its own thread (``DeskLink``).
public struct DeskServer: Sendable {
    public struct Settings: Sendable {
        public var host = "127.0.0.1"
        public var port = DeskOptions.defaultPort
        public var maxLiveClients = 64
        public var writeWait: Duration = .seconds(3)
        public var maxRequestBytes = 64 * 1024
        /// The signal policy in force (DIR/signals.yaml): its acknowledgement time tells the
        /// signal board when a recipient is overdue.
        public var signalPolicy: SignalPolicy = .builtIn

        public init() {}

        public init(_ options: DeskOptions) {
            host = options.host
            port = options.port
            maxLiveClients = options.maxLiveClients
            writeWait = options.writeWait
            maxRequestBytes = options.maxRequestBytes
        }
    }

    let settings: Settings
    let backend: any DeskBackend
    let gate: PeopleGate
    let logger: Logger
    let onStarted: @Sendable (Int) -> Void

    /// - Parameter onStarted: told the bound port once the server listens (port 0 picks one).
    public init(
        settings: Settings, backend: any DeskBackend, gate: PeopleGate, logger: Logger,
        onStarted: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.settings = settings
        self.backend = backend
        self.gate = gate
        self.logger = logger
        self.onStarted = onStarted
    }

    /// Serves until cancelled or, inside a `ServiceGroup`, until graceful shutdown.
    public func run() async throws {
        MetricsEndpoint.bootstrap()
        let bound = BoundPort(settings.port)
        let router = makeRouter(bound: bound)
        let logger = self.logger
        let onStarted = self.onStarted
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: router,
                configuration: .init(ws: .init(autoPing: .enabled(timePeriod: .seconds(15))))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                bound.set(port)
                logger.info(
                    "national desk serving",
                    metadata: ["http.address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                onStarted(port)
            },
            logger: logger)
        defer { backend.feed.finish() }
        try await app.run()
    }

    func makeRouter(bound: BoundPort) -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.middlewares.add(APIErrorMiddleware(logger: logger))
        router.middlewares.add(RequestGuard(host: settings.host, port: bound))
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(SignInGuard(gate: gate))
        LoginRoutes.add(to: router, gate: gate, screen: .desk)
        addPages(router)
        let feed = backend.feed
        ReportRoute.add(to: router, reader: .national) {
            guard let state = feed.current else {
                throw APIError(.serviceUnavailable, .nodeUnreachable, "the desk is starting")
            }
            return state.digest
        }
        addLive(router)
        DeskRoutes(backend: backend, gate: gate, settings: settings, logger: logger).add(to: router)
        CAPFeedRoutes(feed: feed).add(to: router)
        MetricsRoutes.add(to: router) {
            guard let state = feed.current else { return (false, "starting") }
            guard state.ready else { return (false, "the desk has not received the node's picture yet") }
            return (true, state.link.message)
        }
        return router
    }

    private func addPages(_ router: Router<BasicWebSocketRequestContext>) {
        let pages = HTTPReply.pages(DeskPage.html)
        router.get("/") { request, _ in HTTPReply.page(pages, for: request) }
        WebAssets.add(
            [
                "knooppunt.css", "common.js", "desk.js", "desk-signals.js", "map.js", "map.svg",
                "municipalities.json",
            ],
            to: router)
        router.get("favicon.ico") { _, _ in HTTPReply.bytes([], type: "image/x-icon", status: .noContent) }
    }

    /// A plain GET of `/live` (no `Upgrade: websocket`) would otherwise get an empty 200 that
    /// reads as success: it gets 426 naming the protocol instead (RFC 9110 §15.5.22).
    static func asksForWebSocket(_ request: Request) -> Bool {
        (request.headers[.upgrade] ?? "").lowercased().contains("websocket")
    }

    static var upgradeRequired: APIError {
        var error = APIError(
            .upgradeRequired, .unknownCommand,
            "/live is a WebSocket: send Upgrade: websocket (GET /api/v1/state gives the same state once)")
        error.headers[.upgrade] = "websocket"
        error.headers[.connection] = "Upgrade"
        return error
    }

    /// `/live`: the current state at once, then every newer one (each a whole state, so a
    /// browser that reconnects is up to date with its first message).
    private func addLive(_ router: Router<BasicWebSocketRequestContext>) {
        let feed = backend.feed
        let limit = settings.maxLiveClients
        let clients = Gauge(label: "knooppunt_desk_live_clients")
        router.ws(
            "live",
            shouldUpgrade: { request, _ in
                guard Self.asksForWebSocket(request) else { throw Self.upgradeRequired }
                guard feed.subscriberCount < limit else {
                    throw APIError(
                        .serviceUnavailable, .rateLimited, "\(limit) live connections are open already")
                }
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, _ in
                guard let (id, stream) = feed.subscribe(limit: limit) else { return }
                clients.record(feed.subscriberCount)
                defer {
                    feed.unsubscribe(id)
                    clients.record(feed.subscriberCount)
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // The browser sends nothing; reading notices when it goes away.
                    group.addTask { for try await _ in inbound {} }
                    group.addTask {
                        for await state in stream {
                            try await outbound.write(.text(String(decoding: state.bytes, as: UTF8.self)))
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            })
    }
}
