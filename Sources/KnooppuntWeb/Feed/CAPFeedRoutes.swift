import Foundation
import Hummingbird
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import Synchronization

/// The public alert feed on the desk: `GET /cap/feed.atom` (Atom, `application/atom+xml`) and
/// `GET /cap/ID.xml` (one CAP 1.2 alert, `application/cap+xml`), without signing in, like the
/// CHP public view: nothing in them depends on who asks, and only public content reaches them
/// (``CAPExport/feed(_:exercise:)``). `?exercise=1` serves the exercise alerts instead, and
/// only then. Answers carry an `ETag` (and `Last-Modified` when there is an alert), so a
/// poller that sends `If-None-Match` gets 304 until something changes.
struct CAPFeedRoutes: Sendable {
    let feed: DeskFeed
    private let exporter = CAPExport()
    /// The feed of the latest state, per picture (real, exercise): built once per desk state,
    /// not once per poll.
    private let cache = Cache()

    init(feed: DeskFeed) { self.feed = feed }

    /// Paths anyone may fetch (``SignInGuard``).
    static func isPublic(_ path: String) -> Bool { path.hasPrefix("/cap/") }

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("cap/feed.atom") { request, _ in
            let feed = try current(request)
            let body = Array(feed.atom(base: Self.base(request)).utf8)
            return Self.reply(body, type: CAPFeed.atomType, updated: feed.updated, request: request)
        }
        router.get("cap/:file") { request, context in
            let feed = try current(request)
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".xml"), let entry = feed.entry(identifier: String(file.dropLast(4))) else {
                throw APIError(
                    .notFound, .unknownReport,
                    "\(file.prefix(80)) is not a current public\(feed.exercise ? " exercise" : "") alert; "
                        + "the feed /cap/feed.atom\(feed.exercise ? "?exercise=1" : "") lists them")
            }
            return Self.reply(
                Array(entry.xml.utf8), type: CAPFeed.capType, updated: entry.updated, request: request)
        }
    }

    private func current(_ request: Request) throws -> CAPFeed {
        guard let state = feed.current, state.ready else {
            throw APIError(
                .serviceUnavailable, .nodeUnreachable, "the desk has not received the node's picture yet")
        }
        let exercise = ["1", "true"].contains(request.uri.queryParameters.get("exercise") ?? "")
        if let cached = cache.feeds.withLock({ $0[exercise] }), cached.version == state.version {
            return cached.feed
        }
        let built = exporter.feed(state.records, exercise: exercise)
        cache.feeds.withLock { $0[exercise] = (state.version, built) }
        return built
    }

    /// `http://host:port` as the request named it (``RequestGuard`` lets only this server's
    /// own names through), so the links work from where the poller reached us.
    static func base(_ request: Request) -> String { "http://\(request.head.authority ?? "127.0.0.1")" }

    static func reply(_ body: [UInt8], type: String, updated: Timestamp?, request: Request) -> Response {
        let tag = etag(body)
        var headers: HTTPFields = [
            .contentType: type, .cacheControl: "no-cache", .eTag: tag, .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: HTTPReply.contentSecurityPolicy,
        ]
        if let updated { headers[.lastModified] = httpDate(updated) }
        if let asked = request.headers[.ifNoneMatch],
            asked.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag })
        {
            return Response(status: .notModified, headers: headers)
        }
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A strong validator from the bytes themselves (FNV-1a, 64 bits): the same answer gives
    /// the same tag, across restarts too.
    static func etag(_ body: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 IMF-fixdate).
    static func httpDate(_ time: Timestamp) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(time.millisecondsSinceEpoch / 1000)))
    }

    final class Cache: Sendable {
        let feeds = Mutex<[Bool: (version: UInt64, feed: CAPFeed)]>([:])
    }
}
