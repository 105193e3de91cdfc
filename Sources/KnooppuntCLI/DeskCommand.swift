import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore
import KnooppuntWeb
import Logging
import ServiceLifecycle
import StrictJSON

struct DeskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "desk",
        abstract: "Run the national desk: the live map and picture of the network in a browser.",
        discussion: """
            Subscribes to the national node as the national organisation (its own connection, \
            so a desk crash never touches the node) and serves on loopback: a live map of the 25 \
            safety regions (threat level and GRIP), the incidents with their BOB sitrep \
            timelines, the acknowledgement board, the liveness board, and the JSON API \
            (docs/openapi.yaml), with /metrics, /healthz and /readyz.

            Everything but the login page, /healthz and /readyz needs a signed-in person: an \
            account of the national organisation (knooppunt users --as NATIONAL, docs/PEOPLE.md) \
            with a session cookie, or a personal API token as "Authorization: Bearer …". Desk \
            officers publish national advice and acknowledgement requests from the page or the \
            API, each named as the author. Their reports are stored in DIR/desk/store.sqlite \
            before they go to the node, and are sent until the node accepts them.

            /readyz answers 200 once the desk holds the node's picture.

            Examples:
              knooppunt desk --dir ./var
              knooppunt desk --dir ./var --port 8080
            """)

    @OptionGroup var folder: FolderOption
    @OptionGroup var log: LogOptions
    @Option(help: "HTTP port.") var port: Int = DeskOptions.defaultPort
    @Option(help: "Address to listen on. Keep loopback unless TLS and a login stand in front of it.")
    var host: String = "127.0.0.1"
    @Option(name: .long, help: .hidden) var parentPid: Int32?
    @OptionGroup var login: LoginOptions

    func run() async throws {
        let logger = log.bootstrap(label: "knooppunt.desk")
        MetricsEndpoint.bootstrap()
        let network = try folder.network()
        let deskFolder = URL(fileURLWithPath: DeskOptions.deskFolder(folder.folder), isDirectory: true)
        try DataFolder.makeOwnerOnly(deskFolder)
        let lock: LockFile
        do {
            lock = try LockFile(folder.folder.lockFile(in: deskFolder))
        } catch {
            printError("A desk already runs from \(deskFolder.path): \(error)")
            throw ExitCode.failure
        }
        defer { withExtendedLifetime(lock) {} }
        // The national organisation's people live with the desk (docs/PEOPLE.md).
        try FirstAdministrator.ensure(.national, folder: folder.folder, logger: logger)
        let store = deskFolder.appendingPathComponent("store.sqlite").path
        var options = DeskOptions(
            folder: folder.folder, network: network, logger: logger,
            journal: { try DeskStoreJournal(path: store) })
        options.port = port
        options.host = host
        options.login = login.limits
        options.secureCookies = login.secureCookies
        let settings = options
        let service = AsyncService {
            try await NationalDesk.run(options: settings) { bound in
                print("National desk: http://\(host):\(bound)/ (log in with an account of NATIONAL)")
                flushStandardOutput()
            }
        }
        try await ServiceRunner.run(
            service, parentPID: parentPid, logger: logger, shutdownLimit: .seconds(10))
    }
}

/// A service whose work is one async function: it ends with the function, and graceful
/// shutdown reaches it through the task (Hummingbird's servers listen for it).
struct AsyncService: Service {
    let body: @Sendable () async throws -> Void
    func run() async throws { try await body() }
}

/// `/metrics`, `/healthz` and `/readyz` of a node or daemon as a service of its group:
///
/// ```swift
/// MetricsService(MetricsServer(port: 9402, logger: logger) { (true, "serving") })
/// ```
struct MetricsService: Service {
    let server: MetricsServer
    init(_ server: MetricsServer) { self.server = server }
    func run() async throws { try await server.run() }
}

/// The desk's journal in a daemon store (`DIR/desk/store.sqlite`): the outbox tables of the
/// daemons (SQLite, WAL, `synchronous=FULL`); its mirror tables stay unused.
final class DeskStoreJournal: DeskJournal {
    let store: DaemonStore

    init(path: String) throws { store = try DaemonStore(path: path) }

    func load() throws -> (lastOriginSeq: UInt64, queued: [QueuedReport]) {
        let loaded = try store.loadOutbox()
        return (loaded.lastOriginSeq, loaded.queued)
    }

    func enqueue(_ item: QueuedReport, document: [UInt8], bodyHash: String) throws {
        try store.enqueue(item, document: document, bodyHash: bodyHash)
    }

    func record(_ events: [OutboxEvent], at now: Int64) throws { try store.record(events, at: now) }
    func reseal(_ item: QueuedReport) throws { try store.reseal(item) }
    func requeue(from: UInt64, below: UInt64) throws -> [QueuedReport] {
        try store.requeue(from: from, below: below)
    }

    func document(of id: ReportID) throws -> [UInt8]? { try store.document(of: id) }

    func recentReport(bodyHash: String, since: Int64) throws -> ReportID? {
        try store.recentReport(bodyHash: bodyHash, since: since)
    }

    func state(of id: ReportID) throws -> JSONValue? { try store.state(of: id)?.json }
}
