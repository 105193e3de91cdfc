import Hummingbird
import KnooppuntProtocol
import StrictJSON
import Synchronization

/// Responses with the headers every screen and API answer carries.
enum HTTPReply {
    /// Everything a page needs is served by this process: a page may load nothing from
    /// elsewhere and send nothing elsewhere (crisis centres may be cut off, and nothing should
    /// leak from a screen).
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; font-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        bytes(JSONWriter.canonical(value), type: "application/json", status: status)
    }

    static func bytes(
        _ bytes: [UInt8], type: String, status: HTTPResponse.Status = .ok, cache: Bool = false
    ) -> Response {
        let headers: HTTPFields = [
            .contentType: type, .cacheControl: cache ? "max-age=300" : "no-store",
            .contentSecurityPolicy: contentSecurityPolicy, .xContentTypeOptions: "nosniff",
        ]
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func text(_ text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        bytes(Array(text.utf8), type: type, status: status)
    }

    /// A static asset (page, stylesheet, script), identical for the life of the process.
    static func asset(_ text: String, type: String) -> Response {
        bytes(Array(text.utf8), type: type, cache: false)
    }
}

/// Checks every request before a route sees it:
/// - the Host header must name this server on loopback (or the configured host), so a web
///   page elsewhere cannot reach the screen through DNS rebinding;
/// - a request that writes must be JSON and, when the browser names its origin, come from
///   this server's own pages: a form on another site cannot post to it.
struct RequestGuard<Context: RequestContext>: RouterMiddleware {
    let host: String
    let port: BoundPort

    var allowedHosts: Set<String> {
        let port = port.value
        return ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)", "\(host.lowercased()):\(port)"]
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        let allowed = allowedHosts
        let authority = (request.head.authority ?? "").lowercased()
        guard allowed.contains(authority) else {
            throw APIError(
                .misdirectedRequest, .notPermitted, "this server answers only as 127.0.0.1:\(port.value)")
        }
        if request.method == .post || request.method == .put || request.method == .patch {
            let type = request.headers[.contentType] ?? ""
            guard type.lowercased().hasPrefix("application/json") else {
                throw APIError(
                    .unsupportedMediaType, .invalidJSON, "send the request body as application/json")
            }
            if let origin = request.headers[.origin], !allowed.contains(where: { origin == "http://\($0)" }) {
                throw APIError(.forbidden, .notPermitted, "requests from \(origin) are not accepted")
            }
        }
        return try await next(request, context)
    }
}

/// The port a server listens on, known once it runs (a configured 0 picks a free one).
final class BoundPort: Sendable {
    private let stored: Atomic<Int>
    init(_ configured: Int) { stored = Atomic(configured) }
    var value: Int { stored.load(ordering: .relaxed) }
    func set(_ port: Int) { stored.store(port, ordering: .relaxed) }
}

extension Request {
    /// The body as JSON, at most `limit` bytes.
    func jsonBody(limit: Int) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, .frameTooLarge, "the request body exceeds \(limit) bytes")
        }
        do {
            return try JSONParser.parse(Array(buffer.readableBytesView))
        } catch {
            throw APIError(.badRequest, .invalidJSON, "the request body is not JSON: \(error)")
        }
    }
}
