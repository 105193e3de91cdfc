import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntStore
import KnooppuntWeb
import Logging
import ServiceLifecycle
import StrictJSON

struct ScreenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screen",
        abstract: "Serve an organisation's operator screen on loopback, next to its running daemon.",
        discussion: """
            Opens the operator screen of --as in a browser on this host: compose a sitrep in the \
            BOB structure (every problem shown at its field), follow it from queued to accepted \
            seq N and its acknowledgements, and see the national picture and the region's threat \
            level. It talks to the daemon over the daemon's owner-only operator socket in --dir, \
            exactly as `knooppunt publish` does. The default port is 7500 + the region's number \
            (VR09: 7509; NCTV 7526, POLICE 7527).

            People log in with their account of the organisation (knooppunt users, \
            docs/PEOPLE.md); a viewer sees, an operator publishes and acknowledges, and every \
            report names the signed-in person as its author.

            Examples:
              knooppunt screen --as VR09 --dir ./var
              knooppunt screen --as VR09 --port 8009
            """)

    @Option(name: .customLong("as"), help: "The organisation whose daemon the screen uses (e.g. VR09).")
    var organisation: OrganisationCode
    @Option(help: "HTTP port on 127.0.0.1 (default 7500 + the region's number).") var port: Int?
    @OptionGroup var login: LoginOptions
    @OptionGroup var folder: FolderOption
    @OptionGroup var log: LogOptions

    func validate() throws {
        guard organisation != .national else {
            throw ValidationError("the national organisation has the desk: knooppunt desk")
        }
    }

    var defaultPort: Int {
        switch organisation.kind {
        case .nctv: 7526
        case .police: 7527
        default: 7500 + (Int(organisation.rawValue.dropFirst(2)) ?? 0)
        }
    }

    func run() async throws {
        let logger = log.bootstrap(label: "knooppunt.screen.\(organisation)")
        MetricsEndpoint.bootstrap()
        let endpoint = folder.folder.operatorEndpoint(organisation)
        let client = try DaemonOperatorClient(organisation: organisation, endpoint: endpoint, logger: logger)
        defer { client.stop() }
        let code = organisation
        let gate = try login.gate(organisation, folder: folder.folder, logger: logger)
        var screen = OperatorScreen(backend: client, gate: gate, port: port ?? defaultPort, logger: logger) {
            bound in
            print(
                "Operator screen of \(code): http://127.0.0.1:\(bound)/ (log in with an account of \(code): knooppunt users add NAME --as \(code) --role operator)"
            )
            flushStandardOutput()
        }
        screen.networkFolder = folder.folder
        if organisation == .police {
            // The police's screen offers the labels its daemon accepts (the same policy file).
            screen.policeLabels = try WritePolicy.load(folder: folder.folder.root).policeInternal.labels
        }
        // The "Signalen" page offers and checks the same signal policy as the node, and reads
        // each recipient's delivery from the node's board where this host can ask it.
        screen.signalPolicy = try SignalPolicy.load(folder: folder.folder.root)
        let dataFolder = folder.folder
        let network = try folder.network()
        screen.signalDelivery = { NodeBoard.read(dataFolder, network)?.applied }
        let service = screen
        try await ServiceRunner.run(
            AsyncService { try await service.run() }, parentPID: nil, logger: logger,
            shutdownLimit: .seconds(10))
    }
}

/// An ``OperatorScreenBackend`` over a daemon's operator socket (docs/PROTOCOL.md §11),
/// through the client library's ``AsyncOperatorClient``.
final class DaemonOperatorClient: OperatorScreenBackend {
    let organisation: OrganisationCode
    let client: AsyncOperatorClient

    init(organisation: OrganisationCode, endpoint: String, logger: Logger) throws {
        self.organisation = organisation
        client = try AsyncOperatorClient(name: "screen.\(organisation)", endpoint: endpoint, logger: logger)
    }

    func stop() { client.stop() }

    func status() async throws -> JSONValue {
        guard case .status(let json) = try await request(.status, expect: [OperatorReply.status]) else {
            throw DaemonUnreachable("the daemon of \(organisation) answered without its status")
        }
        return json
    }

    func picture() async throws -> JSONValue {
        guard case .picture(let json) = try await request(.picture, expect: [OperatorReply.picture]) else {
            throw DaemonUnreachable("the daemon of \(organisation) answered without its picture")
        }
        return json
    }

    func publish(_ document: [UInt8], as credential: PersonCredential) async throws -> OperatorPublishResult {
        let reply = try await request(
            .publish(document: document, options: PublishOptions(credential: credential)),
            expect: [OperatorReply.queued, OperatorReply.error])
        switch reply {
        case .queued(let id, let originSeq):
            return .queued(id, originSeq: originSeq)
        case .error(let refusal):
            return .refused(refusal.first.code, message: refusal.first.message, detail: refusal.json)
        default:
            throw DaemonUnreachable("the daemon of \(organisation) answered \(reply.command)")
        }
    }

    func publish(
        _ document: [UInt8], policeLabels: [String], as credential: PersonCredential
    ) async throws -> OperatorPublishResult {
        let options = PublishOptions(policeLabels: policeLabels, credential: credential)
        let reply = try await request(
            .publish(document: document, options: options),
            expect: [OperatorReply.queued, OperatorReply.error])
        switch reply {
        case .queued(let id, let originSeq):
            return .queued(id, originSeq: originSeq)
        case .error(let refusal):
            return .refused(refusal.first.code, message: refusal.first.message, detail: refusal.json)
        default:
            throw DaemonUnreachable("the daemon of \(organisation) answered \(reply.command)")
        }
    }

    func reportState(_ id: ReportID) async throws -> JSONValue? {
        let reply = try await request(.report(id), expect: [OperatorReply.reportState, OperatorReply.error])
        guard case .reportState(let json) = reply else { return nil }
        return json
    }

    func openSignal(_ id: ReportID, as credential: PersonCredential) async throws -> OperatorSignalResult {
        let reply = try await request(
            .signalOpen(id, options: PublishOptions(credential: credential)),
            expect: [OperatorReply.signal, OperatorReply.error])
        switch reply {
        case .signal(let json):
            return .opened(json)
        case .error(let refusal):
            return .refused(refusal.first.code, message: refusal.first.message)
        default:
            throw DaemonUnreachable("the daemon of \(organisation) answered \(reply.command)")
        }
    }

    private func request(_ request: OperatorRequest, expect: Set<String>) async throws -> OperatorResponse {
        do {
            return try await client.request(request, expect: expect)
        } catch let error as OperatorUnreachable {
            throw DaemonUnreachable("the daemon of \(organisation) does not answer: \(error.message)")
        }
    }
}
