import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import Logging
import StrictJSON
import Synchronization

@testable import KnooppuntWeb

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real HTTP server of the module on 127.0.0.1 (a free port) for one test, and a client.
struct LocalServer {
    let port: Int
    let task: Task<Void, any Error>
    /// Sent with every request unless the request names the header itself (a personal token).
    var headers: [String: String] = [:]

    /// The same server, asked by someone who is not signed in.
    var anonymous: LocalServer {
        var copy = self
        copy.headers = [:]
        return copy
    }

    /// Starts `run` (which reports its port to `onStarted`) and waits until it listens.
    static func start(
        _ run: @escaping @Sendable (@escaping @Sendable (Int) -> Void) async throws -> Void
    )
        async throws -> LocalServer
    {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await run { continuation.yield($0) } }
        for await port in ports { return LocalServer(port: port, task: task) }
        throw TestError("the server did not start")
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// A desk on a free port (`settings.port` is set to 0) serving `backend`, asked with
    /// `headers`, for the length of `body`; stopped afterwards, also when `body` throws.
    static func withDesk(
        settings: DeskServer.Settings = .init(), backend: any DeskBackend, gate: PeopleGate,
        headers: [String: String] = [:], _ body: (LocalServer) async throws -> Void
    ) async throws {
        var fixed = settings
        fixed.port = 0
        let chosen = fixed
        var server = try await start { onStarted in
            try await DeskServer(
                settings: chosen, backend: backend, gate: gate, logger: TestLog.logger, onStarted: onStarted
            ).run()
        }
        server.headers = headers
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func request(
        _ method: String, _ path: String, json: JSONValue? = nil, body: [UInt8]? = nil,
        headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let json {
            request.httpBody = Data(JSONWriter.canonical(json))
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = Data(body)
        }
        for (name, value) in self.headers.merging(headers, uniquingKeysWith: { $1 }) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        let (data, response) = try await LocalServer.session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            fields[String(describing: name).lowercased()] = String(describing: value)
        }
        return Reply(status: http.statusCode, headers: fields, body: [UInt8](data))
    }

    func get(_ path: String) async throws -> Reply { try await request("GET", path) }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // Tests send their cookies themselves: a shared cookie store would carry one test's
        // session to another test's server (cookies ignore the port).
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        return URLSession(configuration: configuration)
    }()
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A desk backend without a node: a fixed picture, and writes that the "node" accepts.
final class FakeDesk: DeskBackend {
    let feed = DeskFeed()
    private let written = Mutex<[ReportID: (ReportDocument, JSONValue)]>([:])

    init(sample: SamplePicture, ready: Bool = true) {
        var link = LinkStatus(since: sample.now)
        link.state = ready ? .live : .connecting
        link.applied = sample.picture.lastSequence
        link.nodeLastSequence = sample.picture.lastSequence
        link.confirmedAt = sample.now
        feed.publish(
            DeskState(
                version: 1, digest: sample.digest(withHistory: true), link: link,
                liveness: Liveness.json(board: nil, link: link, now: sample.now), writesQueued: 0,
                ready: ready))
    }

    var documents: [ReportDocument] { written.withLock { $0.values.map(\.0) } }

    func submit(_ document: ReportDocument, again: Bool) async -> DeskWriteOutcome {
        let id = document.id ?? ReportID.random()
        let sequence = written.withLock { written -> Int in
            written[id] = (
                document,
                [
                    "id": .string(id.rawValue), "state": "accepted",
                    "sequence": .integer(Int64(100 + written.count)),
                ]
            )
            return written.count
        }
        return .queued(id, originSeq: UInt64(sequence))
    }

    func outcome(of id: ReportID, within timeout: Duration) async -> JSONValue? { await reportState(id) }

    func reportState(_ id: ReportID) async -> JSONValue? { written.withLock { $0[id]?.1 } }
}

enum TestLog {
    static var logger: Logger {
        var logger = Logger(label: "knooppunt.web.test")
        logger.logLevel = .critical
        return logger
    }
}

extension JSONValue {
    /// An array element, nil when out of range or not an array (for reading answers in tests).
    subscript(index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
}
