import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntWeb
import Logging
import ServiceLifecycle
import StrictJSON
import Synchronization
import ZeroMQ

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
        let screen = OperatorScreen(backend: client, gate: gate, port: port ?? defaultPort, logger: logger) {
            bound in
            print(
                "Operator screen of \(code): http://127.0.0.1:\(bound)/ (log in with an account of \(code): knooppunt users add NAME --as \(code) --role operator)"
            )
            flushStandardOutput()
        }
        var configuration = ServiceGroupConfiguration(
            services: [AsyncService { try await screen.run() }], logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        configuration.maximumGracefulShutdownDuration = .seconds(10)
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// An ``OperatorScreenBackend`` over a daemon's operator socket (docs/PROTOCOL.md §11).
///
/// One poll-loop thread owns one DEALER; requests go one at a time (the daemon answers a
/// PUBLISH after the other requests of its round, so answers are matched by being the only
/// one outstanding, and by their kind). The unsolicited ACCEPTED/REJECTED that follow a
/// PUBLISH are ignored: the screen asks REPORT for the state instead, which also survives a
/// daemon restart.
final class DaemonOperatorClient: OperatorScreenBackend {
    /// An unanswered request fails after this long, and the socket starts afresh.
    static let timeout: Duration = .seconds(5)
    /// Requests waiting to go; beyond this a request fails at once.
    static let maxQueued = 256

    let organisation: OrganisationCode
    let context = ZMQContext()
    let loop: PollLoop
    private let state = LoopBound<OperatorConversation>()

    init(organisation: OrganisationCode, endpoint: String, logger: Logger) throws {
        self.organisation = organisation
        loop = PollLoop(name: "screen.\(organisation)", context: context, logger: logger)
        let state = self.state
        try loop.start { loop in state.set(try OperatorConversation(loop: loop, endpoint: endpoint)) }
    }

    func stop() {
        loop.shutdown()
        context.terminate()
    }

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

    func reportState(_ id: ReportID) async throws -> JSONValue? {
        let reply = try await request(.report(id), expect: [OperatorReply.reportState, OperatorReply.error])
        guard case .reportState(let json) = reply else { return nil }
        return json
    }

    private func request(_ request: OperatorRequest, expect: Set<String>) async throws -> OperatorResponse {
        let organisation = self.organisation
        let outcome = await withCheckedContinuation { continuation in
            let pending = PendingRequest(
                request: request, expect: expect, continuation: continuation,
                fallback: .failure(DaemonUnreachable("the screen is stopping")))
            loop.execute { [state] _ in state.value?.enqueue(pending) }
        }
        switch outcome {
        case .success(let reply): return reply
        case .failure(let error):
            throw DaemonUnreachable("the daemon of \(organisation) does not answer: \(error.message)")
        }
    }
}

typealias OperatorOutcome = Result<OperatorResponse, DaemonUnreachable>

/// One request and its continuation, resumed exactly once (with `fallback` if it is dropped
/// unanswered, e.g. by a loop that stopped).
final class PendingRequest: Sendable {
    let request: OperatorRequest
    /// The kinds of response that answer it (ACCEPTED and REJECTED after a PUBLISH do not).
    let expect: Set<String>
    private let slot: Mutex<CheckedContinuation<OperatorOutcome, Never>?>
    private let fallback: OperatorOutcome

    init(
        request: OperatorRequest, expect: Set<String>,
        continuation: CheckedContinuation<OperatorOutcome, Never>, fallback: OperatorOutcome
    ) {
        self.request = request
        self.expect = expect
        slot = Mutex(continuation)
        self.fallback = fallback
    }

    func resume(_ outcome: OperatorOutcome) { slot.withLock { $0.take() }?.resume(returning: outcome) }

    deinit { slot.withLock { $0.take() }?.resume(returning: fallback) }
}

/// The conversation with the daemon, on the loop thread.
final class OperatorConversation {
    unowned let loop: LoopContext
    let endpoint: String
    var socket: ZMQSocket
    var queue: [PendingRequest] = []
    var inFlight: PendingRequest?
    var deadline: LoopContext.TimerID?

    init(loop: LoopContext, endpoint: String) throws {
        self.loop = loop
        self.endpoint = endpoint
        socket = try Self.connect(loop: loop, endpoint: endpoint)
        register()
    }

    static func connect(loop: LoopContext, endpoint: String) throws -> ZMQSocket {
        let socket = try loop.socket(.dealer, name: "screen.operator")
        try socket.set([
            .linger(.zero), .immediate(true), .maxMessageSize(64 << 20),
            .reconnectInterval(.milliseconds(100)), .reconnectIntervalMax(.seconds(1)),
        ])
        try socket.connect(endpoint)
        return socket
    }

    private func register() {
        loop.register(socket) { [unowned self] _, _ in self.receive() }
    }

    func enqueue(_ request: PendingRequest) {
        guard queue.count < DaemonOperatorClient.maxQueued else {
            request.resume(.failure(DaemonUnreachable("too many requests waiting")))
            return
        }
        queue.append(request)
        sendNext(attempt: 0)
    }

    /// Sends the next request; IMMEDIATE refuses while the daemon is not connected, so try a
    /// few times (the socket may still be connecting) before failing it.
    private func sendNext(attempt: Int) {
        guard inFlight == nil, let next = queue.first else { return }
        let sent = (try? socket.sendPacked(next.request.encode(), dontWait: true)) == true
        if !sent {
            guard attempt < 20 else {
                queue.removeFirst()
                next.resume(.failure(DaemonUnreachable("no daemon listens on \(endpoint)")))
                return sendNext(attempt: 0)
            }
            loop.after(.milliseconds(50)) { [weak self] in self?.sendNext(attempt: attempt + 1) }
            return
        }
        queue.removeFirst()
        inFlight = next
        deadline = loop.after(DaemonOperatorClient.timeout) { [weak self] in self?.expire() }
    }

    private func receive() {
        for _ in 0..<64 {
            guard let message = try? socket.receive(dontWait: true, maxFrames: 2) else { return }
            guard let parts = message.unpacked(routed: false, maxParts: 16),
                let response = OperatorResponse.decode(parts), let pending = inFlight,
                pending.expect.contains(response.command)
            else { continue }
            inFlight = nil
            if let deadline { loop.cancel(deadline) }
            pending.resume(.success(response))
            sendNext(attempt: 0)
        }
    }

    /// No answer in time: fail the request and start with a fresh socket, so a late answer
    /// can never be taken for the answer to the next request.
    private func expire() {
        guard let pending = inFlight else { return }
        inFlight = nil
        pending.resume(.failure(DaemonUnreachable("no answer within \(DaemonOperatorClient.timeout)")))
        loop.unregister(socket)
        socket.close()
        if let fresh = try? Self.connect(loop: loop, endpoint: endpoint) {
            socket = fresh
            register()
        }
        sendNext(attempt: 0)
    }
}
