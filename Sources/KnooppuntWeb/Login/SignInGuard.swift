import HTTPTypes
import Hummingbird
import KnooppuntProtocol

/// Default deny: every request needs a signed-in person except the login page and its
/// script, `/healthz`, `/readyz`, the static assets and the public CAP feed (`/cap/`). The page itself redirects to the
/// login page; everything else answers 401 with E800 (or E804, E803).
///
/// Routes that act ask ``PeopleGate/require(_:_:)`` for the role on top.
struct SignInGuard<Context: RequestContext>: RouterMiddleware {
    let gate: PeopleGate

    /// Paths anyone may fetch: nothing in them depends on who asks or reveals the picture.
    static func isOpen(_ path: String) -> Bool {
        ["/login", "/api/v1/login", "/api/v1/logout", "/healthz", "/readyz", "/favicon.ico"].contains(path)
            || path.hasPrefix("/assets/") || CAPFeedRoutes.isPublic(path)
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        let path = request.uri.path
        guard !Self.isOpen(path) else { return try await next(request, context) }
        do {
            _ = try await gate.person(request)
        } catch let error as APIError where request.method == .get && (path == "/" || path == "/signalen") {
            _ = error
            // The language asked for goes along to the login page (which keeps it in a cookie).
            let language = request.uri.queryParameters.get("lang").flatMap(ScreenLanguage.init(rawValue:))
            let login = "/login" + (language.map { "?lang=\($0.rawValue)" } ?? "")
            return Response(status: .seeOther, headers: [.location: login, .cacheControl: "no-store"])
        }
        return try await next(request, context)
    }
}
